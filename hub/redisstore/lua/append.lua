-- Stores and publishes one reply in one round trip: dedupe by
-- seq, refusal after the isEnd reply, the offset, the stream entry, the
-- record's state, and the PUBLISH on the cid's channel. The hub sends the
-- reply's frame in three parts (hub.Reply.FrameParts) and the script puts
-- in the seq and the offset, which only it knows, so nothing is encoded
-- twice. The stream entry holds the broker message itself: header "h"
-- and frame "f".
--
-- The offset is "<ms>-<n>" from the hub's clock, kept increasing within
-- the cid. Only a seq at or below the highest stored one ("maxSeq") can
-- be a duplicate, so only then is the seq looked for: a new seq, the
-- usual case, would have Redis search the whole record for a field that
-- is not there (a record is a listpack, searched field by field, until
-- it holds 128 fields). For the same reason the record's fields read
-- here are always there in a record this callhub makes (record.go's
-- recordFields), and "stalled" is not read: HDEL answers whether there
-- was one.
--
-- A seq's offset is kept in the record as s<seq>, for every seq
-- (records of an older callhub, with no "v" field, keep seqs in their
-- own hash and get their expiry on every reply, as they did).
--
-- Numbers stay strings where they can (ARGV's and the record's are
-- canonical decimals: numLess compares them): converting one to a Lua
-- number and back costs a strtod or a sprintf each, several per reply.
--
-- Redis gives a new stream a node of stream-node-max-bytes (4 KiB by
-- default) and fills it as entries come; a cid's stream holds a few
-- replies, so most of that would stay empty for the whole retention.
-- The isEnd reply, after which nothing is appended, rewrites the stream
-- to its size (DUMP and RESTORE, with its expiry): a retained one-reply
-- cid then holds ~800 bytes of stream instead of ~4,800.
--
-- KEYS: req, replies, rseq (older records). ARGV: seq (0: next), isEnd
-- ("0"/"1"), at (unix ms), head, mid, tail, cid channel, the broker
-- message's header as a format (hub.MessageTemplate: it fills in seq,
-- offset, prev, traceparent and caller, in that order), the highest
-- seq, the publish command (PUBLISH, or SPUBLISH on a Cluster with sharded
-- pub/sub: the cid channel carries the hash tag {cid}, so it is in the
-- keys' slot, as SPUBLISH inside a script requires; "" to publish nothing,
-- with WaitReplicas, see AppendReply), and the traceparent
-- the reply joins ("" for its request's, the record's "tp"), which goes
-- into the header, and the state an isEnd reply leaves.
-- A cid with a heartbeat ("hb", "" for none) gets its sign of life
-- ("sign") and loses its stall ("stalled").
-- A stored reply is answered with one string (reply.go's parseAppended),
-- not a table of eleven: go-redis reads each element of a table into a
-- string of its own, boxed, and every reply comes this way. It is
-- "ok <offset> <seq> <prev> <legacy> <resumed> <hb> <#caller> <#tp> "
-- followed by caller, tp and callback, unseparated: the fields before
-- the lengths hold no space (offsets, digits, "1" or ""; resumed is "1"
-- if the reply ended a stall), caller and tp are cut by their lengths,
-- and the callback is the rest, so none of the three can be misread
-- whatever it holds. tp is the record's: the reply's traceparent is
-- ARGV[11] when there is one, which the hub knows.
-- The rarer answers stay tables: {"dup", offset, caller, callback,
-- header, frame, legacy, tp}, {"ended", state}, {"seqlimit"} or
-- {"notfound"}.
local f = redis.call('HMGET', KEYS[1], 'caller', 'ended', 'maxSeq', 'lastOffset', 'callback', 'v', 'legacy', 'tp', 'state', 'hb')
if not f[1] then return {'notfound'} end
local v2 = f[6] == '2'
local sseq, maxSeq = ARGV[1], f[3] or '0'
-- Whether a < b, both canonical decimals.
local function numLess(a, b) return #a < #b or (#a == #b and a < b) end

local old -- seq's stream entry when it was stored before
if sseq ~= '0' and (not v2 or not numLess(maxSeq, sseq)) then
  local o
  if v2 then o = redis.call('HGET', KEYS[1], 's' .. sseq) else o = redis.call('HGET', KEYS[3], sseq) end
  if o then old = redis.call('XRANGE', KEYS[2], o, o)[1] or {o, {}} end
end
if old then
  local h, fr = '', ''
  for i = 1, #old[2], 2 do
    if old[2][i] == 'h' then h = old[2][i+1] elseif old[2][i] == 'f' then fr = old[2][i+1] end
  end
  if h ~= '' and ARGV[10] ~= '' then redis.call(ARGV[10], ARGV[7], h .. '\n' .. fr) end
  return {'dup', old[1], f[1], f[5] or '', h, fr, f[7] or '', f[8] or ''}
end
if f[2] == '1' then return {'ended', f[9] or ''} end
if sseq == '0' then sseq = string.format('%d', tonumber(maxSeq) + 1) end
if #sseq >= #ARGV[9] and tonumber(sseq) > tonumber(ARGV[9]) then return {'seqlimit'} end
local inOrder = numLess(maxSeq, sseq)
local prev, id = f[4] or '', nil
if prev ~= '' then
  local pms, pn = string.match(prev, '^(%d+)-(%d+)$')
  if not numLess(pms, ARGV[3]) then id = pms .. '-' .. string.format('%d', tonumber(pn) + 1) end
end
if not id then id = ARGV[3] .. '-0' end
local frame = ARGV[4] .. sseq .. ARGV[5] .. id .. ARGV[6]
local tp = ARGV[11]
if tp == '' then tp = f[8] or '' end
local hdr = string.format(ARGV[8], sseq, id, prev, tp, f[1])
redis.call('XADD', KEYS[2], id, 'h', hdr, 'f', frame)
local state = 'replied'
if ARGV[2] == '1' then state = ARGV[12] end
local set = {'HSET', KEYS[1], 'lastOffset', id}
if inOrder then set[#set + 1], set[#set + 2] = 'maxSeq', sseq end
if f[9] ~= state then set[#set + 1], set[#set + 2] = 'state', state end
if f[2] ~= ARGV[2] then set[#set + 1], set[#set + 2] = 'ended', ARGV[2] end
set[#set + 1], set[#set + 2] = 's' .. sseq, id
local resumed = ''
local hb = f[10] or ''
if hb ~= '' then
  set[#set + 1], set[#set + 2] = 'sign', ARGV[3]
  if redis.call('HDEL', KEYS[1], 'stalled') == 1 then resumed = '1' end
end
redis.call(unpack(set))
if not v2 then redis.call('HSET', KEYS[3], sseq, id) end
if prev == '' or not v2 or ARGV[2] == '1' then
  local ttl = redis.call('PTTL', KEYS[1])
  if ARGV[2] == '1' then
    redis.call('RESTORE', KEYS[2], math.max(ttl, 0), redis.call('DUMP', KEYS[2]), 'REPLACE')
  elseif ttl > 0 then
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
  if not v2 and ttl > 0 then redis.call('PEXPIRE', KEYS[3], ttl) end
end
if ARGV[10] ~= '' then redis.call(ARGV[10], ARGV[7], hdr .. '\n' .. frame) end
local rtp = f[8] or ''
return 'ok ' .. id .. ' ' .. sseq .. ' ' .. prev .. ' ' .. (f[7] or '') .. ' ' .. resumed .. ' ' .. hb ..
  ' ' .. #f[1] .. ' ' .. #rtp .. ' ' .. f[1] .. rtp .. (f[5] or '')
