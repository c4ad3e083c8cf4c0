-- Creates a request's record unless its cid exists, and reserves one of
-- its steps, in one call (see hub.StepOpener): record.go's createScript
-- and beginScript in one. An existing record of another caller or
-- service gets no step.
--
-- KEYS: the cid's record, its steps. ARGV: retention (ms), seq, the step
-- JSON, the caller, the service, then the record's fields and values.
-- Answers {created "1"/"0", status, step, fields and values of an
-- existing record...}: status "ok" (the step is reserved), "exists" (it
-- was before; step is the stored one) or "foreign".
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 6))
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
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
