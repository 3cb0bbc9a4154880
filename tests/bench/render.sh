#!/usr/bin/env bash
# The batch print file, GET /batches/{id}/certificates.pdf, through the real
# endpoint of a Release kpjdd on the private PostgreSQL:
#   tests/bench/render.sh [bases]        (default 1274, the real first batch)
# Needs ./dev db start.  Builds kpjdd in build-types/Release (as ./dev build
# Release; BUILD=dir for another), seeds a throwaway database with a batch
# of 100 bases and one of [bases], then for each starts a fresh kpjdd,
# downloads the print file once and prints the time (and kpjdd's CPU time,
# which depends less on what else the machine runs), the size, the pages
# (pdfinfo) and kpjdd's resident memory before the request and at its peak
# (VmHWM: the kernel's high-water mark, exact), and how much of it is
# files mapped (RssFile after the request: the Noto CJK fonts, shared page
# cache rather than kpjdd's own memory).  Memory is flat when the peak is
# the same for 100 pages and for 1,274.  The admin's session is
# written in SQL, not logged into: a login's argon2id (64 MiB) would set
# the high-water mark.  The issue's goal: 1,274 pages in under 30 s.
# Not part of ./dev test: numbers depend on the machine, not on correctness.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
n=${1:-1274}
build=${BUILD:-build-types/Release}
for tool in curl pdfinfo sha256sum; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target kpjdd -j2 >/dev/null
bin=$build/kpjdd

