#!/usr/bin/env bash
# The expert assignment (lib/domain/assign.c) on pools of the programme's
# size and at the module's bounds, in a Release build (not the sanitized
# test build):
#   tests/bench/assign.sh [rounds]       (default 9; a few seconds)
# Builds only bench_assign, in build-types/Release (as ./dev build Release;
# BUILD=dir for another), then prints per case the median, fastest and
# slowest time of kp_assign_run and the loads it reached.  The issue's goal:
# 1,274 candidates x 5 experts of 300 with 2% conflicts in under 2 s.
# Not part of ./dev test: numbers depend on the machine, not on correctness.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
build=${BUILD:-build-types/Release}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_assign -j2 >/dev/null
"$build/tests/bench/bench_assign" "${1:-9}"
