-- wrk script: mixed search / upsert load on one collection of 128-d vectors.
-- 80% POST .../points/search (limit 10), 20% PUT .../points?wait=true of 10
-- points with ids in [0, 10000): they overwrite the imported points, so the
-- collection's size stays the same and memory should stay flat.
-- Usage: wrk -t2 -c32 -d60s -s bench/load/mixed.lua http://127.0.0.1:6333
-- Environment: COLLECTION (default "load"), DIM (default 128).
local collection = os.getenv("COLLECTION") or "load"
local dim = tonumber(os.getenv("DIM") or "128")
local headers = { ["Content-Type"] = "application/json" }
local searches, upserts = {}, {}
local counter = 0

local function vector()
  local v = {}
  for i = 1, dim do v[i] = string.format("%.3f", math.random() * 100) end
  return "[" .. table.concat(v, ",") .. "]"
end

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  for i = 1, 200 do
    searches[i] = '{"vector":' .. vector() .. ',"limit":10}'
  end
  for i = 1, 200 do
    local points = {}
    for j = 1, 10 do
      points[j] = '{"id":ID' .. j .. ',"vector":' .. vector() .. ',"payload":{"n":' .. j .. '}}'
    end
    upserts[i] = '{"points":[' .. table.concat(points, ",") .. ']}'
  end
end

function request()
  counter = counter + 1
  if math.random() < 0.8 then
    return wrk.format("POST", "/collections/" .. collection .. "/points/search", headers,
                      searches[math.random(#searches)])
  end
  local base = math.random(0, 999) * 10 - 1  -- ids base+1 .. base+10
  local body = upserts[math.random(#upserts)]:gsub("ID(%d+)", function(j) return tostring(base + tonumber(j)) end)
  return wrk.format("PUT", "/collections/" .. collection .. "/points?wait=true", headers, body)
end

local bad = 0
function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if bad <= 5 then io.stderr:write("status " .. status .. ": " .. body:sub(1, 200) .. "\n") end
  end
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx (counted by wrk): %d, socket errors: connect %d read %d write %d timeout %d\n",
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency p%s: %.2f ms\n", p, latency:percentile(p) / 1000))
  end
end
