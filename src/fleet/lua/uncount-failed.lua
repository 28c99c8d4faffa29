--[[
  Takes failed groups out of the counts so they can run again (run-store.ts,
  uncountFailed), and reopens the run.
  KEYS: 1 meta, 2 state, 3 failures, 4 failedAt
  ARGV: groupId, index, groupId, index, ...
  Returns the ids taken (those counted failed).
]]
local taken = {}
for i = 1, #ARGV, 2 do
  local index = tonumber(ARGV[i + 1])
  if redis.call('GETRANGE', KEYS[2], index, index) == 'f' then
    redis.call('SETRANGE', KEYS[2], index, '\0')
    redis.call('HDEL', KEYS[3], ARGV[i])
    redis.call('ZREM', KEYS[4], ARGV[i])
    table.insert(taken, ARGV[i])
  end
end
if #taken > 0 then
  redis.call('HINCRBY', KEYS[1], 'failed', -#taken)
  redis.call('HINCRBY', KEYS[1], 'version', 1)
  redis.call('HDEL', KEYS[1], 'finishedAt')
end
return taken
