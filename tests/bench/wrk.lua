-- wrk script of tests/bench/run.sh.  Environment:
--   BENCH_TOKENS  a file of lines "TOKEN" or "TOKEN ID" (a session's bearer
--                 token, and the application it acts on)
--   BENCH_METHOD  GET (default), POST, PATCH
--   BENCH_PATH    the path; "{id}" is replaced by the line's ID, or by a
--                 random id in 1..BENCH_ROWS when the line has none
--   BENCH_BODY    a JSON body (sent with Content-Type: application/json)
--   BENCH_ONCE=1  each line is used once: thread t of n takes lines t, t+n,
--                 ...; when its lines run out it starts over (those requests
--                 fail, and count as errors), so run.sh checks how many rows
--                 a write scenario used
-- Without BENCH_ONCE each thread pre-builds POOL requests from random lines,
-- with a fixed seed per thread: every run sends the same sequence.
local POOL = 20000
local reqs = {}
local n = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  local file = assert(os.getenv("BENCH_TOKENS"), "BENCH_TOKENS is not set")
  local method = os.getenv("BENCH_METHOD") or "GET"
  local path = assert(os.getenv("BENCH_PATH"), "BENCH_PATH is not set")
  local body = os.getenv("BENCH_BODY")
  if body == "" then body = nil end
  local rows = tonumber(os.getenv("BENCH_ROWS") or "100000")
  local once = os.getenv("BENCH_ONCE") == "1"
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  local lines = {}
  for line in io.lines(file) do
    local token, id = line:match("^(%S+)%s*(%S*)$")
    if token then lines[#lines + 1] = { token = token, id = id } end
  end
  assert(#lines > 0, "no tokens in " .. file)
  math.randomseed(7919 * (tid or 1))
  local function build(l)
    local id = l.id ~= "" and l.id or tostring(math.random(1, rows))
    local headers = { ["Authorization"] = "Bearer " .. l.token }
    if body then headers["Content-Type"] = "application/json" end
    return wrk.format(method, (path:gsub("{id}", id)), headers, body)
  end
  if once then
    for i = tid or 1, #lines, nthreads do reqs[#reqs + 1] = build(lines[i]) end
    assert(#reqs > 0, "fewer lines than threads in " .. file)
  else
    for i = 1, POOL do reqs[i] = build(lines[math.random(1, #lines)]) end
  end
end

function request()
  n = n + 1
  if n > #reqs then n = 1 end
  return reqs[n]
end