eval "$(./dev db env)"
db=kpjd_bench_render_$$
sql() { command psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" "$@"; }
sql -U postgres -d postgres -c "CREATE DATABASE $db OWNER kpjd"
conninfo="host=$PGHOST port=$PGPORT dbname=$db user=kpjd"
tmp=$(mktemp -d)
pid=
stop() { if [[ -n $pid ]]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi; pid=; }
trap 'stop; sql -U postgres -d postgres -c "DROP DATABASE $db WITH (FORCE)"; rm -rf "$tmp"' EXIT
KPJD_DB_CONNINFO=$conninfo "$bin" migrate >/dev/null 2>&1

# A bearer token and the hash the sessions table keeps (lib/auth/token.c).
token=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
token_hash=$(printf '%s' "$token" | sha256sum | cut -c1-64)

# Two batches: 100 bases, then $n; names of the lengths real ones have.
sql -U kpjd -d "$db" -v n="$n" -v token_hash="$token_hash" <<'SQL'
INSERT INTO users (username, role, display_name, password_hash)
VALUES ('bench', 'admin', '基准管理员', '!bench-no-login'),
       ('bench_rec', 'recommender', '北京市科学技术协会', '!bench-no-login');
INSERT INTO sessions (user_id, token_hash, csrf_token, created_at, last_seen_at, expires_at, ip)
SELECT id, :'token_hash', 'bench-csrf', now(), now(), now() + interval '1 day', '127.0.0.1'
FROM users WHERE username = 'bench';
INSERT INTO recommenders (name, kind, region_code, user_id)
SELECT '北京市科学技术协会', 'provincial_cast', 110000, id FROM users WHERE username = 'bench_rec';
INSERT INTO signing_keys (key_id, public_key) VALUES ('0123456789abcdef', decode(repeat('ab', 32), 'hex'));
INSERT INTO batches (code, title, term_start_year, term_end_year, contact_deadline, recommend_deadline, status)
VALUES ('bench-100', '基准批次100', 2021, 2025, now(), now(), 'closed'),
       ('bench-n', '基准批次', 2021, 2025, now(), now(), 'closed');
CREATE TEMP TABLE seed AS
SELECT b.id AS batch_id, b.code, i, r.code AS region_code, r.name AS region,
       (ARRAY['科学技术馆', '自然博物馆', '青少年科技活动中心', '天文馆', '植物园科普馆',
              '地质公园博物馆', '气象科普教育基地', '现代农业科技示范园区'])[1 + i % 8] AS kind
FROM batches b
CROSS JOIN LATERAL generate_series(1, CASE b.code WHEN 'bench-100' THEN 100 ELSE :n END) i
JOIN LATERAL (SELECT code, name FROM regions ORDER BY code OFFSET i % 31 LIMIT 1) r ON true;
WITH units AS (
  INSERT INTO applicant_units (name, credit_code, region_code, address, legal_representative,
                               supervising_body, contact_name, contact_phone, contact_email)
  SELECT region || '第' || i || (CASE WHEN i % 5 = 0 THEN '科学技术协会直属事业单位管理中心' ELSE kind END),
         '91' || lpad((batch_id * 100000 + i)::text, 15, '0') || '0', region_code,
         region, '张三', region || '科学技术协会', '李四', '010-68571234', 'c' || i || '@example.cn'
  FROM seed ORDER BY batch_id, i
  RETURNING id, name, credit_code, region_code)
INSERT INTO applications (batch_id, recommender_id, applicant_id, credit_code, base_name, category, status)
SELECT s.batch_id, (SELECT id FROM recommenders), u.id, u.credit_code, s.region || s.kind, 'venue', 'named'
FROM units u JOIN seed s ON '91' || lpad((s.batch_id * 100000 + s.i)::text, 15, '0') || '0' = u.credit_code;
INSERT INTO bases (certificate_no, batch_id, application_id, applicant_id, name, unit_name, credit_code,
                   region_code, category, recommender_id, term_start_year, term_end_year, named_on,
                   payload_canonical, signature, key_id)
SELECT 'KPJD-2021-' || lpad(row_number() OVER (ORDER BY a.batch_id, a.id)::text, 6, '0'), a.batch_id, a.id,
       a.applicant_id, a.base_name, u.name, a.credit_code, u.region_code, 'venue', a.recommender_id,
       2021, 2025, '2021-11-10', '{}', 'x', '0123456789abcdef'
FROM applications a JOIN applicant_units u ON u.id = a.applicant_id;
SQL

rss() { awk -v k="$1:" '$1 == k { print int($2 / 1024) }' "/proc/$pid/status"; }
# kpjdd's CPU time so far, in clock ticks (utime + stime; the name has no spaces)
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

# One fresh kpjdd, one download of batch $1's print file.
measure() {
  local code=$1 log=$tmp/kpjdd.log url id out
  KPJD_DB_CONNINFO=$conninfo KPJD_HTTP_LISTEN=127.0.0.1:0 KPJD_WEB_ROOT="$PWD/web" \
    "$bin" serve 2>"$log" &
  pid=$!
  for _ in $(seq 100); do
    url=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$log" 2>/dev/null || true)
    [[ -n $url ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  [[ -n $url ]] || { echo "bench: kpjdd did not listen" >&2; exit 1; }
  id=$(sql -U kpjd -d "$db" -Atc "SELECT id FROM batches WHERE code = '$code'")
  local before cpu0; before=$(rss VmRSS) cpu0=$(ticks)
  out=$(curl -sf -o "$tmp/print.pdf" -w '%{time_total} %{size_download}' \
             -H "Authorization: Bearer $token" "$url/api/v1/batches/$id/certificates.pdf")
  local peak file cpu; peak=$(rss VmHWM) file=$(rss RssFile) cpu=$(( $(ticks) - cpu0 ))
  local pages; pages=$(pdfinfo "$tmp/print.pdf" | awk '$1 == "Pages:" { print $2 }')
  read -r secs bytes <<<"$out"
  awk -v p="$pages" -v s="$secs" -v b="$bytes" -v r0="$before" -v r1="$peak" -v f="$file" \
      -v c="$cpu" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    printf "%6d pages  %6.2f s (kpjdd CPU %5.2f s)  %5.1f MB  kpjdd RSS %3d MB before, peak %3d MB (%d MB of it files mapped: the fonts)\n",
           p, s, c / hz, b / 1048576, r0, r1, f }'
  stop
}

echo "== GET /api/v1/batches/{id}/certificates.pdf  (Release, a fresh kpjdd each)"
measure bench-100
measure bench-n
