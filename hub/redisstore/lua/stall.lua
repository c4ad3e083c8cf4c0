-- Stalls a cid whose service has been silent longer than its heartbeat
-- ("hb" ms since "sign"): "stalled" becomes the time the silence began.
--
-- KEYS: the cid's record. ARGV: now (unix ms).
-- Answers {"stalled", caller, since}, {"later", caller, when to check
-- again}, {"none", caller} (ended, stalled already, or no heartbeat) or
-- {"notfound"}.
local f = redis.call('HMGET', KEYS[1], 'caller', 'ended', 'hb', 'sign', 'stalled')
if not f[1] then return {'notfound'} end
if f[2] == '1' or (f[3] or '') == '' or f[5] then return {'none', f[1]} end -- hb "": none (record.go)
local sign = f[4] or '0'
local due = tonumber(sign) + tonumber(f[3])
if tonumber(ARGV[1]) < due then return {'later', f[1], string.format('%d', due)} end
redis.call('HSET', KEYS[1], 'stalled', sign)
return {'stalled', f[1], sign}
