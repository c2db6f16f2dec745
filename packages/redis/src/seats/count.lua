-- Live seats of a license, dropping lapsed ones first.
-- KEYS[1] seats, KEYS[2] owners, KEYS[3] users (see lib.lua), KEYS[4] loaded marker
-- ARGV[1] now (ms)
-- Returns { status ('rebuild' or 'ok'), activeSessions, lapsed... }.
if not is_loaded(KEYS[4]) then return { 'rebuild', 0 } end
local lapsed = prune(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
return append({ 'ok', redis.call('ZCARD', KEYS[1]) }, lapsed)
