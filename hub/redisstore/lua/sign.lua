-- Records a sign of life of a cid's service (a heartbeat): "sign" is its
-- time, and a stall ("stalled") ends.
--
-- KEYS: the cid's record. ARGV: now (unix ms).
-- Answers {"ok", caller, "1" if it ended a stall, hb}, {"ended", state}
-- or {"notfound"}.
local f = redis.call('HMGET', KEYS[1], 'caller', 'ended', 'state', 'hb', 'stalled')
if not f[1] then return {'notfound'} end
if f[2] == '1' then return {'ended', f[3] or ''} end
local resumed = ''
if f[4] and f[4] ~= '' then -- "": no heartbeat (record.go)
  redis.call('HSET', KEYS[1], 'sign', ARGV[1])
  if f[5] then
    redis.call('HDEL', KEYS[1], 'stalled')
    resumed = '1'
  end
end
return {'ok', f[1], resumed, f[4] or ''}
