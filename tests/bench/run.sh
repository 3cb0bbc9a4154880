#!/usr/bin/env bash
# kpjdd's own benchmark: its real endpoints over a 100,000-application seed,
# beside the lean C twin (mhd-pg) and Fastify from ../shared/bench, measured
# in the same run, as ratios.
#
#   bash tests/bench/run.sh                       (as root, from anywhere; ~8 min)
#   ROUNDS=1 DURATION=5 bash tests/bench/run.sh   (shorter)
#   BENCH_SMOKE=1 bash tests/bench/run.sh         (1,000 rows, 1 s runs, no twins: does it work?)
#
# What it does, everything on loopback, everything stopped on exit:
#  1. the twins: ../shared/bench/run.sh with TARGETS="mhd-pg fastify" (its own
#     throwaway cluster; its results under $OUT/shared), parsed from its summary;
#  2. a throwaway PostgreSQL 15 cluster under /tmp (unix socket only, fsync
#     off: nothing here survives a crash), a database owned by the role kpjd,
#     `kpjdd migrate`, then tests/bench/seed.sql (ROWS applications; its
#     header tells the shape and the session tokens) and one real account
#     (kpjdd create-admin) for the login scenario;
#  3. kpjdd built from this tree (cmake RelWithDebInfo, KPJD_TESTS=OFF, into
#     $OUT/build; KPJDD_BIN=path uses a binary instead) and started as in
#     production — log level info with the access log (to $OUT/results/...),
#     default workers, serving as the application role kpjd_app (db.app_role;
#     the owner kpjd migrates), a signing key, 127.0.0.1 as its trusted
#     reverse proxy (as behind one: wrk's 64 connections, plus those of the
#     previous run still closing, plus a probe, exceed http.max_per_ip) — but
#     for auth.session_idle at its maximum, so no seeded session idles out;
#  4. each scenario ROUNDS times, alternating, with wrk -t WRK_THREADS -c CONNS
#     (WARMUP s discarded, then DURATION s), kpjdd's RSS sampled each 0.5 s:
#       get          GET /applications/{random id}, 1,000 admin sessions
#       list-p1      GET /applications?limit=50, page 1
#       list-deep    the same, page DEEP (1,000; its cursor found by following next_cursor)
#       f-status f-region f-category f-batch f-status-region
#                    page 1 under each filter (status=submitted, region=湖北省,
#                    category=venue, batch_id=1, both of the first two)
#       q-rare       q=Q (武汉市第1008: a few units), q-common q=科技馆 (a sixth of them)
#       login        POST /session, one real account (argon2id on the pool)
#       patch        PATCH /applications/{id} {"form":{"volunteers":N}} as 1,000
#                    applicants, each on its own draft, without If-Match
#       recommend    POST /applications/{id}/recommend as the 39 recommenders,
#                    each submitted application once (no warm-up): the run
#                    reports how many rows it used of how many there were;
#                    past them requests fail and count as errors
#     and the CSV export once per round (time, bytes, RSS before/peak/after,
#     sampled every 0.1 s);
#  5. a table: req/s, p50, p99, peak RSS, errors (non-2xx and socket errors),
#     and req/s and p99 as ratios to the twin's (and req/s to Fastify's).
#
# Knobs (environment): ROUNDS=1 DURATION=10 WARMUP=2 CONNS=64 WRK_THREADS=2
#   ROWS=100000 DEEP=1000 Q=武汉市第1008 TWINS=1 (0: kpjdd alone)
#   SCENARIOS="get list-p1 ..." (a subset) OUT=/tmp/kpjd-bench KPJDD_BIN=
#   KPJDD_BUILD_TYPE=RelWithDebInfo BENCH_SMOKE=0
#   HOLD=1: after the table, keep the cluster and kpjdd running (for perf,
#   psql, curl) until interrupted; $OUT/hold.env tells how to reach them
# Numbers depend on the machine and on what else runs on it: run it quiet.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/tests/bench
SHARED=${SHARED_BENCH:-$ROOT/../shared/bench}
OUT=${OUT:-/tmp/kpjd-bench}
BENCH_SMOKE=${BENCH_SMOKE:-0}
if [ "$BENCH_SMOKE" = 1 ]; then
  : "${ROWS:=1000}" "${DURATION:=1}" "${WARMUP:=0}" "${TWINS:=0}" "${CONNS:=8}" "${DEEP:=5}"
