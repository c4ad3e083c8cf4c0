-- Stores a delivery after an attempt (or a replay) and schedules what
-- heads its cid next (see queue.go).
--
-- KEYS: the cid's deliveries, the partition's due set, its pending set,
-- its dead set.
-- ARGV: seq, delivery JSON, state, due (unix ms, for a pending one), cid,
-- now (unix ms), trim the dead set before this (unix ms).
-- Answers 1 when another delivery of the cid became due now, 0 when
-- not, -1 when the delivery is gone (expired).
local seq = ARGV[1]
local f = redis.call('HMGET', KEYS[1], seq, 'q', 'g')
if not f[1] then return -1 end
local q = {}
for s in string.gmatch(f[2] or '', '%d+') do q[#q + 1] = tonumber(s) end
local n = tonumber(seq)
local oldHead = q[1]
local at = 0
for j = 1, #q do
  if q[j] == n then at = j break end
end
local pending = ARGV[3] == 'pending'
if pending and at == 0 then
  local i = #q + 1
  for j = 1, #q do
    if q[j] > n then i = j break end
  end
  table.insert(q, i, n)
elseif not pending and at > 0 then
  table.remove(q, at)
end
local cid = ARGV[5]
if pending then
  redis.call('ZADD', KEYS[3], ARGV[4], cid .. '.' .. seq)
elseif at > 0 then
  redis.call('ZREM', KEYS[3], cid .. '.' .. seq)
end
redis.call('HSET', KEYS[1], seq, ARGV[2], 'q', table.concat(q, ' '))
local head = q[1]
local ready = 0
if oldHead and oldHead ~= head then redis.call('ZREM', KEYS[2], cid .. '.' .. oldHead) end
if head and (f[3] or '') == '' then
  if head == n then
    redis.call('ZADD', KEYS[2], ARGV[4], cid .. '.' .. seq)
  elseif head ~= oldHead then
    local at = redis.call('ZSCORE', KEYS[3], cid .. '.' .. head) or ARGV[6]
    redis.call('ZADD', KEYS[2], 'NX', at, cid .. '.' .. head)
    if tonumber(at) <= tonumber(ARGV[6]) then ready = 1 end
  end
end
if ARGV[3] == 'dead' then
  redis.call('ZADD', KEYS[4], ARGV[6], cid .. '.' .. seq)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[7])
elseif pending and at == 0 then
  redis.call('ZREM', KEYS[4], cid .. '.' .. seq) -- a replay
end
return ready
