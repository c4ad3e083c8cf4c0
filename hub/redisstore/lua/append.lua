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
-- Where a seq's offset is kept depends on the record. A record marked
-- "seqs" "gaps" (this callhub's) has an s<seq> field only for a seq
-- stored below maxSeq (out of order); a seq stored in order is found in
-- the stream, whose entries' headers hold their seq (see stored). A
-- record of the previous release (no "seqs") gets s<seq> for every seq,
-- as before, so an instance of that release still finds them during a
-- rolling upgrade. Records made by an older callhub (no "v" field) keep
-- seqs in their own hash and get their expiry on every reply, as they
-- did.
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
-- It answers {"ok", offset, seq, prev, caller, callback, legacy, tp, the
-- reply's traceparent, "1" if it ended a stall, hb}, {"dup", offset,
-- caller, callback, header, frame, legacy, tp}, {"ended", state},
-- {"seqlimit"} or {"notfound"}.
local f = redis.call('HMGET', KEYS[1], 'caller', 'ended', 'maxSeq', 'lastOffset', 'callback', 'seqs', 'legacy', 'tp', 'state', 'hb')
if not f[1] then return {'notfound'} end
local gaps = f[6] == 'gaps'
local v2 = gaps or redis.call('HGET', KEYS[1], 'v') == '2'
local sseq, maxSeq = ARGV[1], f[3] or '0'
-- Whether a < b, both canonical decimals.
local function numLess(a, b) return #a < #b or (#a == #b and a < b) end

-- The seq in a stream entry's header ("<cid> <seq> ..."), or nil.
local function seqOf(e)
  for i = 1, #e[2], 2 do
    if e[2][i] == 'h' then return tonumber(string.match(e[2][i + 1], '^%S+ (%d+) ')) end
  end
end
-- Whether seq has an s<seq> field: it was stored out of order (or by the
-- previous release, which maps every seq).
local function mapped(s) return redis.call('HEXISTS', KEYS[1], 's' .. s) == 1 end
-- The newest entry at or before id whose seq is not mapped, and its seq.
-- Those entries were stored in order: their seqs grow along the stream.
-- nil when there is none; false after 64 mapped ones (a cid whose seqs
-- mostly came out of order, see stored).
local function before(id)
  for _ = 1, 16 do
    local es = redis.call('XREVRANGE', KEYS[2], id, '-', 'COUNT', 4)
    for _, e in ipairs(es) do
      local s = seqOf(e)
      if s and not mapped(s) then return e, s end
    end
    if #es < 4 then return nil end
    id = '(' .. es[#es][1]
  end
  return false
end
-- The entry of seq, newest first, through the whole stream.
local function scan(s0)
  local id = '+'
  while true do
    local es = redis.call('XREVRANGE', KEYS[2], id, '-', 'COUNT', 64)
    for _, e in ipairs(es) do
      if seqOf(e) == s0 then return e end
    end
    if #es < 64 then return nil end
    id = '(' .. es[#es][1]
  end
end
local function msOf(id) return tonumber(string.match(id, '^(%d+)')) end
-- The stream entry of seq, in a "gaps" record whose s<seq> field it has
-- not: the newest entries first (a retry repeats a recent seq), then a
-- bisection on the offsets' ms for the first in-order entry whose seq is
-- at least seq, so a long stream costs a few dozen short reads, not one
-- per entry. Where in-order entries are too far apart for that (seqs that
-- mostly came out of order), one pass through the stream.
local function stored(s0)
  local es = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 16)
  for _, e in ipairs(es) do
    local s = seqOf(e)
    if s == s0 then return e end
    if s and s < s0 and not mapped(s) then return nil end
  end
  if #es < 16 then return nil end
  local e, s = before('+')
  if e == false then return scan(s0) end
  if not e or s < s0 then return nil end
  if s == s0 then return e end
  local lo, hi = msOf(redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1][1]) - 1, msOf(e[1])
  while hi - lo > 1 do -- before(lo's last) is nil or below s0, before(hi's last) at least s0
    local mid = math.floor((lo + hi) / 2)
    local m, ms = before(string.format('%d', mid))
    if m == false then return scan(s0) end
    if ms and ms >= s0 then hi = mid else lo = mid end
  end
  local at = string.format('%d', hi)
  for _, x in ipairs(redis.call('XRANGE', KEYS[2], at, at)) do
    if seqOf(x) == s0 then return x end
  end
  return nil
end

local old -- seq's stream entry when it was stored before
if sseq ~= '0' and not v2 then
  local o = redis.call('HGET', KEYS[3], sseq)
  if o then old = redis.call('XRANGE', KEYS[2], o, o)[1] or {o, {}} end
elseif sseq ~= '0' and not numLess(maxSeq, sseq) then
  local o = redis.call('HGET', KEYS[1], 's' .. sseq)
  if o then old = redis.call('XRANGE', KEYS[2], o, o)[1] or {o, {}}
  elseif gaps then old = stored(tonumber(sseq)) end
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
if not gaps or not inOrder then set[#set + 1], set[#set + 2] = 's' .. sseq, id end
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
return {'ok', id, sseq, prev, f[1], f[5] or '', f[7] or '', f[8] or '', tp, resumed, hb}
