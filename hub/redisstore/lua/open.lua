-- Creates a request's record unless its cid exists, and reserves one of
-- its steps, in one call (see hub.StepOpener): record.go's createScript
-- and beginScript in one. An existing record of another caller or
-- service gets no step.
--
-- KEYS: the cid's record, its steps and, off a Cluster, its partition's
-- request index (list.go), where a new record is added. ARGV: retention
-- (ms), seq, the step JSON, the caller, the service, the index entry's
-- id ("<creation ms>-*"), the MINID to trim the index to ("": no trim),
-- the cid, then the record's fields and values.
-- Answers {created "1"/"0", status, step, fields and values of an
-- existing record...}: status "ok" (the step is reserved), "exists" (it
-- was before; step is the stored one) or "foreign".
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 9))
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
  if KEYS[3] then
    local add = {'XADD', KEYS[3]}
    if ARGV[7] ~= '' then
      add[3], add[4], add[5] = 'MINID', '~', ARGV[7]
    end
    local id = #add + 1
    add[id], add[id + 1], add[id + 2] = ARGV[6], 'c', ARGV[8]
    local r = redis.pcall(unpack(add))
    if type(r) == 'table' and r.err then
      if not string.find(r.err, 'equal or smaller', 1, true) then return r end
      add[id] = '*' -- an entry of a later time is there already: just after it
      redis.call(unpack(add))
    end
  end
  return {'1', 'ok', ''}
end
local rec = redis.call('HGETALL', KEYS[1])
local out = {'0', 'ok', ''}
local f = {}
for i = 1, #rec, 2 do f[rec[i]] = rec[i + 1] end
if f['caller'] ~= ARGV[4] or f['serviceId'] ~= ARGV[5] then
  out[2] = 'foreign'
elseif redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3]) == 0 then
  out[2], out[3] = 'exists', redis.call('HGET', KEYS[2], ARGV[2])
else
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
end
for _, v in ipairs(rec) do out[#out + 1] = v end
return out
