-- Leases up to n due lifecycle timers of one partition: each member
-- ("<kind>|<cid>") gets the lease's end as its time, so a holder that
-- dies leaves it due again then.
--
-- A claim is known by its token, which no other claim of any instance
-- has (lifecycle.go): the end of its lease and the members it leased
-- are kept under it until the lease ends. The same call run again (a
-- client sent it again after its answer was lost) finds them and
-- answers those still leased until that end, leased now until its own
-- lease's end (the next ClaimTimers sends a lost call again with its
-- own clock), and leases nothing more. A claim that leased nothing
-- keeps nothing.
--
-- KEYS: the partition's timers, the claim's lease end and members (a
-- string, in the partition's slot). ARGV: now (unix ms), the lease's end
-- (unix ms), n.
-- Answers the earliest time left in the partition after the lease
-- ("" if none), then the leased members.
local ids = {}
local ttl = math.max(tonumber(ARGV[2]) - tonumber(ARGV[1]), 1)
local mine = redis.call('GET', KEYS[2])
local held = nil
if mine then
  for id in string.gmatch(mine, '%S+') do
    if not held then
      held = tonumber(id)
    else
      local at = redis.call('ZSCORE', KEYS[1], id)
      if at and tonumber(at) == held then ids[#ids + 1] = id end
    end
  end
else
  ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
end
-- A lease is never shortened: the first run of a lost call may reach
-- Redis after the next ClaimTimers sent it again (another connection).
if #ids > 0 and (not held or tonumber(ARGV[2]) > held) then
  for _, id in ipairs(ids) do
    redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id)
  end
  redis.call('SET', KEYS[2], ARGV[2] .. ' ' .. table.concat(ids, ' '), 'PX', ttl)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local out = {first[2] or ''}
for _, id in ipairs(ids) do out[#out + 1] = id end
return out
