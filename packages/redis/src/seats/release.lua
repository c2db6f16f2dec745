-- Frees seats (logout, forced, revoked, expired, allocation). The caller has already ended the
-- sessions in Postgres; when the seats are not loaded, the ids are remembered for a while so that a
-- rebuild which read Postgres before that end does not bring them back.
-- KEYS[1] seats, KEYS[2] owners, KEYS[3] users (see lib.lua), KEYS[4] loaded marker,
-- KEYS[5] released (SET of session ids, expires with the lease)
-- ARGV[1] lease (ms), ARGV[2..n] session ids
-- Returns { removed, activeSessions }.
local removed = 0
if not is_loaded(KEYS[4]) then
  for i = 2, #ARGV do redis.call('SADD', KEYS[5], ARGV[i]) end
  redis.call('PEXPIRE', KEYS[5], ARGV[1])
end
for i = 2, #ARGV do removed = removed + remove_seat(KEYS[1], KEYS[2], KEYS[3], ARGV[i]) end
return { removed, redis.call('ZCARD', KEYS[1]) }
