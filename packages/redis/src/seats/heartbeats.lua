-- The hot path's heartbeats, many in one call: each as heartbeat.lua with the license in force as
-- the one it was admitted on and nothing to restore, in order, on one license's seats. One call
-- instead of one each spares the api a command, a timer and a reply apiece, and Redis a script
-- run and the loaded check apiece.
-- KEYS[1] seats, KEYS[2] owners, KEYS[3] users, KEYS[4] loaded marker
-- ARGV: four per heartbeat: now (ms), new lease expiry (ms), session id, userId
-- Returns one reply per heartbeat, as heartbeat.lua's: { status, activeSessions, lapsed... }
local seats, owners, users, loaded = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local replies = {}
if not is_loaded(loaded) then
  for i = 1, #ARGV / 4 do replies[i] = { 'rebuild', 0 } end
  return replies
end
for i = 1, #ARGV, 4 do
  replies[#replies + 1] = heartbeat(seats, owners, users, seats, owners, users, ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], '', false)
end
return replies
