--[[
  A worker took one of the run's groups (run-store.ts, markStarted): the run
  is started the first time; and when a retry reopened a finished run, the
  time it stood idle (from its last count to now) is added to idleMs, so its
  rate and elapsed time leave the gap out.
  KEYS: 1 meta
  ARGV: 1 now as an ISO time, 2 now (ms)
]]
redis.call('HSETNX', KEYS[1], 'startedAt', ARGV[1])
local paused = tonumber(redis.call('HGET', KEYS[1], 'pausedAt'))
if paused then
  redis.call('HDEL', KEYS[1], 'pausedAt')
  local gap = tonumber(ARGV[2]) - paused
  if gap > 0 then redis.call('HINCRBY', KEYS[1], 'idleMs', gap) end
end
return 1
