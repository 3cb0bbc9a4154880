#!/usr/bin/env bash
# Naming a batch of the programme's size (认定命名, server/api/naming.c) on a
# release kpjdd:
#   tests/bench/naming.sh [n] [rounds]     (default 1,274 applications, 3 rounds)
# Builds kpjdd in build-types/Release (as ./dev build Release; BUILD=dir for
# another), starts the private PostgreSQL of ./dev if it is not running
# (and stops it again), and per round: a fresh database, `kpjdd migrate`,
# tests/bench/naming.sql (n proposed applications on a notice whose window
# is over), kpjdd serving as the application role with a new signing key,
# then POST /batches/{id}/naming timed by curl — numbering, signing and
# storing n certificates, naming n applications, n+1 audit rows, the
# notifications, the answer with n bases.  It checks the answer (n named,
# KPJD-2021-000001 to n) and prints each round's time and the median.  The
# issue's goal: 1,274 in under 30 s.
# Not part of ./dev test: numbers depend on the machine, not on correctness.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
n=${1:-1274} rounds=${2:-3}
build=${BUILD:-build-types/Release}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target kpjdd -j2 >/dev/null
bin=$build/kpjdd
started=0
if ! ./dev db status | grep -q running; then ./dev db start; started=1; fi
eval "$(./dev db env)"
work=$(mktemp -d) db="" pid=""
psql() { command psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" "$@"; }
cleanup() {
  [[ -n $pid ]] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
  [[ -n $db ]] && psql -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  rm -rf "$work"
  (( started )) && ./dev db stop
  return 0
}
trap cleanup EXIT
times=()
for round in $(seq "$rounds"); do
  db="kpjd_bench_naming_$$_$round"
  psql -U postgres -d postgres -c "CREATE DATABASE $db OWNER kpjd"
  owner="host=$PGHOST port=$PGPORT dbname=$db user=kpjd"
  export KPJD_DB_CONNINFO="host=$PGHOST port=$PGPORT dbname=$db user=kpjd_app" KPJD_DB_MIGRATE_CONNINFO=$owner \
         KPJD_DB_APP_ROLE=kpjd_app KPJD_WEB_ROOT=$PWD/web KPJD_HTTP_LISTEN=127.0.0.1:0 KPJD_LOG_LEVEL=info
  KPJD_LOG_LEVEL=warn "$bin" migrate >/dev/null
  echo 'bench naming password' | KPJD_DB_CONNINFO=$owner "$bin" create-admin admin >/dev/null
  psql -U kpjd -d "$db" -v n="$n" -f tests/bench/naming.sql
  "$bin" keygen --out "$work/key$round" >/dev/null
  KPJD_CRYPTO_SIGNING_KEY=$work/key$round "$bin" serve 2>"$work/log$round" &
  pid=$!
  url=""
  for _ in $(seq 100); do
    url=$(grep -o 'listening on http://[0-9.:]*' "$work/log$round" | head -1 | sed 's/listening on //') || true
    [[ -n $url ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/log$round" >&2; exit 1; }
    sleep 0.1
  done
  [[ -n $url ]] || { echo "bench: kpjdd did not listen" >&2; exit 1; }
  token=$(curl -sf "$url/api/v1/session" -H 'content-type: application/json' \
            -d '{"username":"admin","password":"bench naming password"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
  batch=$(psql -U kpjd -d "$db" -Atc "SELECT id FROM batches WHERE code = 'BENCH-2021-1'")
  secs=$(curl -sf -o "$work/answer" -w '%{time_total}' "$url/api/v1/batches/$batch/naming" \
           -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "{\"named_on\":\"$(date +%F)\"}")
  check=$(node -e '
    const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")), n = Number(process.argv[2]);
    const ok = a.named === n && a.bases.length === n &&
      a.bases.every((b, i) => b.certificate_no === `KPJD-2021-${String(i + 1).padStart(6, "0")}`);
    console.log(ok ? "ok" : `wrong answer: named ${a.named}`);' "$work/answer" "$n")
  [[ $check == ok ]] || { echo "bench: $check" >&2; exit 1; }
  audit=$(psql -U kpjd -d "$db" -Atc "SELECT count(*) FROM audit_log WHERE action IN ('application.named', 'batch.named')")
  printf 'round %d: %d applications named in %.3f s (%d audit rows, %s bytes answered)\n' \
    "$round" "$n" "$secs" "$audit" "$(wc -c <"$work/answer")"
  times+=("$secs")
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  psql -U postgres -d postgres -c "DROP DATABASE $db WITH (FORCE)"; db=""
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END { printf "median %.3f s, fastest %.3f s, slowest %.3f s over %d rounds\n", t[int((NR + 1) / 2)], t[1], t[NR], NR }'
