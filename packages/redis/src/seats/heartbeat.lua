-- Heartbeat: extends a live seat's lease. It never applies the seat limit (a lowered allocation
-- keeps live seats). This is the full path's form; heartbeats.lua runs the hot path's in batches.
-- KEYS[1] seats, KEYS[2] owners, KEYS[3] users, KEYS[4] loaded marker: the license in force
-- KEYS[5] seats, KEYS[6] owners, KEYS[7] users: the license the session was admitted on (the same
--   keys again unless the tenant's license changed since)
-- ARGV[1] now (ms), ARGV[2] new lease expiry (ms), ARGV[3] session id, ARGV[4] userId,
-- ARGV[5] deviceId, ARGV[6] restore ('1': Postgres holds the session live, seat it if it is missing)
-- Returns { status, activeSessions, lapsed... } where status is
--   rebuild  the seats of the license in force are not loaded: rebuild, retry
--   extended the seat's lease was extended
--   foreign  the seat is live but not ARGV[4]'s: nothing changed
--   moved    the seat moved from the license it was admitted on to the license in force
--   restored the seat was missing and was put back (restore = '1')
--   missing  no live seat (and restore = '0')
--   taken    no live seat, and the user holds another one (its session was superseded)
local seats, owners, users, loaded = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local old_seats, old_owners, old_users = KEYS[5], KEYS[6], KEYS[7]
local now, expiry, sid, user_id, device_id, restore = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6] == '1'

if not is_loaded(loaded) then return { 'rebuild', 0 } end
return heartbeat(seats, owners, users, old_seats, old_owners, old_users, now, expiry, sid, user_id, device_id, restore)
