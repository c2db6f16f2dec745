-- Admission: one call decides a create-session atomically across every api node.
-- KEYS[1] seats, KEYS[2] owners, KEYS[3] users (see lib.lua), KEYS[4] loaded marker
-- ARGV[1] now (ms), ARGV[2] lease expiry of a seat granted now (ms), ARGV[3] allocation in force,
-- ARGV[4] userId, ARGV[5] deviceId, ARGV[6] session id to grant, ARGV[7] force ('1' or '0')
-- Returns { status, sessionId, activeSessions, otherSessionId, lapsed... } where status is
--   rebuild    the seats are not loaded from Postgres (restarted or flushed Redis): rebuild, retry
--   existing   this device already holds a seat: sessionId is it, its lease is extended
--   concurrent the user holds a seat on another device: otherSessionId is it
--   forced     force took that seat over: otherSessionId is the ended session
--   full       the allocation is used up
--   admitted   a new seat
-- and lapsed lists the seats dropped on the way because their lease ended.
local seats, owners, users, loaded = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now, expiry, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local user_id, device_id, sid, force = ARGV[4], ARGV[5], ARGV[6], ARGV[7] == '1'

if not is_loaded(loaded) then return { 'rebuild', '', 0, '' } end
local lapsed = prune(seats, owners, users, now)

local held = redis.call('HGET', users, user_id)
if held and redis.call('ZSCORE', seats, held) then
  local raw = redis.call('HGET', owners, held)
  if raw and cjson.decode(raw).deviceId == device_id then
    redis.call('ZADD', seats, expiry, held)
    return append({ 'existing', held, redis.call('ZCARD', seats), '' }, lapsed)
  end
  if not force then return append({ 'concurrent', '', redis.call('ZCARD', seats), held }, lapsed) end
  -- The user's seat moves to this device: no limit applies, the count does not change.
  remove_seat(seats, owners, users, held)
  add_seat(seats, owners, users, sid, user_id, device_id, expiry)
  return append({ 'forced', sid, redis.call('ZCARD', seats), held }, lapsed)
end

local count = redis.call('ZCARD', seats)
if count >= limit then return append({ 'full', '', count, '' }, lapsed) end
add_seat(seats, owners, users, sid, user_id, device_id, expiry)
return append({ 'admitted', sid, count + 1, '' }, lapsed)
