#!/usr/bin/env bash
# Throughput and latency of a release kpjdd on the private PostgreSQL:
#   tests/bench/http.sh [seconds] [connections]
# Needs ./dev build release, ./dev db start and wrk (apt-get install wrk).
# Not part of ./dev test: numbers depend on the machine, not on correctness.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
secs=${1:-10} conns=${2:-32}
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
eval "$(./dev db env)"
db="kpjd_bench_$$"
psql() { command psql -X -q -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres "$@"; }
psql -c "CREATE DATABASE $db OWNER kpjd"
log=$(mktemp)
KPJD_DB_CONNINFO="host=$PGHOST port=$PGPORT dbname=$db user=kpjd" KPJD_HTTP_LISTEN=127.0.0.1:0 \
KPJD_WEB_ROOT="$PWD/web" KPJD_LOG_LEVEL=warn build/kpjdd serve 2>"$log" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; psql -c "DROP DATABASE $db WITH (FORCE)"; rm -f "$log"' EXIT
# The log is at warn (no access log to slow it down), so the "listening"
# line is not printed: find the port in the socket table.
port=""
for _ in $(seq 50); do
  port=$(ss -ltnp | awk -v p="pid=$pid," '$0 ~ p { sub(/.*:/, "", $4); print $4; exit }')
  [[ -n $port ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[[ -n $port ]] || { echo "bench: kpjdd did not listen" >&2; exit 1; }
url="http://127.0.0.1:$port"
for path in /healthz /api/v1/regions /readyz /app.js; do
  echo "== GET $path  (${secs}s, $conns connections, 2 threads)"
  wrk -t2 -c"$conns" -d"${secs}s" --latency "$url$path" | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx'
done

# Signed in: a login costs one argon2id verification; a request with a
# session costs one lookup (and, every few seconds, a touch of its idle clock).
echo 'bench password 2021' | KPJD_DB_CONNINFO="host=$PGHOST port=$PGPORT dbname=$db user=kpjd" \
  build/kpjdd create-admin bench >/dev/null
echo "== POST /api/v1/session  (10 logins, one after another)"
start=$(date +%s%N)
for _ in $(seq 10); do
  token=$(curl -sf -X POST "$url/api/v1/session" -H 'content-type: application/json' \
          -d '{"username":"bench","password":"bench password 2021"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
done
echo "    $(( ($(date +%s%N) - start) / 10000000 )) ms per login"
for path in /api/v1/session /api/v1/notifications; do
  echo "== GET $path with a bearer token  (${secs}s, $conns connections, 2 threads)"
  wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $token" "$url$path" \
    | grep -E 'Requests/sec|Latency|50%|99%|Non-2xx'
done
