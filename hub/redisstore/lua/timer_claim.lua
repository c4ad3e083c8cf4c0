-- Leases up to n due lifecycle timers of one partition: each member
-- ("<kind>|<cid>") gets the lease's end less half a millisecond as its
-- score, so a holder that dies leaves it due again at that end, and no
-- SetTimer (whole milliseconds) can set a time that reads as a lease:
-- DropTimer and the same call run again know a timer set again since,
-- even to the lease's very millisecond.
--
-- A claim is known by its token, which no other claim of any instance
-- has (lifecycle.go): the end of its lease (unix ms) and the members it
-- leased are kept under it until the lease ends. The same call run again
-- (a client sent it again after its answer was lost) finds them and
-- answers those still leased until that end, leased now until its own
-- lease's end (the next ClaimTimers sends a lost call again with its
-- own clock), and leases nothing more. A lease is never shortened: the
-- first run of a lost call may reach Redis after the next ClaimTimers
-- sent it again (another connection), and a clock stepped back may send
-- it again with an earlier end; the answer names the end the timers are
-- leased until, which DropTimer is then given. A claim that leased
-- nothing keeps nothing.
--
-- KEYS: the partition's timers, the claim's lease end and members (a
-- string, in the partition's slot). ARGV: now (unix ms), the lease's end
-- (unix ms), n.
-- Answers the earliest score left in the partition after the lease
-- ("" if none), the end (unix ms) of the lease of what it answers, then
-- the leased members.
local ids = {}
local ends = tonumber(ARGV[2])
local ttl = math.max(ends - tonumber(ARGV[1]), 1)
local mine = redis.call('GET', KEYS[2])
local held = nil
if mine then
  for id in string.gmatch(mine, '%S+') do
    if not held then
      held = tonumber(id)
    else
      local at = redis.call('ZSCORE', KEYS[1], id)
      if at and tonumber(at) == held - 0.5 then ids[#ids + 1] = id end
    end
  end
else
  ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
end
if #ids > 0 and (not held or ends > held) then
  local score = string.format('%.1f', ends - 0.5)
  for _, id in ipairs(ids) do
    redis.call('ZADD', KEYS[1], 'XX', score, id)
  end
  redis.call('SET', KEYS[2], ARGV[2] .. ' ' .. table.concat(ids, ' '), 'PX', ttl)
elseif held then
  ends = held
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local out = {first[2] or '', string.format('%d', ends)}
for _, id in ipairs(ids) do out[#out + 1] = id end
return out
