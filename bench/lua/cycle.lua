-- One line of BENCH_LINES a request, in turn, starting over at the end: access tokens
-- from the seeded pool, sent as BENCH_PLACE says ("bearer": in an Authorization header
-- of a BENCH_METHOD request; "body": the line is the body, e.g. an introspection form).
-- Requests are formatted once, in init(); thread i of n starts i/n of the way in.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local requests = {}
local position = 0

function init(args)
   local method = os.getenv("BENCH_METHOD") or "GET"
   local bearer = os.getenv("BENCH_PLACE") == "bearer"
   for line in io.lines(os.getenv("BENCH_LINES")) do
      if bearer then
         wrk.headers["Authorization"] = "Bearer " .. line
         table.insert(requests, wrk.format(method))
      else
         table.insert(requests, wrk.format(method, nil, nil, line))
      end
   end
   if bearer then
      wrk.headers["Authorization"] = nil
   end
   local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
   position = math.floor(#requests * id / threads)
end

function request()
   position = position % #requests + 1
   return requests[position]
end
