#!/usr/bin/env bash
# Peer benchmark: genbench (bench/peer, Go) against PyTorch (bench/peer.py)
# on the same networks, batch sizes and optimiser, run side by side.
#
#   bench/peer.sh                      # pure-Go build (the default)
#   bench/peer.sh -tags openblas       # genbench built with OpenBLAS (cgo)
#   bench/peer.sh -reps 7 -steps 30 -cases mlp-large,mlp-tiny
#
# Each repeat runs the PyTorch program and then the genbench program (the
# order alternating between repeats), each timing every case; the table
# gives per-case medians over the repeats of each program's median step
# time, the ratio of those medians, and the median of the per-repeat
# ratios (each measured side by side in one repeat). Lower is better.
# PyTorch runs with one intra-op thread (torch.set_num_threads(1) and
# OPENBLAS_NUM_THREADS=1 / OMP_NUM_THREADS=1, since Debian's torch calls
# OpenBLAS); genbench uses GOMAXPROCS cores (all by default).
# Nothing is installed by this script.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
reps=5
steps=20
warmup=3
tags=""
cases=""
while [ $# -gt 0 ]; do
	case "$1" in
	-reps) reps=$2; shift 2 ;;
	-steps) steps=$2; shift 2 ;;
	-warmup) warmup=$2; shift 2 ;;
	-tags) tags=$2; shift 2 ;;
	-cases) cases=$2; shift 2 ;;
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "peer.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then
	cat >&2 <<-EOF
	peer.sh: PyTorch is not installed for $py. Install Debian's package first:
	    apt-get install -y python3-torch
	(this script does not install anything by itself)
	EOF
	exit 1
fi
if [[ ",$tags," == *",openblas,"* ]] && ! [ -e /usr/include/x86_64-linux-gnu/cblas.h ] && ! [ -e /usr/include/cblas.h ]; then
	echo "peer.sh: -tags openblas needs OpenBLAS's headers and library: apt-get install -y libopenblas-dev" >&2
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="$work/genbench-peer"
(cd "$root" && go build ${tags:+-tags "$tags"} -o "$bin" ./bench/peer)

args=(-steps "$steps" -warmup "$warmup")
[ -n "$cases" ] && args+=(-cases "$cases")

run_torch() { OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "$py" "$here/peer.py" -threads 1 "${args[@]}"; }
run_go() { "$bin" "${args[@]}"; }

echo "# genbench build: ${tags:-pure Go (default)}: $("$bin" -info); GOMAXPROCS=${GOMAXPROCS:-$(nproc)}"
echo "# PyTorch $("$py" -c 'import torch; print(torch.__version__)') with 1 thread"
echo "# $reps interleaved repeats, $steps timed steps per case and repeat ($warmup warm-up); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$reps"); do
	if [ $((r % 2)) -eq 1 ]; then
		run_torch | sed "s/^/$r torch /" >>"$work/raw"
		run_go | sed "s/^/$r go /" >>"$work/raw"
	else
		run_go | sed "s/^/$r go /" >>"$work/raw"
		run_torch | sed "s/^/$r torch /" >>"$work/raw"
	fi
	echo "# repeat $r/$reps done" >&2
done

# raw lines: repeat impl case<TAB>ms
awk -F'[ \t]+' '
function median(s,    n, a, i, j, t) {
	n = split(s, a, " ")
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	r = $1; impl = $2; c = $3; ms = $4
	if (!(c in seen)) { seen[c] = 1; order[++nc] = c }
	v[impl, c] = v[impl, c] " " ms
	t[r, impl, c] = ms
	reps[r] = 1
}
END {
	printf "%-16s %14s %14s %12s %16s\n", "case", "genbench_ms", "pytorch_ms", "ratio", "median_ratio"
	for (k = 1; k <= nc; k++) {
		c = order[k]; rs = ""
		for (r in reps) if (((r, "go", c) in t) && ((r, "torch", c) in t) && t[r, "torch", c] > 0) rs = rs " " t[r, "go", c] / t[r, "torch", c]
		g = median(v["go", c]); p = median(v["torch", c])
		printf "%-16s %14.3f %14.3f %12.2f %16.2f\n", c, g, p, g / p, median(rs)
	}
}' "$work/raw"
echo "# ratio = genbench/PyTorch of the medians; median_ratio = median over repeats of the ratio in each repeat"
echo "# sample-* cases time one sampling call: realnvp 10000 samples, vae 1000 (decoder + Bernoulli draws), made 100 (incremental sampler)"
