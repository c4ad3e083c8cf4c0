-- Leases up to n due deliveries of one partition (see queue.go): each
-- member of the due set is the delivery heading its cid; its score
-- becomes the lease's end, so a holder that dies leaves it due again
-- then.
--
-- KEYS: the partition's due set, its pending set.
-- ARGV: now (unix ms), the lease's end (unix ms), n, the prefix of the
-- partition's per-cid keys.
-- Answers the JSON of each leased delivery.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
local out = {}
for _, id in ipairs(ids) do
  local cid, seq = string.match(id, '^(.*)%.(%d+)$')
  local f = {}
  if cid then f = redis.call('HMGET', ARGV[4] .. cid, seq, 'g') end
  if not f[1] then
    redis.call('ZREM', KEYS[1], id) -- expired with its cid
    redis.call('ZREM', KEYS[2], id)
  elseif f[2] and f[2] ~= '' then
    redis.call('ZREM', KEYS[1], id) -- the cid waits for a reply's callback (its Add schedules the head)
  else
    redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id)
    out[#out + 1] = f[1]
  end
end
return out
