--[[
  Counts a group's outcome once (run-store.ts, recordOutcome), and keeps the
  run's aggregates up to date with it, so no read ever walks the run's groups.
  A group counted failed that later ends done or skipped (a retry) moves to
  that count, loses its failure and reopens the run; a failed group failing
  again keeps its latest reason (and its files, when the new one knows
  none); anything else counted before changes nothing.
  The group's files, kept while it waited, are let go (the log and a
  failure keep them).

  KEYS: 1 meta, 2 state, 3 the group's id bucket, 4 failures, 5 failedAt, 6 agg,
        7 rate:1, 8 rate:60, 9 rate:3600, 10 timings, 11 log, 12 unseen, 13 the group's files bucket
  ARGV: 1 groupId, 2 index, 3 done|skipped|failed, 4 failure JSON (failed) or '',
        5 timings JSON or '', 6 largest unseen share or '', 7 now (ms),
        8 the stage histogram's bounds in seconds (comma-separated),
        9 the group's files, tab-separated (for the log),
        10 '1' when the group's level counts are to be added to the run's (level-sink.ts), else '',
        11.. each image's unseen share per channel (R, G, B, image after image)
  Returns {effect, total, done, skipped, failed}; effect 1: counted now,
  0: counted before, -1: not a group of this run (nothing written).
]]
local meta = KEYS[1]
local id, index, status = ARGV[1], tonumber(ARGV[2]), ARGV[3]

local function counts(effect)
  local c = redis.call('HMGET', meta, 'total', 'done', 'skipped', 'failed')
  return {effect, tonumber(c[1]) or 0, tonumber(c[2]) or 0, tonumber(c[3]) or 0, tonumber(c[4]) or 0}
end

if redis.call('HGET', KEYS[3], ARGV[2]) ~= id then return counts(-1) end
redis.call('HDEL', KEYS[13], ARGV[2])
local code = 'f'
if status == 'done' then code = 'd' elseif status == 'skipped' then code = 's' end
local was = redis.call('GETRANGE', KEYS[2], index, index)
if was == 'd' or was == 's' or (was == 'f' and code == 'f') then
  if was == 'f' then
    local failure = ARGV[4]
    -- counted again with no files (they were let go when it was first counted): the files it was counted with stay
    local ok, new = pcall(cjson.decode, failure)
    if ok and type(new) == 'table' and (type(new.files) ~= 'table' or #new.files == 0) then
      local okOld, old = pcall(cjson.decode, redis.call('HGET', KEYS[4], id) or '')
      if okOld and type(old) == 'table' and type(old.files) == 'table' and #old.files > 0 then
        new.files = old.files
        failure = cjson.encode(new)
      end
    end
    redis.call('HSET', KEYS[4], id, failure)
  end
  return counts(0)
end

redis.call('SETRANGE', KEYS[2], index, code)
local now = tonumber(ARGV[7])
if was == 'f' then
  -- retried outside bnviz retry (Bull Board's retry): counted as retried; a finished run's idle gap left out of its pace
  redis.call('HINCRBY', meta, 'failed', -1)
  redis.call('HINCRBY', meta, 'retried', 1)
  redis.call('HDEL', KEYS[4], id)
  redis.call('ZREM', KEYS[5], id)
  if redis.call('HDEL', meta, 'finishedAt') == 1 then
    local last = tonumber(redis.call('HGET', meta, 'lastAt'))
    if last and now > last then redis.call('HINCRBY', meta, 'idleMs', now - last) end
  end
end
redis.call('HINCRBY', meta, status, 1)
redis.call('HINCRBY', meta, 'version', 1)
if code == 'f' then
  -- failedTotal never goes down (a retry takes a group out of 'failed'): /metrics' bnviz_groups_failed_total
  redis.call('HINCRBY', meta, 'failedTotal', 1)
  redis.call('HSET', KEYS[4], id, ARGV[4])
  redis.call('ZADD', KEYS[5], now, id)
end

-- unseen shares: the group's largest (0.1% bins; done, or skipped as found written) and each image's per channel (5% bins, sums for the means)
local micro = ''
if code ~= 'f' and ARGV[6] ~= '' then
  local unseen = tonumber(ARGV[6])
  local millionths = math.floor(unseen * 1e6 + 0.5)
  micro = string.format('%d', millionths)
  -- the same number as four bytes at the group's place, so a reader can take every group's share in one GETRANGE
  redis.call('SETRANGE', KEYS[12], index * 4, struct.pack('<I4', math.min(4294967295, math.max(0, millionths))))
  redis.call('HINCRBY', KEYS[6], 'u:' .. math.min(999, math.max(0, math.floor(unseen * 1000))), 1)
  local channels = {'R', 'G', 'B'}
  local n = 0
  for i = 11, #ARGV do
    local share = tonumber(ARGV[i])
    local c = channels[(i - 11) % 3 + 1]
    redis.call('HINCRBY', KEYS[6], 's:' .. c .. ':' .. math.min(19, math.max(0, math.floor(share * 20))), 1)
    redis.call('HINCRBYFLOAT', KEYS[6], 'sum:' .. c, share)
    n = n + 1
  end
  if n >= 3 then redis.call('HINCRBY', KEYS[6], 'images', math.floor(n / 3)) end
end
-- level counts to come from the worker that counted it (the run's records wait for them: finalize-fleet-run.ts)
if code ~= 'f' and ARGV[10] == '1' then redis.call('HINCRBY', meta, 'levelsDue', 1) end

-- stage times: the latest ones kept, and a cumulative histogram of each stage
if ARGV[5] ~= '' then
  redis.call('LPUSH', KEYS[10], ARGV[5])
  redis.call('LTRIM', KEYS[10], 0, 999)
  local bounds = {}
  for b in string.gmatch(ARGV[8], '[^,]+') do table.insert(bounds, tonumber(b)) end
  local ok, t = pcall(cjson.decode, ARGV[5])
  if ok and type(t) == 'table' then
    for stage, ms in pairs(t) do
      if type(ms) == 'number' then
        local s = ms / 1000
        local bin = #bounds + 1
        for i, le in ipairs(bounds) do
          if s <= le then bin = i break end
        end
        redis.call('HINCRBY', KEYS[6], 't:' .. stage .. ':' .. bin, 1)
        redis.call('HINCRBYFLOAT', KEYS[6], 't:' .. stage .. ':sum', s)
      end
    end
  end
end

-- groups counted per second, minute and hour, and the first and last count
local second = math.floor(now / 1000)
redis.call('HINCRBY', KEYS[7], string.format('%d', second), 1)
redis.call('HINCRBY', KEYS[8], string.format('%d', math.floor(second / 60)), 1)
redis.call('HINCRBY', KEYS[9], string.format('%d', math.floor(second / 3600)), 1)
local first = tonumber(redis.call('HGET', meta, 'firstAt'))
if not first or now < first then redis.call('HSET', meta, 'firstAt', string.format('%d', now)) end
local last = tonumber(redis.call('HGET', meta, 'lastAt'))
if not last or now > last then redis.call('HSET', meta, 'lastAt', string.format('%d', now)) end

redis.call('RPUSH', KEYS[11], ARGV[2] .. ':' .. code .. ':' .. micro .. ':' .. id .. ':' .. ARGV[9])
return counts(1)
