-- wrk script for bench/src/shared/wrk.ts: GETs the paths of a file (one a line) in order, from a
-- starting line on, each thread its share in turn; counts answers by status and prints one JSON line.
local paths, count, at, step = {}, 0, 0, 1
statuses = {}

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    count = count + 1
    paths[count] = line
  end
  step = tonumber(args[3])
  at = tonumber(args[2]) + id
end

function request()
  local path = paths[at % count + 1]
  at = at + step
  return wrk.format("GET", path)
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency)
  local counted = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do counted[status] = (counted[status] or 0) + n end
  end
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.timeout
  if failed > 0 then counted[0] = (counted[0] or 0) + failed end
  local parts = {}
  for status, n in pairs(counted) do table.insert(parts, string.format('"%d":%d', status, n)) end
  io.write(string.format(
    'WRK-RESULT {"requests":%d,"durationUs":%d,"statuses":{%s},"latencyUs":{"mean":%f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, table.concat(parts, ","), latency.mean,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
