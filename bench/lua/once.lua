-- A POST whose body is the next line of BENCH_BODIES, each line used once: refresh
-- tokens are rotated and authorization codes spent. Thread i of n takes lines i+1,
-- i+1+n, ...; a thread that runs out stops rather than repeat a body.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local bodies = {}
local position = 0

function init(args)
   local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
   local index = 0
   for line in io.lines(os.getenv("BENCH_BODIES")) do
      if index % threads == id then
         table.insert(bodies, line)
      end
      index = index + 1
   end
end

function request()
   position = position + 1
   if position > #bodies then
      -- Out of bodies: stop, and send nothing that could spend a token twice.
      exhausted = 1
      wrk.thread:stop()
      return wrk.format("POST", nil, nil, "")
   end
   return wrk.format("POST", nil, nil, bodies[position])
end
