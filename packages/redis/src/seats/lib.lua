-- Shared by every seat script (the loader puts it in front of each one). A license's live seats
-- are three keys that share the tenant's hash tag, so they stay on one Redis Cluster slot:
--   seats  ZSET  sessionId -> lease expiry (ms since the epoch)
--   owners HASH  sessionId -> JSON { userId, deviceId }
--   users  HASH  userId    -> sessionId (one device per user)
-- Time always comes from ARGV (the caller's clock), never from Redis' TIME.

local function remove_seat(seats, owners, users, sid)
  local owner = redis.call('HGET', owners, sid)
  if owner then
    local user_id = cjson.decode(owner).userId
    if redis.call('HGET', users, user_id) == sid then redis.call('HDEL', users, user_id) end
    redis.call('HDEL', owners, sid)
  end
  return redis.call('ZREM', seats, sid)
end

local function add_seat(seats, owners, users, sid, user_id, device_id, expiry)
  redis.call('ZADD', seats, expiry, sid)
  redis.call('HSET', owners, sid, cjson.encode({ userId = user_id, deviceId = device_id }))
  redis.call('HSET', users, user_id, sid)
end

-- Drops every seat whose lease ended at or before `now`; returns their session ids.
local function prune(seats, owners, users, now)
  local lapsed = redis.call('ZRANGEBYSCORE', seats, '-inf', now)
  for _, sid in ipairs(lapsed) do remove_seat(seats, owners, users, sid) end
  return lapsed
end

local function append(list, more)
  for _, value in ipairs(more) do list[#list + 1] = value end
  return list
end

-- The seats are loaded when the marker names this server's current replication id. A replica
-- promoted by a failover (Redis Cluster, Sentinel) starts a new replication id, so writes the old
-- master never replicated are not trusted: the seats are rebuilt from Postgres, as after a flush.
local function replication_id()
  return string.match(redis.call('INFO', 'replication'), 'master_replid:(%w+)')
end

local function is_loaded(loaded)
  return redis.call('GET', loaded) == replication_id()
end

-- One heartbeat (heartbeat.lua describes the statuses), on seats already known to be loaded.
-- old_*: the keys of the license the session was admitted on (the same keys unless it changed).
local function heartbeat(seats, owners, users, old_seats, old_owners, old_users, now, expiry, sid, user_id, device_id, restore)
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
end
