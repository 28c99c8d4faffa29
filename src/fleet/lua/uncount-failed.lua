--[[
  Takes failed groups out of the counts so they can run again (run-store.ts,
  uncountFailed), and reopens the run: `retried` counts them (never goes
  down; /metrics' bnviz_groups_retried_total); a finished run is paused from
  its last count until a worker takes a group again (mark-started.lua), so
  the idle gap is not in its rate and elapsed time. Each group taken gets
  its files back in the run's records (its failure held them), for its job
  to run again.
  KEYS: 1 meta, 2 state, 3 failures, 4 failedAt, then each group's files bucket, in ARGV's order
  ARGV: groupId, index, files (NUL-separated; '' when unknown), groupId, index, files, ...
  Returns the ids taken (those counted failed).
]]
local taken = {}
for i = 1, #ARGV, 3 do
  local index = tonumber(ARGV[i + 1])
  if redis.call('GETRANGE', KEYS[2], index, index) == 'f' then
    redis.call('SETRANGE', KEYS[2], index, '\0')
    redis.call('HDEL', KEYS[3], ARGV[i])
    redis.call('ZREM', KEYS[4], ARGV[i])
    if ARGV[i + 2] ~= '' then redis.call('HSET', KEYS[4 + (i + 2) / 3], ARGV[i + 1], ARGV[i + 2]) end
    table.insert(taken, ARGV[i])
  end
end
if #taken > 0 then
  redis.call('HINCRBY', KEYS[1], 'failed', -#taken)
  redis.call('HINCRBY', KEYS[1], 'retried', #taken)
  redis.call('HINCRBY', KEYS[1], 'version', 1)
  if redis.call('HDEL', KEYS[1], 'finishedAt') == 1 then
    local last = redis.call('HGET', KEYS[1], 'lastAt')
    if last then redis.call('HSETNX', KEYS[1], 'pausedAt', last) end
  end
end
return taken
