#!/usr/bin/env bash
# Lighthouse performance scores of the first pages: /login, the landing page
# and the applicant's application form (signed in), served by a release
# kpjdd from this tree on a fresh database of ./dev's private cluster.
#
#   bash tests/bench/lighthouse.sh                       (mobile: simulated slow 4G phone)
#   FORM_FACTOR=desktop RUNS=5 bash tests/bench/lighthouse.sh
#
# Lighthouse comes from npm into tests/bench/lighthouse/node_modules (its own
# package.json and package-lock.json; not part of ./dev test) and runs on
# Debian's Chromium (CHROME_PATH, /usr/bin/chromium).  The JSON reports land
# in OUT (/tmp/kpjd-lighthouse).  Scores move a few points between runs and
# with what else the machine is doing: run it quiet.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/tests/bench/lighthouse
cd "$ROOT"

./dev build release >/dev/null
./dev db start
eval "$(./dev db env)"
if [[ ! -d $HERE/node_modules || $HERE/node_modules -ot $HERE/package-lock.json ]]; then
    (cd "$HERE" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

export KPJD_BIN=$ROOT/build/kpjdd KPJD_WEB_ROOT=$ROOT/web \
       KPJD_TEST_PGHOST=$PGHOST KPJD_TEST_PGPORT=$PGPORT \
       CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
exec node "$HERE/run.mjs"