fi
ROUNDS=${ROUNDS:-1}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-64}
WRK_THREADS=${WRK_THREADS:-2}
ROWS=${ROWS:-100000}
DEEP=${DEEP:-1000}
Q=${Q:-武汉市第1008}
TWINS=${TWINS:-1}
KPJDD_BUILD_TYPE=${KPJDD_BUILD_TYPE:-RelWithDebInfo}
ALL_SCENARIOS="get list-p1 list-deep f-status f-region f-category f-batch f-status-region q-rare q-common login patch recommend csv"
SCENARIOS=${SCENARIOS:-$ALL_SCENARIOS}

PGBIN=/usr/lib/postgresql/15/bin
PG_PORT=54339
KPJDD_PORT=18097
LOGIN_PW=bench-login-password-1
API=/api/v1

log() { printf '[kpjd-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (PostgreSQL runs as the postgres user via runuser)"
for tool in wrk jq curl node "$PGBIN/initdb"; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install wrk jq curl postgresql-15; node 20)"
done
((ROWS >= 1000)) || die "ROWS must be at least 1000"
((DEEP * 50 <= ROWS)) || die "DEEP=$DEEP pages of 50 need more than ROWS=$ROWS rows"
for s in $SCENARIOS; do [[ " $ALL_SCENARIOS " == *" $s "* ]] || die "unknown scenario $s"; done

RESULTS=$OUT/results/$(date +%Y%m%d-%H%M%S)
BUILD=$OUT/build
mkdir -p "$RESULTS" "$BUILD"

