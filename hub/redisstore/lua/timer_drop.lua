-- Removes a lifecycle timer unless it was set again since its claim: a
-- claim leases it with a score half a millisecond before its lease's end
-- (timer_claim.lua), which no SetTimer sets.
--
-- KEYS: the partition's timers. ARGV: the member, the end of its lease
-- as claimed (unix ms).
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if at and tonumber(at) == tonumber(ARGV[2]) - 0.5 then
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
