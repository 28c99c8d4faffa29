--[[
  Adds a batch of a worker's summed level counts (level-sink.ts) to the run's
  levels hash once: each writer numbers its batches, and a batch sent again
  (its reply lost with the connection) whose number the run has already seen
  from that writer changes nothing.
  KEYS: 1 meta, 2 levels
  ARGV: 1 writer, 2 batch number, 3 groups, 4 images, 5.. field, count, ...
  Returns {groups whose counts the run holds, groups whose counts are due,
  1 if the run is complete and its records not written, else 0}; {-1, 0, 0}
  when the run is gone (cleaned, expired): nothing written.
]]
local meta = KEYS[1]
if redis.call('EXISTS', meta) == 0 then return {-1, 0, 0} end
local seen = 'levelsBy:' .. ARGV[1]
if tonumber(redis.call('HGET', meta, seen) or '-1') < tonumber(ARGV[2]) then
  redis.call('HSET', meta, seen, ARGV[2])
  for i = 5, #ARGV, 2 do redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1]) end
  redis.call('HINCRBY', meta, 'levelImages', ARGV[4])
  redis.call('HINCRBY', meta, 'levelGroups', ARGV[3])
end
local c = redis.call('HMGET', meta, 'levelGroups', 'levelsDue', 'total', 'done', 'skipped', 'failed', 'finishedAt')
local n = function(v) return tonumber(v) or 0 end
local complete = 0
if n(c[3]) > 0 and n(c[4]) + n(c[5]) + n(c[6]) >= n(c[3]) and not c[7] then complete = 1 end
return {n(c[1]), n(c[2]), complete}