# ---------------------------------------------------------------- 1. the twins
declare -A T_RPS T_P50 T_P99 T_RSS
if [ "$TWINS" = 1 ]; then
  [ -f "$SHARED/run.sh" ] || die "no $SHARED/run.sh (set SHARED_BENCH)"
  log "the twins: $SHARED/run.sh with TARGETS=\"mhd-pg fastify\" (output in $OUT/shared)"
  (cd "$ROOT" && TARGETS="mhd-pg fastify" ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP CONNS=$CONNS \
     WRK_THREADS=$WRK_THREADS OUT=$OUT/shared bash "$SHARED/run.sh") >"$RESULTS/shared.log" 2>&1 \
    || die "$SHARED/run.sh (see $RESULTS/shared.log)"
  summary=$(ls -d "$OUT"/shared/results/*/ | sort | tail -1)summary.txt
  [ -f "$summary" ] || die "no $summary"
  cp "$summary" "$RESULTS/shared-summary.txt"
  # target, per round, mean, median, p50, p99, RSS, ...
  while read -r t _ mean _ p50 p99 rss _; do
    T_RPS[$t]=$mean T_P50[$t]=$p50 T_P99[$t]=$p99 T_RSS[$t]=$rss
  done < <(awk '$1 == "mhd-pg" || $1 == "fastify"' "$summary" | head -2)
  [ -n "${T_RPS[mhd-pg]:-}" ] && [ -n "${T_RPS[fastify]:-}" ] || die "no mhd-pg/fastify lines in $summary"
  log "twins: mhd-pg ${T_RPS[mhd-pg]} req/s, p99 ${T_P99[mhd-pg]} ms; fastify ${T_RPS[fastify]} req/s, p99 ${T_P99[fastify]} ms"
fi

# ---------------------------------------------------------------- cleanup
PGDIR=$(mktemp -d /tmp/kpjd-bench-pg.XXXXXX)
KPJDD_PID=
SAMPLER_PID=
CLIENT_PID=
cleanup() {
  local rc=$?
  set +e
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
  [ -n "$CLIENT_PID" ] && kill "$CLIENT_PID" 2>/dev/null
  if [ -n "$KPJDD_PID" ]; then
    kill -TERM "$KPJDD_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$KPJDD_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$KPJDD_PID" 2>/dev/null
    wait "$KPJDD_PID" 2>/dev/null
  fi
  if [ -f "$PGDIR/data/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate -w stop >/dev/null 2>&1
  fi
  rm -rf "$PGDIR"
  ((rc)) && log "exit $rc; logs in $RESULTS"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a client in the background and waits for it, so that INT/TERM stop
# the script at once (bash defers traps until a foreground child ends).
client() {
  local rc=0
  "$@" & CLIENT_PID=$!
  wait "$CLIENT_PID" || rc=$?
  CLIENT_PID=
  return "$rc"
}

# ---------------------------------------------------------------- 2. PostgreSQL and the seed
log "PostgreSQL cluster in $PGDIR (unix socket, fsync=off)"
chown postgres: "$PGDIR"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
  >"$RESULTS/initdb.log" 2>&1 || die "initdb (see $RESULTS/initdb.log)"
cat >>"$PGDIR/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$PGDIR'
port = $PG_PORT
max_connections = 100
shared_buffers = 512MB
fsync = off
synchronous_commit = off
full_page_writes = off
jit = off
EOF
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/postgres.log" -w start >/dev/null \
  || { cp "$PGDIR/postgres.log" "$RESULTS/" 2>/dev/null; die "pg_ctl start"; }
PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PG_PORT")
# As in production: the owner migrates, kpjdd serves as an application role.
"${PSQL[@]}" -U postgres -d postgres -c "CREATE ROLE kpjd LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" \
  -c "CREATE ROLE kpjd_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" -c "CREATE DATABASE kpjd OWNER kpjd"
PSQL_K=("${PSQL[@]}" -U kpjd -d kpjd)
OWNER_CONNINFO="host=$PGDIR port=$PG_PORT user=kpjd dbname=kpjd"
CONNINFO="host=$PGDIR port=$PG_PORT user=kpjd_app dbname=kpjd"
export KPJD_DB_APP_ROLE=kpjd_app KPJD_DB_MIGRATE_CONNINFO=$OWNER_CONNINFO

if [ -n "${KPJDD_BIN:-}" ]; then
  KPJDD=$KPJDD_BIN
else
  KPJDD=$BUILD/kpjdd
  log "building kpjdd (cmake $KPJDD_BUILD_TYPE) into $BUILD"
  { cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE="$KPJDD_BUILD_TYPE" -DKPJD_TESTS=OFF \
      && cmake --build "$BUILD" --target kpjdd -j "$(nproc)"; } >"$RESULTS/build.log" 2>&1 \
    || die "kpjdd build (see $RESULTS/build.log)"
fi
REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ] && REV+="+dirty"

KPJD_DB_CONNINFO=$OWNER_CONNINFO "$KPJDD" migrate >"$RESULTS/migrate.log" 2>&1 || die "kpjdd migrate (see $RESULTS/migrate.log)"
log "$(grep -m1 '^migrate:' "$RESULTS/migrate.log" || echo migrated); seeding $ROWS applications (tests/bench/seed.sql)"
"${PSQL_K[@]}" -v rows="$ROWS" -f "$HERE/seed.sql" >/dev/null
# As the table looks once autovacuum has been by: the seed's own VACUUM
# cannot mark pages all-visible while its asynchronous commit
# (synchronous_commit = off) is unflushed, and index-only scans would then
# fetch every heap row.  A checkpoint flushes it; the VACUUM after it can.
"${PSQL[@]}" -U postgres -d kpjd -c "CHECKPOINT" -c "VACUUM applications" >/dev/null
"$KPJDD" keygen --out "$RESULTS/signing.key" >>"$RESULTS/migrate.log" 2>&1 || die "kpjdd keygen"
printf '%s\n' "$LOGIN_PW" | KPJD_DB_CONNINFO=$CONNINFO "$KPJDD" create-admin bench_login \
  >>"$RESULTS/migrate.log" 2>&1 || die "kpjdd create-admin (see $RESULTS/migrate.log)"
# The bearer tokens seed.sql derived (its header tells how).
bearer="translate(rtrim(encode(sha256(convert_to(%s, 'UTF8')), 'base64'), '='), '+/', '-_')"
"${PSQL_K[@]}" -At -c "SELECT $(printf "$bearer" "'kpjd-bench-session-' || i") FROM generate_series(1, 1000) i" \
  >"$RESULTS/admins.tokens"
"${PSQL_K[@]}" -At -F ' ' -c "SELECT $(printf "$bearer" "'kpjd-bench-applicant-' || u.org_id"), a.id
    FROM users u JOIN applications a ON a.applicant_id = u.org_id WHERE u.role = 'applicant' ORDER BY a.id" \
  >"$RESULTS/applicants.tokens"
"${PSQL_K[@]}" -At -F ' ' -c "SELECT $(printf "$bearer" "'kpjd-bench-recommender-' || a.recommender_id"), a.id
    FROM applications a WHERE a.status = 'submitted' ORDER BY a.id" >"$RESULTS/submitted.tokens"
ADMIN1=$(head -1 "$RESULTS/admins.tokens")
"${PSQL_K[@]}" -At -c "SELECT count(*), pg_size_pretty(pg_total_relation_size('applications')),
    (SELECT string_agg(status || ' ' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM applications GROUP BY 1) s)
    FROM applications" | { IFS='|' read -r n size st; log "seeded: $n applications ($st), table+indexes $size"; }
log "all-visible: $("${PSQL_K[@]}" -At -c "SELECT relallvisible || ' of ' || relpages || ' pages' FROM pg_class WHERE relname = 'applications'")"

# ---------------------------------------------------------------- 3. kpjdd
BASE=http://127.0.0.1:$KPJDD_PORT
KPJD_DB_CONNINFO=$CONNINFO KPJD_HTTP_LISTEN=127.0.0.1:$KPJDD_PORT KPJD_WEB_ROOT="$ROOT/web" \
  KPJD_CRYPTO_SIGNING_KEY=$RESULTS/signing.key KPJD_HTTP_TRUSTED_PROXIES=127.0.0.1 KPJD_LOG_LEVEL=info KPJD_AUTH_SESSION_IDLE=86400 "$KPJDD" serve >"$RESULTS/kpjdd.log" 2>&1 &
KPJDD_PID=$!
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "$BASE/healthz" && break
  kill -0 "$KPJDD_PID" 2>/dev/null || die "kpjdd exited (see $RESULTS/kpjdd.log)"
  sleep 0.1
done
curl -sf -o /dev/null "$BASE/healthz" || die "kpjdd did not answer /healthz"
sleep 0.3   # a kpjdd that could not bind exits at once; then another answered /healthz
kill -0 "$KPJDD_PID" 2>/dev/null || die "kpjdd exited (is port $KPJDD_PORT taken? see $RESULTS/kpjdd.log)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN1" "$BASE$API/applications/1")
[ "$code" = 200 ] || die "GET $API/applications/1 with a seeded admin token: $code, not 200"

uri() { jq -rn --arg v "$1" '$v|@uri'; }
# Follows next_cursor from page 1 of PATH to page PAGE; prints that page's path.
page_path() { # path page
  node -e '
    const [base, path, token, page] = process.argv.slice(1);
    (async () => {
      let url = path;
      for (let i = 1; i < Number(page); i++) {
        const res = await fetch(base + url, { headers: { Authorization: `Bearer ${token}` } });
        if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
        const { next_cursor } = await res.json();
        if (!next_cursor) throw new Error(`no page ${i + 1}`);
        url = `${path}&cursor=${encodeURIComponent(next_cursor)}`;
      }
      console.log(url);
    })().catch((e) => { console.error(e.message); process.exit(1); });' "$BASE" "$1" "$ADMIN1" "$2"
}
LIST=$API/applications?limit=50
log "following next_cursor to page $DEEP"
DEEP_PATH=$(page_path "$LIST" "$DEEP") || die "could not reach page $DEEP"

# Scenario: method | path | tokens | body | once (each line once)
declare -A SC
SC[get]="GET|$API/applications/{id}|admins||"
SC[list-p1]="GET|$LIST|admins||"
SC[list-deep]="GET|$DEEP_PATH|admins||"
SC[f-status]="GET|$LIST&status=submitted|admins||"
SC[f-region]="GET|$LIST&region=$(uri 湖北省)|admins||"
SC[f-category]="GET|$LIST&category=venue|admins||"
SC[f-batch]="GET|$LIST&batch_id=1|admins||"
SC[f-status-region]="GET|$LIST&status=submitted&region=$(uri 湖北省)|admins||"
SC[q-rare]="GET|$LIST&q=$(uri "$Q")|admins||"
SC[q-common]="GET|$LIST&q=$(uri 科技馆)|admins||"
SC[login]="POST|$API/session|login|{\"username\":\"bench_login\",\"password\":\"$LOGIN_PW\"}|"
SC[patch]="PATCH|$API/applications/{id}|applicants|{\"form\":{\"volunteers\":321}}|"
SC[recommend]="POST|$API/applications/{id}/recommend|submitted|{\"opinion\":\"该单位科普工作成效显著，同意推荐。\"}|1"
echo "$ADMIN1" >"$RESULTS/login.tokens"   # not sent: login is public, but wrk.lua wants a line

rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$KPJDD_PID/status"; }
rss_sampler() { # every $1 s, kpjdd's RSS in KB
  while :; do rss_kb; sleep "$1"; done
}
ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}' <<<"$1"; }
# Waits until kpjdd has no request in flight (a scenario's slow tail must
# not weigh on the next one).
drain() {
  local n
  for _ in $(seq 1 300); do
    n=$( { curl -s --max-time 30 "$BASE/metrics" || true; } | awk '$1=="kpjd_http_inflight_requests"{print $2}')
    [ "${n:-9}" -le 1 ] && return 0
    sleep 0.2
  done
  log "kpjdd still has $n requests in flight"
}

declare -A RPS P50 P99 RSS BAD
submitted_used=0
run_wrk() { # scenario round
  local s=$1 r=$2 method path tokens body once out tokfile
  IFS='|' read -r method path tokens body once <<<"${SC[$s]}"
  out=$RESULTS/$s-r$r
  tokfile=$RESULTS/$tokens.tokens
  if [ "$once" = 1 ]; then   # round r takes its own share of the rows
    awk -v r="$r" -v n="$ROUNDS" '(NR - 1) % n == r - 1' "$RESULTS/$tokens.tokens" >"$out.tokens"
    tokfile=$out.tokens
  fi
  export BENCH_TOKENS=$tokfile BENCH_METHOD=$method BENCH_PATH=$path BENCH_BODY=$body BENCH_ROWS=$ROWS \
         BENCH_ONCE=$once BENCH_THREADS=$WRK_THREADS
  local wrk=(wrk -t"$WRK_THREADS" -c"$CONNS" --timeout 30s -s "$HERE/wrk.lua")
  drain
  if [ "$once" != 1 ] && ((WARMUP > 0)); then
    client "${wrk[@]}" -d"${WARMUP}s" "$BASE" >"$out.warmup.txt" 2>&1
    drain
  fi
  rss_sampler 0.5 >"$out.rss" & SAMPLER_PID=$!
  client "${wrk[@]}" -d"${DURATION}s" --latency "$BASE" >"$out.txt" 2>&1 || die "wrk $s (see $out.txt)"
  kill "$SAMPLER_PID"; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
  RPS[$s,$r]=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' "$out.txt")
  P50[$s,$r]=$(ms "$(awk '$1=="50%"{print $2}' "$out.txt")")
  P99[$s,$r]=$(ms "$(awk '$1=="99%"{print $2}' "$out.txt")")
  RSS[$s,$r]=$(sort -n "$out.rss" | tail -1)
  BAD[$s,$r]=$(awk '/Non-2xx/{n+=$NF} /Socket errors/{gsub(/,/,""); n+=$4+$6+$8+$10} END{print n+0}' "$out.txt")
  log "$(printf '%-16s r%d %7s req/s  p50 %7s ms  p99 %7s ms  RSS %6.1f MB  errors %s' "$s" "$r" "${RPS[$s,$r]}" \
    "${P50[$s,$r]}" "${P99[$s,$r]}" "$(awk -v k="${RSS[$s,$r]:-0}" 'BEGIN{print k/1024}')" "${BAD[$s,$r]}")"
}

declare -A CSV
run_csv() { # round
  local r=$1 out=$RESULTS/csv-r$1 code t bytes
  drain
  CSV[rss0,$r]=$(rss_kb)
  rss_sampler 0.1 >"$out.rss" & SAMPLER_PID=$!
  read -r code t bytes < <(curl -s -o "$out.csv" -w '%{http_code} %{time_total} %{size_download}\n' \
    -H "Authorization: Bearer $ADMIN1" "$BASE$API/applications.csv")
  kill "$SAMPLER_PID"; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
  [ "$code" = 200 ] || log "csv r$r: HTTP $code"
  CSV[t,$r]=$t CSV[bytes,$r]=$bytes CSV[rows,$r]=$(($(wc -l <"$out.csv") - 1))
  CSV[peak,$r]=$( { echo "${CSV[rss0,$r]}"; cat "$out.rss"; } | sort -n | tail -1) CSV[rss1,$r]=$(rss_kb)
  rm -f "$out.csv"
  log "$(printf 'csv              r%d %s s  %s rows  %s bytes  RSS %s -> peak %s KB' "$r" "$t" "${CSV[rows,$r]}" "$bytes" \
    "${CSV[rss0,$r]}" "${CSV[peak,$r]}")"
}

# ---------------------------------------------------------------- 4. the rounds
submitted_before=$("${PSQL_K[@]}" -At -c "SELECT count(*) FROM applications WHERE status = 'submitted'")
for r in $(seq 1 "$ROUNDS"); do
  # Each round starts from a vacuumed table, as autovacuum would leave it:
  # the previous round's writes (tens of thousands of PATCHes) leave dead
  # rows and pages no longer all-visible, and the reads of the next round
  # would measure that debris, or the autovacuum that came to clear it.
  if ((r > 1)); then
    drain
    "${PSQL[@]}" -U postgres -d kpjd -c "CHECKPOINT" -c "VACUUM (ANALYZE) applications" -c "VACUUM sessions" >/dev/null
    log "round $r: vacuumed; all-visible: $("${PSQL_K[@]}" -At -c "SELECT relallvisible || ' of ' || relpages || ' pages' FROM pg_class WHERE relname = 'applications'")"
  fi
  for s in $SCENARIOS; do
    if [ "$s" = csv ]; then run_csv "$r"; else run_wrk "$s" "$r"; fi
  done
done
submitted_after=$("${PSQL_K[@]}" -At -c "SELECT count(*) FROM applications WHERE status = 'submitted'")
submitted_used=$((submitted_before - submitted_after))
curl -s "$BASE/metrics" >"$RESULTS/kpjdd.metrics.txt" || true

# ---------------------------------------------------------------- 5. the table
mean() { local -n arr=$1; local s=$2 r; for r in $(seq 1 "$ROUNDS"); do echo "${arr[$s,$r]:-0}"; done \
  | awk '{t+=$1} END{printf "%.2f", t/NR}'; }
worst() { local -n arr=$1; local s=$2 r; for r in $(seq 1 "$ROUNDS"); do echo "${arr[$s,$r]:-0}"; done | sort -g | tail -1; }
ratio() { awk -v a="$1" -v b="${2:-0}" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else printf "-" }'; }
{
  echo
  echo "kpjdd bench — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, kpjdd $REV ($( [ -n "${KPJDD_BIN:-}" ] && echo "$KPJDD" || echo "cmake $KPJDD_BUILD_TYPE"))"
  echo "$ROWS applications; wrk -t$WRK_THREADS -c$CONNS ${DURATION}s (+${WARMUP}s warm-up but for recommend); $ROUNDS round(s), alternating"
  echo "req/s: mean of rounds; p50: mean; p99, RSS, errors: worst round. x: kpjdd's req/s over the twin's (mhd-pg) and"
  echo "Fastify's, and its p99 over the twin's (GET by id is the like-for-like one; the others do more work)."
  echo
  printf '%-20s %8s %8s %8s %7s %7s %7s %7s %7s\n' scenario "req/s" "p50 ms" "p99 ms" "RSS MB" errors "x twin" "x fstfy" "p99/tw"
  if [ "$TWINS" = 1 ]; then
    for t in mhd-pg fastify; do
      printf '%-20s %8s %8s %8s %7s %7s %7s %7s %7s\n' "$t" "${T_RPS[$t]}" "${T_P50[$t]}" "${T_P99[$t]}" "${T_RSS[$t]}" - \
        "$(ratio "${T_RPS[$t]}" "${T_RPS[mhd-pg]}")" "$(ratio "${T_RPS[$t]}" "${T_RPS[fastify]}")" "$(ratio "${T_P99[$t]}" "${T_P99[mhd-pg]}")"
    done
  fi
  for s in $SCENARIOS; do
    [ "$s" = csv ] && continue
    rps=$(mean RPS "$s"); p99=$(worst P99 "$s")
    printf '%-20s %8.0f %8s %8s %7.1f %7s %7s %7s %7s\n' "kpjdd $s" "$rps" "$(mean P50 "$s")" "$p99" \
      "$(awk -v k="$(worst RSS "$s")" 'BEGIN{print k/1024}')" "$(worst BAD "$s")" \
      "$(ratio "$rps" "${T_RPS[mhd-pg]:-}")" "$(ratio "$rps" "${T_RPS[fastify]:-}")" "$(ratio "$p99" "${T_P99[mhd-pg]:-}")"
  done
  if [[ " $SCENARIOS " == *" csv "* ]]; then
    for r in $(seq 1 "$ROUNDS"); do
      printf 'kpjdd csv r%d: %s s for %s rows (%.1f MB); RSS %.1f -> peak %.1f -> after %.1f MB\n' "$r" "${CSV[t,$r]}" \
        "${CSV[rows,$r]}" "$(awk -v b="${CSV[bytes,$r]}" 'BEGIN{print b/1048576}')" \
        "$(awk -v k="${CSV[rss0,$r]}" 'BEGIN{print k/1024}')" "$(awk -v k="${CSV[peak,$r]}" 'BEGIN{print k/1024}')" \
        "$(awk -v k="${CSV[rss1,$r]}" 'BEGIN{print k/1024}')"
    done
  fi
  [[ " $SCENARIOS " == *" recommend "* ]] && \
    echo "recommend used $submitted_used of the $submitted_before submitted applications (each once; past them, errors)"
  [[ " $SCENARIOS " == *" patch "* ]] && \
    echo "patch: $(wc -l <"$RESULTS/applicants.tokens") applicants, each PATCHing its own draft again and again"
  # What the writes answered, from the access log (every round).
  for s in login patch recommend; do
    [[ " $SCENARIOS " == *" $s "* ]] || continue
    case $s in
      login) pat='POST /api/v1/session' ;;
      patch) pat='PATCH /api/v1/applications/[0-9]+' ;;
      recommend) pat='POST /api/v1/applications/[0-9]+/recommend' ;;
    esac
    echo "$s answers: $(grep -oE "$pat [0-9]{3} " "$RESULTS/kpjdd.log" | awk '{print $NF}' | sort | uniq -c \
      | awk '{printf "%s%s x %s", (NR > 1 ? ", " : ""), $2, $1}')"
  done
  echo "paths: list-deep = page $DEEP; f-region = 湖北省; q-rare = $Q; logs and wrk outputs in $RESULTS"
} | tee "$RESULTS/summary.txt"

if [ "${HOLD:-0}" = 1 ]; then
  cat >"$OUT/hold.env" <<EOF
BASE=$BASE
API=$API
ADMIN1=$ADMIN1
KPJDD_PID=$KPJDD_PID
PGHOST=$PGDIR
PGPORT=$PG_PORT
PGUSER=kpjd
PGDATABASE=kpjd
RESULTS=$RESULTS
EOF
  log "holding (HOLD=1): kpjdd pid $KPJDD_PID at $BASE, PostgreSQL at $PGDIR:$PG_PORT; see $OUT/hold.env; interrupt to stop"
  client sleep infinity
fi
