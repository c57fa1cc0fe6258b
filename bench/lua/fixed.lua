-- The same request every time: BENCH_METHOD (GET or POST) and BENCH_BODY.
-- Headers (Authorization, Content-Type) come from wrk's -H options.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
   wrk.body = body
end
