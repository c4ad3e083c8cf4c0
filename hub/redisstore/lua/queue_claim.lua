-- Leases up to n due deliveries of one partition (see queue.go): each
-- member of the due set is the delivery heading its cid; its score
-- becomes the lease's end, so a holder that dies leaves it due again
-- then.
--
-- A claim is known by its token, which no other claim of any instance
-- has (queue_claim.go): the end of its lease and the ids it leased are
-- kept under it until the lease ends. The same call run again (a client
-- sent it again after its answer was lost) finds them and answers those
-- still leased until that end, and leases nothing more: the deliveries
-- the first run leased are attempted at once, where they waited out the
-- lease. Their lease becomes this call's (the next Claim sends a lost
-- call again with its token but its own clock: what it answers is
-- leased for a whole lease from then, as the Deliverer counts). A claim
-- that leased nothing keeps nothing.
--
-- KEYS: the partition's due set, its pending set, the claim's lease end
-- and ids (a string, in the partition's slot).
-- ARGV: now (unix ms), the lease's end (unix ms), n, the prefix of the
-- partition's per-cid keys.
-- Answers the JSON of each leased delivery.
local out = {}
local ttl = math.max(tonumber(ARGV[2]) - tonumber(ARGV[1]), 1)
local mine = redis.call('GET', KEYS[3])
if mine then
  -- A lease is never shortened: the first run of a lost call may reach
  -- Redis after the next Claim sent it again (another connection).
  local held, kept = nil, {}
  for id in string.gmatch(mine, '%S+') do
    if not held then
      held = tonumber(id)
    else
      local at = redis.call('ZSCORE', KEYS[1], id)
      local cid, seq = string.match(id, '^(.*)%.(%d+)$')
      if at and tonumber(at) == held and cid then
        local f = redis.call('HGET', ARGV[4] .. cid, seq)
        if f then
          out[#out + 1] = f
          kept[#kept + 1] = id
        end
      end
    end
  end
  if #kept > 0 and tonumber(ARGV[2]) > held then
    for _, id in ipairs(kept) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id) end
    redis.call('SET', KEYS[3], ARGV[2] .. ' ' .. table.concat(kept, ' '), 'PX', ttl)
  end
  return out
end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
local leased = {}
for _, id in ipairs(ids) do
  local cid, seq = string.match(id, '^(.*)%.(%d+)$')
  local f = {}
  if cid then f = redis.call('HMGET', ARGV[4] .. cid, seq, 'g') end
  if not f[1] then
    redis.call('ZREM', KEYS[1], id) -- expired with its cid
    redis.call('ZREM', KEYS[2], id)
  elseif f[2] and f[2] ~= '' then
    redis.call('ZREM', KEYS[1], id) -- the cid waits for a reply's callback (its Add schedules the head)
  else
    redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id)
    out[#out + 1] = f[1]
    leased[#leased + 1] = id
  end
end
if #leased > 0 then
  redis.call('SET', KEYS[3], ARGV[2] .. ' ' .. table.concat(leased, ' '), 'PX', ttl)
end
return out
