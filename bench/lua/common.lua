-- Shared by the bench scripts: per-thread status counts and a JSON report.
-- BENCH_REPORT names the file done() writes; BENCH_THREADS is wrk's -t.

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

unexpected = 0
exhausted = 0

function response(status, headers, body)
   if status ~= 200 then
      unexpected = unexpected + 1
   end
end

function done(summary, latency, requests)
   local unexpected_total, exhausted_total = 0, 0
   for _, thread in ipairs(threads) do
      unexpected_total = unexpected_total + thread:get("unexpected")
      exhausted_total = exhausted_total + thread:get("exhausted")
   end
   local e = summary.errors
   local seconds = summary.duration / 1e6
   local report = string.format(
      '{"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, '
         .. '"max_ms": %.3f, "non_200": %d, "exhausted_threads": %d, '
         .. '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, unexpected_total, exhausted_total,
      e.connect, e.read, e.write, e.timeout)
   local file = assert(io.open(os.getenv("BENCH_REPORT"), "w"))
   file:write(report)
   file:close()
end
