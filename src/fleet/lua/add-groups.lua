--[[
  Registers groups of a run under their indexes (run-store.ts, addGroups),
  each once: the run's total counts them. A group already registered under
  its index is left alone; another id under an index means the run id was
  enqueued before with another dataset, and nothing is written.

  KEYS: 1 meta, 2 the id bucket holding every index given
  ARGV: index, groupId, index, groupId, ...
  Returns {added, -1, ''}, or {0, index, id there} for the first conflict.
]]
for i = 1, #ARGV, 2 do
  local there = redis.call('HGET', KEYS[2], ARGV[i])
  if there and there ~= ARGV[i + 1] then return {0, tonumber(ARGV[i]), there} end
end
local added = 0
for i = 1, #ARGV, 2 do
  added = added + redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1])
end
if added > 0 then redis.call('HINCRBY', KEYS[1], 'total', added) end
return {added, -1, ''}
