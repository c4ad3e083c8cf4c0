-- Moves a cid's acknowledgement watermark forward (see receipt.go): the
-- record's field "acks" holds its steps, oldest first, as
-- "<offset> <unix ms>" pairs separated by spaces. A step names the
-- newest reply at or before the acknowledged offset, so a cid has at
-- most one step per reply; an ack that reaches no new reply writes
-- nothing.
--
-- KEYS: the cid's record, its replies (a stream).
-- ARGV: offset, at (unix ms).
-- Answers 1 when the watermark moved, 0 when not, -1 for an unknown cid,
-- -2 for an offset past the cid's last reply.
local function less(a, b)
  local am, an = string.match(a, '^(%d+)-(%d+)$')
  local bm, bn = string.match(b, '^(%d+)-(%d+)$')
  am, an, bm, bn = tonumber(am), tonumber(an), tonumber(bm), tonumber(bn)
  if am ~= bm then return am < bm end
  return an < bn
end
local f = redis.call('HMGET', KEYS[1], 'caller', 'lastOffset', 'acks')
if not f[1] then return -1 end
local last = f[2] or ''
if last == '' or less(last, ARGV[1]) then return -2 end
local top = last
if less(ARGV[1], last) then
  local e = redis.call('XREVRANGE', KEYS[2], ARGV[1], '-', 'COUNT', 1)[1]
  if not e then return 0 end
  top = e[1]
end
local acks = f[3] or ''
local mark = string.match(acks, '(%S+) %S+$')
if mark and not less(mark, top) then return 0 end
if acks ~= '' then acks = acks .. ' ' end
redis.call('HSET', KEYS[1], 'acks', acks .. top .. ' ' .. ARGV[2])
return 1
