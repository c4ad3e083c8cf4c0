package redisstore

import "github.com/redis/go-redis/v9"

// The delivery queue. Per cid (one Cluster slot, hash tag {cid}):
//
//	dlv:{cid}   hash: seq → delivery JSON
//	dst:{cid}   hash: seq → state, for the head-of-line check
//	dls:{cid}   hash: seq → lease end (unix ms) while an attempt runs
//	dof:{cid}   hash: reply offset → seq, for each queued delivery
//	dgp:{cid}   hash: offset of a stored reply with no delivery yet → the
//	            seq of the delivery stored after it (see queue_order.go)
//
// Shared by every instance (one slot, hash tag {dq}):
//
//	{dq}:delayed   sorted set: delivery id by due time (unix ms)
//	{dq}:ready     stream + consumer group "workers": due deliveries
//	{dq}:all       sorted set: every delivery id by creation, for List
//	{dq}:pending   sorted set: pending delivery ids by due time, for Stats
//	{dq}:dead      sorted set: dead delivery ids by when they died, for Stats
//	{dq}:sweep     sorted set: delivery id → when to sweep it (unix ms),
//	               while an Add or a pending Save is under way (see
//	               queue_sweep.go)
//
// A delivery is in the delayed set or the ready stream while it is
// pending. Claim moves due ids to the stream, reads new entries
// (XREADGROUP) and those whose consumer died (XAUTOCLAIM), and leases
// each one that is the head of its cid. Scripts touch one slot each.

// addScript stores a delivery (ARGV[4] is its state) unless it exists,
// and links it to the reply stored before its own (ARGV[5] its reply's
// offset, ARGV[6] the previous one's; see queue_order.go). It answers
// {1, head} if the delivery is pending and unleased, so the caller
// schedules it, else {0, head}; head is the cid's first pending seq when
// this delivery filled the cid's last gap (the cid waited: schedule it
// again), else 0.
var addScript = redis.NewScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  local old = redis.call('EXISTS', KEYS[2]) == 1 and redis.call('EXISTS', KEYS[4]) == 0
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
  local filled = 0
  if ARGV[5] ~= '' and not old then
    redis.call('HSET', KEYS[4], ARGV[5], ARGV[1])
    filled = redis.call('HDEL', KEYS[5], ARGV[5])
    if ARGV[6] ~= '' and redis.call('HEXISTS', KEYS[4], ARGV[6]) == 0 then
      redis.call('HSET', KEYS[5], ARGV[6], ARGV[1])
    end
  end
  for _, i in ipairs({1, 2, 4, 5}) do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
  local head = 0
  if filled == 1 and redis.call('EXISTS', KEYS[5]) == 0 then
    local all = redis.call('HGETALL', KEYS[2])
    for i = 1, #all, 2 do
      local s = tonumber(all[i])
      if all[i+1] == 'pending' and (head == 0 or s < head) then head = s end
    end
    if head > 0 and redis.call('HEXISTS', KEYS[3], tostring(head)) == 1 then head = 0 end
  end
  if ARGV[4] == 'pending' then return {1, head} end
  return {0, head}
end
if redis.call('HGET', KEYS[2], ARGV[1]) == 'pending' and not redis.call('HGET', KEYS[3], ARGV[1]) then
  return {1, 0}
end
return {0, 0}`)

// moveScript moves due ids from the delayed set to the ready stream.
var moveScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, id in ipairs(ids) do
  redis.call('XADD', KEYS[2], '*', 'id', id)
  redis.call('ZREM', KEYS[1], id)
end
return #ids`)

// leaseScript leases delivery seq of a cid at now (ARGV[2]) until ARGV[3].
// ARGV[4] is the retention in ms. It answers {"ok", json}; {"wait"} if a
// lower seq is pending or the cid has a gap; {"held"} if another
// consumer's lease still runs; {"done", nextSeq} if it is no longer
// pending; {"gone"} if it expired.
var leaseScript = redis.NewScript(`
local seq = tonumber(ARGV[1])
local state = redis.call('HGET', KEYS[2], ARGV[1])
if not state then return {'gone'} end
if state ~= 'pending' then
  local nxt = ''
  local all = redis.call('HGETALL', KEYS[2])
  for i = 1, #all, 2 do
    local s = tonumber(all[i])
    if all[i+1] == 'pending' and s > seq and (nxt == '' or s < tonumber(nxt)) then nxt = all[i] end
  end
  return {'done', nxt}
end
if redis.call('EXISTS', KEYS[5]) == 1 then return {'wait'} end
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  if tonumber(all[i]) < seq and all[i+1] == 'pending' then return {'wait'} end
end
local lease = redis.call('HGET', KEYS[3], ARGV[1])
if lease and tonumber(lease) > tonumber(ARGV[2]) then return {'held'} end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return {'ok', redis.call('HGET', KEYS[1], ARGV[1])}`)

// saveScript stores a delivery after an attempt and ends its lease. It
// answers the next pending seq of the cid when this one is done, else "".
var saveScript = redis.NewScript(`
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HDEL', KEYS[3], ARGV[1])
if ARGV[3] == 'pending' then return '' end
local seq = tonumber(ARGV[1])
local nxt = ''
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local s = tonumber(all[i])
  if all[i+1] == 'pending' and s > seq and (nxt == '' or s < tonumber(nxt)) then nxt = all[i] end
end
return nxt`)
