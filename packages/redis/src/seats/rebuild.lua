-- Loads a license's live seats from Postgres into a Redis that lost them. Idempotent: when two
-- nodes rebuild at once, the first wins and the second changes nothing.
-- KEYS[1] seats, KEYS[2] owners, KEYS[3] users (see lib.lua), KEYS[4] loaded marker,
-- KEYS[5] released (session ids ended since the marker went missing: see release.lua)
-- ARGV[1] now (ms), then per live session, oldest first: sessionId, userId, deviceId, lease expiry (ms)
-- Returns { rebuilt (1 or 0), activeSessions }.
local seats, owners, users, loaded, released = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
if is_loaded(loaded) then return { 0, redis.call('ZCARD', seats) } end

-- Without the marker nothing may have been admitted, so whatever is left is stale.
redis.call('DEL', seats, owners, users)
local now = tonumber(ARGV[1])
for i = 2, #ARGV, 4 do
  local sid, user_id, device_id, expiry = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if tonumber(expiry) > now and redis.call('SISMEMBER', released, sid) == 0 then
    -- One device per user: a later session of the same user supersedes an earlier one.
    local held = redis.call('HGET', users, user_id)
    if held then remove_seat(seats, owners, users, held) end
    add_seat(seats, owners, users, sid, user_id, device_id, expiry)
  end
end
redis.call('DEL', released)
redis.call('SET', loaded, replication_id())
return { 1, redis.call('ZCARD', seats) }
