--[[
  Registers groups of a run under their indexes (run-store.ts, addGroups),
  each once: the run's total counts them. A group already registered under
  its index is left alone; another id under an index means the run id was
  enqueued before with another dataset, and nothing is written. The files
  of each group not counted yet are kept (its job names only its index),
  until it is counted (record-outcome.lua). A few commands a call, not a
  few a group: every index given is in the one bucket.

  KEYS: 1 meta, 2 the id bucket holding every index given, 3 the files bucket of those indexes, 4 state
  ARGV: index, groupId, files (NUL-separated; '' keeps none), index, groupId, files, ...
  Returns {added, -1, ''}, or {0, index, id there} for the first conflict.
]]
-- the indexes given, and their range: the state bytes read below, in one GETRANGE
local indexes, lo, hi = {}, nil, nil
for i = 1, #ARGV, 3 do
  indexes[#indexes + 1] = ARGV[i]
  local index = tonumber(ARGV[i])
  if not lo or index < lo then lo = index end
  if not hi or index > hi then hi = index end
end
local there = redis.call('HMGET', KEYS[2], unpack(indexes))
for j = 1, #indexes do
  local id = there[j]
  if id and id ~= ARGV[3 * j - 1] then return {0, tonumber(indexes[j]), id} end
end
-- the state bytes of the groups registered before (a group registered now is not counted)
local states = redis.call('GETRANGE', KEYS[4], lo, hi)
local ids, files = {}, {}
for j = 1, #indexes do
  local i = 3 * j - 2
  local state = ''
  if there[j] then
    local at = tonumber(ARGV[i]) - lo + 1
    state = string.sub(states, at, at)
  else
    ids[#ids + 1] = ARGV[i]
    ids[#ids + 1] = ARGV[i + 1]
  end
  if ARGV[i + 2] ~= '' and (state == '' or state == '\0') then
    files[#files + 1] = ARGV[i]
    files[#files + 1] = ARGV[i + 2]
  end
end
local added = 0
if #ids > 0 then added = redis.call('HSET', KEYS[2], unpack(ids)) end
if #files > 0 then redis.call('HSET', KEYS[3], unpack(files)) end
if added > 0 then redis.call('HINCRBY', KEYS[1], 'total', added) end
return {added, -1, ''}
