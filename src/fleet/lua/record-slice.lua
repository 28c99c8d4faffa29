--[[
  Counts a slice of the first pass once (fit-phase.ts, recordSlice): its level
  counts and unreadable files, or its failure. A slice counted done stays done;
  one counted failed becomes done if a later attempt counts it (a retry by
  hand) before the pass ends; nothing changes once the pass has ended
  (normStats is set), nor for a slice number the run does not have.
  KEYS: 1 fitDone, 2 fitFailed, 3 levels, 4 meta, 5 fitSkipped
  ARGV: slice status reason images nSkipped [file reason]... [field count]...
  Returns {added, slices done, slices failed, slices}.
]]
local slice = ARGV[1]
local slices = tonumber(redis.call('HGET', KEYS[4], 'fitSlices') or '0')
-- a slice the run does not have (a forged job) counts nothing
local ended = redis.call('HEXISTS', KEYS[4], 'normStats') == 1 or tonumber(slice) >= slices
local done = redis.call('SISMEMBER', KEYS[1], slice) == 1
local failed = redis.call('HEXISTS', KEYS[2], slice) == 1
local added = 0
if not ended and not done then
  if ARGV[2] == 'done' then
    if failed then redis.call('HDEL', KEYS[2], slice) end
    redis.call('SADD', KEYS[1], slice)
    redis.call('HINCRBY', KEYS[4], 'fitCounted', ARGV[4])
    local nSkipped = tonumber(ARGV[5])
    local i = 6
    for _ = 1, nSkipped do
      redis.call('HSET', KEYS[5], ARGV[i], ARGV[i + 1])
      i = i + 2
    end
    while i < #ARGV do
      redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i + 1])
      i = i + 2
    end
    added = 1
  elseif not failed then
    redis.call('HSET', KEYS[2], slice, ARGV[3])
    added = 1
  end
end
return {added, redis.call('SCARD', KEYS[1]), redis.call('HLEN', KEYS[2]), slices}
