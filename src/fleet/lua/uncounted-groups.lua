--[[
  The groups of some of a run's id buckets not counted yet, with what became
  of each one's job (run-store.ts, uncountedGroups): 'missing' (no job),
  'failed', 'completed', or '' (waiting, delayed or running).
  KEYS: 1 state, 2.. id buckets
  ARGV: 1 queue key prefix (`<prefix>:<queue>:`), 2 runId
  Returns {groupId, index, jobState, ...}.
]]
local out = {}
for k = 2, #KEYS do
  local ids = redis.call('HGETALL', KEYS[k])
  for i = 1, #ids, 2 do
    local index = tonumber(ids[i])
    local c = redis.call('GETRANGE', KEYS[1], index, index)
    if c == '' or c == '\0' then
      local jobId = ARGV[2] .. '.' .. ids[i + 1]
      local state = ''
      if redis.call('EXISTS', ARGV[1] .. jobId) == 0 then
        state = 'missing'
      elseif redis.call('ZSCORE', ARGV[1] .. 'failed', jobId) then
        state = 'failed'
      elseif redis.call('ZSCORE', ARGV[1] .. 'completed', jobId) then
        state = 'completed'
      end
      table.insert(out, ids[i + 1])
      table.insert(out, ids[i])
      table.insert(out, state)
    end
  end
end
return out
