#!/usr/bin/env bash
# The issue-8 load run: a fresh server on loopback, siftsmall's 10,000 base
# vectors imported, then wrk with bench/load/mixed.lua (80% search, 20% durable
# upserts of 10 points) for DURATION at CONNECTIONS connections, while the
# server's RSS, indexed vectors, optimizer queue and RocksDB sizes are sampled
# every 5 s.
# Prints wrk's summary and the samples.
# Usage: bench/load/run_mixed_load.sh [build-dir]   (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
duration=${DURATION:-60s}
connections=${CONNECTIONS:-32}
port=${PORT:-6399}
data=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT

"$build/sextant" serve --host 127.0.0.1 --port "$port" --data-dir "$data" --log-level warn &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
"$build/sextant" import --url "http://127.0.0.1:$port" --collection load --distance Euclid \
  --state "$data/import.state" ../shared/data/siftsmall/base.fvecs >/dev/null
echo "imported; RSS before load: $(awk '/VmRSS/ {print $2, $3}' /proc/$server/status)"

# Next to RSS: the vectors held by segment indexes (overwritten ones included
# until the vacuum rebuilds their segment), the optimizer's queue and RocksDB's
# memtables (which grow up to their write buffer size, then flush) and SST files.
metric() {
  curl -s "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m || index($1, m "{") == 1 {s += $2} END {print s + 0}'
}
(while kill -0 "$server" 2>/dev/null; do
   echo "rss $(date +%T) $(awk '/VmRSS/ {print $2}' /proc/$server/status) kB" \
        "indexed_vectors $(metric sextant_collection_indexed_vectors)" \
        "optimizer_queue $(metric sextant_optimizer_queue)" \
        "memtable_kB $(( $(metric sextant_rocksdb_memtable_bytes) / 1024 ))" \
        "sst_kB $(( $(metric sextant_rocksdb_sst_bytes) / 1024 ))"
   sleep 5
 done) > "$data/rss.log" &
sampler=$!
wrk -t2 -c"$connections" -d"$duration" --latency -s bench/load/mixed.lua "http://127.0.0.1:$port"
kill "$sampler"
cat "$data/rss.log"
echo "points after: $(curl -s -X POST "http://127.0.0.1:$port/collections/load/points/count" \
  -H 'Content-Type: application/json' -d '{"exact":true}')"
