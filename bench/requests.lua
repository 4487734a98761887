-- wrk script: replay the requests listed in a file, each once, spread over wrk's threads.
-- The file (BENCH_REQUESTS) has one request per line, tab-separated:
--   METHOD  PATH  COOKIE  CSRF_TOKEN  BODY
-- A non-empty CSRF token is sent as X-CSRFToken with HX-Request (as htmx does); a body is sent
-- as a form. Thread i takes lines i, i + n, i + 2n...; when a thread runs out it starts over
-- and counts the repeats, printed at the end (a repeated answer POST is a cheaper request,
-- so the answer lists are long enough not to run out).

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  table.insert(threads, thread)
  next_id = next_id + 1
end

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  local path = os.getenv("BENCH_REQUESTS")
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "4")
  local lines = {}
  for line in io.lines(path) do
    table.insert(lines, line)
  end
  -- A list shorter than the threads (one URL) is shared whole: its requests repeat anyway.
  local stride = #lines >= nthreads and nthreads or 1
  local first = #lines >= nthreads and id or 1
  requests = {}
  for n = first, #lines, stride do
    local f = split(lines[n])
    local headers = {}
    if f[3] ~= "" then headers["Cookie"] = f[3] end
    if f[4] ~= "" then
      headers["X-CSRFToken"] = f[4]
      headers["HX-Request"] = "true"
    end
    local body = nil
    if f[5] ~= nil and f[5] ~= "" then
      body = f[5]
      headers["Content-Type"] = "application/x-www-form-urlencoded"
    end
    table.insert(requests, wrk.format(f[1], f[2], headers, body))
  end
  made = 0
  repeats = 0
  -- wrk calls request() once on the first thread between init() and the run, to check the
  -- script (script_verify_request); that request is never sent, so it must not use a line.
  verifying = id == 1
end

function request()
  if verifying then
    verifying = false
    return requests[1]
  end
  made = made + 1
  if made > #requests then
    repeats = repeats + 1
  end
  return requests[(made - 1) % #requests + 1]
end

function response(status, headers, body)
  if status >= 400 then
    failures = (failures or 0) + 1
    if failures <= 2 then
      io.stderr:write(string.format("HTTP %d: %s\n", status, body:sub(1, 600)))
    end
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("repeats") or 0)
  end
  io.write(string.format("repeated requests: %d\n", total))
end
