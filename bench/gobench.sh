#!/usr/bin/env bash
# Go benchmarks of two commits side by side: every family's train step
# and sampling (plus nn's), each commit's own benchmark code on its own
# model code, run interleaved (old, new, new, old, ...) so that drift of
# the machine falls on both, and compared with benchstat (time, bytes and
# allocations per op).
#
#   bench/gobench.sh OLD [NEW]         # NEW defaults to HEAD
#   bench/gobench.sh -count 6 -cpu 1 -benchtime 300ms -bench 'TrainStep|Sample' OLD
#
# Benchmarks present in only one commit are listed by benchstat without a
# comparison. benchstat comes from golang.org/x/perf (installed into
# $(go env GOPATH)/bin when missing; the module proxy serves it).
set -euo pipefail

count=6
cpu=1
bench=.
benchtime=300ms
while [ $# -gt 0 ]; do
	case "$1" in
	-count) count=$2; shift 2 ;;
	-cpu) cpu=$2; shift 2 ;;
	-bench) bench=$2; shift 2 ;;
	-benchtime) benchtime=$2; shift 2 ;;
	-*) echo "gobench: unknown flag $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "usage: bench/gobench.sh [-count N] [-cpu N] [-benchtime D] [-bench RE] OLD [NEW]" >&2; exit 2; }
old=$1
new=${2:-HEAD}
root=$(cd "$(dirname "$0")/.." && pwd)
pkgs=(./nn ./models/flow ./models/autoregressive ./models/vae ./models/gan ./models/glow ./models/iae)

bs=$(go env GOPATH)/bin/benchstat
if [ ! -x "$bs" ]; then
	go install golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
fi

work=$(mktemp -d)
trap 'cd "$root"; git worktree remove --force "$work/old" 2>/dev/null || true; git worktree remove --force "$work/new" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$root"
git worktree add -q --detach "$work/old" "$old"
git worktree add -q --detach "$work/new" "$new"

run() { # side
	local dir=$work/$1 have=()
	for p in "${pkgs[@]}"; do [ -d "$dir/$p" ] && have+=("$p"); done
	(cd "$dir" && go test -run '^$' -bench "$bench" -benchtime "$benchtime" -benchmem -count 1 -cpu "$cpu" "${have[@]}") |
		grep -E '^(Benchmark|pkg:|goos|goarch|cpu)' >>"$work/$1.txt"
}
echo "# $old ($(git rev-parse --short "$old")) against $new ($(git rev-parse --short "$new")), $count interleaved runs, -cpu $cpu -benchtime $benchtime; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$count"); do
	if [ $((r % 2)) -eq 1 ]; then run old; run new; else run new; run old; fi
	echo "# run $r/$count done" >&2
done
"$bs" old="$work/old.txt" new="$work/new.txt"
