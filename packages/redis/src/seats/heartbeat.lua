-- Heartbeat: extends a live seat's lease. It never applies the seat limit (a lowered allocation
-- keeps live seats).
-- KEYS[1] seats, KEYS[2] owners, KEYS[3] users, KEYS[4] loaded marker: the license in force
-- KEYS[5] seats, KEYS[6] owners, KEYS[7] users: the license the session was admitted on (the same
--   keys again unless the tenant's license changed since; absent: the same keys)
-- ARGV[1] now (ms), ARGV[2] new lease expiry (ms), ARGV[3] session id, ARGV[4] userId,
-- ARGV[5] deviceId, ARGV[6] restore ('1': Postgres holds the session live, seat it if it is missing)
--   (both absent, with KEYS[5..7]: the hot path's short form, '' and not restore)
-- Returns { status, activeSessions, lapsed... } where status is
--   rebuild  the seats of the license in force are not loaded: rebuild, retry
--   extended the seat's lease was extended
--   foreign  the seat is live but not ARGV[4]'s: nothing changed
--   moved    the seat moved from the license it was admitted on to the license in force
--   restored the seat was missing and was put back (restore = '1')
--   missing  no live seat (and restore = '0')
--   taken    no live seat, and the user holds another one (its session was superseded)
local seats, owners, users, loaded = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local old_seats, old_owners, old_users = KEYS[5] or seats, KEYS[6] or owners, KEYS[7] or users
local now, expiry, sid, user_id, device_id, restore = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] or '', ARGV[6] == '1'

if not is_loaded(loaded) then return { 'rebuild', 0 } end
local lapsed = prune(seats, owners, users, now)

if redis.call('ZSCORE', seats, sid) then
  if redis.call('HGET', users, user_id) ~= sid then return append({ 'foreign', redis.call('ZCARD', seats) }, lapsed) end
  redis.call('ZADD', seats, expiry, sid)
  return append({ 'extended', redis.call('ZCARD', seats) }, lapsed)
end

local held = redis.call('HGET', users, user_id)
if held and held ~= sid and redis.call('ZSCORE', seats, held) then
  return append({ 'taken', redis.call('ZCARD', seats) }, lapsed)
end

if old_seats ~= seats then
  local score = redis.call('ZSCORE', old_seats, sid)
  if score and tonumber(score) > tonumber(now) then
    remove_seat(old_seats, old_owners, old_users, sid)
    add_seat(seats, owners, users, sid, user_id, device_id, expiry)
    return append({ 'moved', redis.call('ZCARD', seats) }, lapsed)
  end
end

if not restore then return append({ 'missing', redis.call('ZCARD', seats) }, lapsed) end
add_seat(seats, owners, users, sid, user_id, device_id, expiry)
return append({ 'restored', redis.call('ZCARD', seats) }, lapsed)
