-- Leases up to n due lifecycle timers of one partition: each member
-- ("<kind>|<cid>") gets the lease's end as its time, so a holder that
-- dies leaves it due again then.
--
-- KEYS: the partition's timers. ARGV: now (unix ms), the lease's end
-- (unix ms), n.
-- Answers the earliest time left in the partition after the lease
-- ("" if none), then the leased members.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local out = {first[2] or ''}
for _, id in ipairs(ids) do out[#out + 1] = id end
return out
