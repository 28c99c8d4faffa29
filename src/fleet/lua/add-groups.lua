--[[
  Registers groups of a run under their indexes (run-store.ts, addGroups),
  each once: the run's total counts them. A group already registered under
  its index is left alone; another id under an index means the run id was
  enqueued before with another dataset, and nothing is written. The files
  of each group not counted yet are kept (its job names only its index),
  until it is counted (record-outcome.lua).

  KEYS: 1 meta, 2 the id bucket holding every index given, 3 the files bucket of those indexes, 4 state
  ARGV: index, groupId, files (NUL-separated; '' keeps none), index, groupId, files, ...
  Returns {added, -1, ''}, or {0, index, id there} for the first conflict.
]]
for i = 1, #ARGV, 3 do
  local there = redis.call('HGET', KEYS[2], ARGV[i])
  if there and there ~= ARGV[i + 1] then return {0, tonumber(ARGV[i]), there} end
end
local added = 0
for i = 1, #ARGV, 3 do
  added = added + redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1])
  local index = tonumber(ARGV[i])
  local state = redis.call('GETRANGE', KEYS[4], index, index)
  if ARGV[i + 2] ~= '' and (state == '' or state == '\0') then redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 2]) end
end
if added > 0 then redis.call('HINCRBY', KEYS[1], 'total', added) end
return {added, -1, ''}
