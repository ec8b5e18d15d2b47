#!/usr/bin/env bash
# Regression check of the quick suite against experiments/baselines/quick.json.
#   .ci/regression-check.sh            build, run experiments/quick.yaml into a fresh
#                                      folder, then genbench check (exit 1 on a regression)
#   .ci/regression-check.sh --record   build, run, and write the baseline instead
# The results folder is results/quick-check (GENBENCH_CHECK_DIR), emptied first so
# that no record from older code is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
base=experiments/baselines/quick.json
out=${GENBENCH_CHECK_DIR:-results/quick-check}
record=0
[ "${1:-}" = --record ] && record=1
if [ "$record" = 0 ] && [ ! -f "$base" ]; then
	echo "regression-check: no $base yet; record it with: $0 --record" >&2
	exit 1
fi
# Always the default pure-Go build: the baseline was recorded with it, and
# float32 training over thousands of steps amplifies round-off, so an
# OpenBLAS build gives different (equally valid) numbers.
mkdir -p bin
go build -o bin/genbench ./cmd/genbench
rm -rf "$out"
# Exit 1 (a trial failed or diverged) is reported by check against the baseline.
bin/genbench run experiments/quick.yaml -o "$out" -q || [ $? -eq 1 ]
if [ "$record" = 1 ]; then
	bin/genbench baseline "$out" -o "$base" -examples # sidecars beside it, for check -test
	exit 0
fi
# JUnit XML and a Markdown summary for the CI server, beside the results.
# First the tolerance check, then the test mode: a one-sided paired test
# per trial against the baseline's per-example values (its sidecars in
# experiments/baselines/quick.examples/), failing only where it rejects.
status=0
bin/genbench check "$out" -baseline "$base" -junit "$out/check-junit.xml" -markdown "$out/check.md" || status=$?
bin/genbench check "$out" -baseline "$base" -test -junit "$out/check-test-junit.xml" -markdown "$out/check-test.md" || status=$?
exit $status
