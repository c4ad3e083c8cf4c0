-- Removes a lifecycle timer unless it was set again since its claim.
--
-- KEYS: the partition's timers. ARGV: the member, its time as claimed
-- (unix ms).
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if at and tonumber(at) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
