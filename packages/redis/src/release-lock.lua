--[[
  Releases a lock only if this holder still owns it (it may have expired and been taken by another).
  KEYS[1]  the lock key
  ARGV[1]  the holder's token, as given to SET … NX
  Returns 1 if released, 0 if the lock was not (or no longer) ours.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
