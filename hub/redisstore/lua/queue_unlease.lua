-- Gives back the lease the add script took of a delivery (see
-- queue.go): when the delivery is due at exactly that lease's end, it is
-- due at its own time again. A lease a claim took ends at another time
-- (on a whole millisecond, where an add's lease never ends: the
-- Deliverer's leaseEnd) and is kept; a delivery not in the due set
-- (queued behind another, finished, gone) is left alone.
--
-- KEYS: the partition's due set.
-- ARGV: the delivery's id (cid.seq), the lease's end (unix ms), its
-- due time (unix ms).
-- Answers 1 when it gave the lease back, else 0.
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if at and tonumber(at) == tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
  return 1
end
return 0
