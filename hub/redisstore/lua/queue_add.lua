-- Stores a new delivery of a cid and schedules it if it heads the cid
-- (see queue.go). Nothing happens if the delivery exists.
--
-- KEYS: the cid's deliveries, the partition's due set, its list (a
-- stream), its pending set.
-- ARGV: seq, delivery JSON, retention (ms), state, the reply's offset,
-- the previous reply's offset, cid, due (unix ms), created (unix ms),
-- trim the list before this (unix ms, '' for no trim), now (unix ms),
-- '1' when a later reply may follow (keep the offset for its link),
-- the end of a lease (unix ms) to take on the delivery when it heads
-- its cid and is due by the lease's start, as the claim script would
-- ('' for none), the lease's start (unix ms, the claimer's clock).
-- Answers 1 when it stored the delivery, 2 when it stored and leased
-- it, 0 when it existed. A delivery that exists leased until exactly
-- this call's lease end answers 2 as well: this call's own, run again
-- by a client that sent it again after its answer was lost (the
-- Deliverer gives each lease it takes this way an end of its own).
local seq = ARGV[1]
local f = redis.call('HMGET', KEYS[1], seq, 'q', 'g', 'o' .. ARGV[6])
if f[1] then
  if ARGV[13] and ARGV[13] ~= '' then
    local at = redis.call('ZSCORE', KEYS[2], ARGV[7] .. '.' .. seq)
    if at and tonumber(at) == tonumber(ARGV[13]) then return 2 end
  end
  return 0
end
local q, g = {}, {}
for s in string.gmatch(f[2] or '', '%d+') do q[#q + 1] = tonumber(s) end
for o in string.gmatch(f[3] or '', '%S+') do g[#g + 1] = o end
local oldHead, hadGap = q[1], #g > 0
local set = {seq, ARGV[2]}
if ARGV[5] ~= '' then
  for i = #g, 1, -1 do
    if g[i] == ARGV[5] then table.remove(g, i) end
  end
  if ARGV[12] == '1' then
    set[#set + 1] = 'o' .. ARGV[5]
    set[#set + 1] = seq
  end
end
if ARGV[6] ~= '' and not f[4] then
  local known = false
  for _, o in ipairs(g) do
    if o == ARGV[6] then known = true end
  end
  if not known then g[#g + 1] = ARGV[6] end
end
local n = tonumber(seq)
if ARGV[4] == 'pending' then
  local at = #q + 1
  for j = 1, #q do
    if q[j] > n then at = j break end
  end
  table.insert(q, at, n)
  redis.call('ZADD', KEYS[4], ARGV[8], ARGV[7] .. '.' .. seq)
end
set[#set + 1] = 'q'
set[#set + 1] = table.concat(q, ' ')
if #g > 0 or hadGap then
  set[#set + 1] = 'g'
  set[#set + 1] = table.concat(g, ' ')
end
redis.call('HSET', KEYS[1], unpack(set))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local cid = ARGV[7]
local head = q[1]
local stored = 1
if #g == 0 and head then
  if head ~= oldHead then
    if oldHead then redis.call('ZREM', KEYS[2], cid .. '.' .. oldHead) end
    local at = ARGV[8]
    if head ~= n then
      at = redis.call('ZSCORE', KEYS[4], cid .. '.' .. head) or ARGV[11]
    elseif ARGV[13] and ARGV[13] ~= '' and tonumber(at) <= tonumber(ARGV[14]) then
      at, stored = ARGV[13], 2
    end
    redis.call('ZADD', KEYS[2], at, cid .. '.' .. head)
  elseif hadGap then
    local at = redis.call('ZSCORE', KEYS[4], cid .. '.' .. head) or ARGV[11]
    redis.call('ZADD', KEYS[2], 'NX', at, cid .. '.' .. head)
  end
end
-- listed at its creation time; after the list's last entry when that is
-- later (another instance's clock, or an upgrade's old delivery)
local listed = redis.pcall('XADD', KEYS[3], ARGV[9] .. '-*', 'i', cid .. '.' .. seq)
if type(listed) == 'table' and listed.err then
  redis.call('XADD', KEYS[3], '*', 'i', cid .. '.' .. seq)
end
if ARGV[10] ~= '' then redis.call('XTRIM', KEYS[3], 'MINID', '~', ARGV[10]) end
return stored
