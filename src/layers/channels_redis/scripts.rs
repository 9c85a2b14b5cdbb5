//! The Lua scripts of the channels-redis layer: channels_redis' own
//! commands, each run atomically in one round trip.

/// `send`: KEYS = queue; ARGV = member, now, trim-before, capacity,
/// expiry in ms. Drops messages older than the expiry, refuses a full
/// queue (returns 0), else adds the member scored `now` and renews the
/// queue's expiry (returns 1).
pub const SEND: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[3])
if redis.call('ZCOUNT', KEYS[1], '-inf', '+inf') >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
";

/// `group_send`: KEYS = queues; ARGV = one member per queue, then now,
/// trim-before, capacity, expiry in ms. For each queue as [`SEND`], but a
/// full queue is skipped. Returns the 1-based numbers of the skipped queues.
pub const GROUP_SEND: &str = r"
local n = #KEYS
local now, trim, capacity, expiry = ARGV[n + 1], ARGV[n + 2], tonumber(ARGV[n + 3]), ARGV[n + 4]
local skipped = {}
for i = 1, n do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, trim)
  if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < capacity then
    redis.call('ZADD', KEYS[i], now, ARGV[i])
    redis.call('PEXPIRE', KEYS[i], expiry)
  else
    skipped[#skipped + 1] = i
  end
end
return skipped
";

/// Before receiving: KEYS = queue, its in-flight backup. Moves what a
/// receiver popped but never finished back into the queue, with its score,
/// and deletes the backup (channels_redis' cleanup script).
pub const RESTORE_INFLIGHT: &str = r"
local backed_up = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = #backed_up, 1, -2 do
  redis.call('ZADD', KEYS[1], backed_up[i], backed_up[i - 1])
end
redis.call('DEL', KEYS[2])
";

/// `flush`: ARGV = a key pattern. Deletes every key matching it, 5 000 at
/// a time (channels_redis' flush).
pub const FLUSH: &str = r"
local keys = redis.call('KEYS', ARGV[1])
for i = 1, #keys, 5000 do
  redis.call('DEL', unpack(keys, i, math.min(i + 4999, #keys)))
end
return #keys
";
