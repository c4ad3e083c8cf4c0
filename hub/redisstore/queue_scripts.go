package redisstore

import "github.com/redis/go-redis/v9"

// The delivery queue. Per cid (one Cluster slot, hash tag {cid}):
//
//	dlv:{cid}   hash: seq → delivery JSON
//	dst:{cid}   hash: seq → state, for the head-of-line check
//	dls:{cid}   hash: seq → lease end (unix ms) while an attempt runs
//
// Shared by every instance (one slot, hash tag {dq}):
//
//	{dq}:delayed   sorted set: delivery id by due time (unix ms)
//	{dq}:ready     stream + consumer group "workers": due deliveries
//	{dq}:all       sorted set: every delivery id by creation, for List
//	{dq}:pending   sorted set: pending delivery ids by due time, for Stats
//	{dq}:dead      sorted set: dead delivery ids by when they died, for Stats
//
// A delivery is in the delayed set or the ready stream while it is
// pending. Claim moves due ids to the stream, reads new entries
// (XREADGROUP) and those whose consumer died (XAUTOCLAIM), and leases
// each one that is the head of its cid. Scripts touch one slot each.

// addScript stores a delivery (ARGV[4] is its state) unless it exists. It
// answers 1 if the delivery is pending and unleased, so the caller
// schedules it.
var addScript = redis.NewScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
  for i = 1, 2 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
  if ARGV[4] == 'pending' then return 1 end
  return 0
end
if redis.call('HGET', KEYS[2], ARGV[1]) == 'pending' and not redis.call('HGET', KEYS[3], ARGV[1]) then
  return 1
end
return 0`)

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
// lower seq is pending; {"held"} if another consumer's lease still runs;
// {"done", nextSeq} if it is no longer pending; {"gone"} if it expired.
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
