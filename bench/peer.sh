#!/usr/bin/env bash
# Peer benchmark: genbench (bench/peer, Go) against PyTorch (bench/peer.py)
# on the same networks, batch sizes and optimiser, run side by side.
#
#   bench/peer.sh                      # pure-Go build (the default)
#   bench/peer.sh -tags openblas       # genbench built with OpenBLAS (cgo)
#   bench/peer.sh -both                # the pure-Go and OpenBLAS builds in one table
#   bench/peer.sh -threads 1           # one thread on each side
#   bench/peer.sh -reps 7 -steps 30 -cases mlp-large,mlp-tiny
#
# Each repeat runs the PyTorch program and then each genbench build (the
# order alternating between repeats), each timing every case; the table
# gives per-case medians over the repeats of each program's median step
# time, the ratio of those medians, and the median of the per-repeat
# ratios (each measured side by side in one repeat). Lower is better.
# With -threads N both sides get N threads: PyTorch through
# torch.set_num_threads(N) and OPENBLAS_NUM_THREADS=N (Debian's torch
# calls OpenBLAS), genbench through GOMAXPROCS=N; its OpenBLAS build then
# runs as it does by default, OpenBLAS single-threaded and nn splitting
# the large products over the N goroutines (OpenBLAS's own threads spin
# between calls and take the cores from the Go code in between: with
# OPENBLAS_NUM_THREADS=2 PixelCNN's step took 288 ms against 147).
# Without -threads PyTorch has one thread and genbench all cores.
# Nothing is installed by this script.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
reps=5
steps=20
warmup=3
tags=""
cases=""
threads=""
both=0
while [ $# -gt 0 ]; do
	case "$1" in
	-reps) reps=$2; shift 2 ;;
	-steps) steps=$2; shift 2 ;;
	-warmup) warmup=$2; shift 2 ;;
	-tags) tags=$2; shift 2 ;;
	-cases) cases=$2; shift 2 ;;
	-threads) threads=$2; shift 2 ;;
	-both) both=1; shift ;;
	-h|--help) sed -n '2,21p' "$0"; exit 0 ;;
	*) echo "peer.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
if [ -n "$threads" ] && ! [[ "$threads" =~ ^[1-9][0-9]*$ ]]; then
	echo "peer.sh: -threads wants a positive integer, got $threads" >&2
	exit 2
fi

py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then
	cat >&2 <<-EOF
	peer.sh: PyTorch is not installed for $py. Install Debian's package first:
	    apt-get install -y python3-torch
	(this script does not install anything by itself)
	EOF
	exit 1
fi

# builds: name and go build tags of each genbench program.
if [ "$both" = 1 ]; then
	builds=(go openblas)
	tagsof=("$tags" "${tags:+$tags,}openblas")
elif [[ ",$tags," == *",openblas,"* ]]; then
	builds=(openblas)
	tagsof=("$tags")
else
	builds=(go)
	tagsof=("$tags")
fi
for t in "${tagsof[@]}"; do
	if [[ ",$t," == *",openblas,"* ]] && ! [ -e /usr/include/x86_64-linux-gnu/cblas.h ] && ! [ -e /usr/include/cblas.h ]; then
		echo "peer.sh: the OpenBLAS build needs OpenBLAS's headers and library: apt-get install -y libopenblas-dev" >&2
		exit 1
	fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in "${!builds[@]}"; do
	t=${tagsof[$i]}
	(cd "$root" && go build ${t:+-tags "$t"} -o "$work/peer-${builds[$i]}" ./bench/peer)
done

args=(-steps "$steps" -warmup "$warmup")
[ -n "$cases" ] && args+=(-cases "$cases")

pyThreads=${threads:-1}
run_torch() {
	OPENBLAS_NUM_THREADS=$pyThreads OMP_NUM_THREADS=$pyThreads MKL_NUM_THREADS=$pyThreads \
		"$py" "$here/peer.py" -threads "$pyThreads" "$@"
}
run_go() { # build, then peer's arguments
	local b=$1
	shift
	if [ -n "$threads" ]; then
		env -u OPENBLAS_NUM_THREADS -u OMP_NUM_THREADS GOMAXPROCS=$threads "$work/peer-$b" "$@"
	else
		"$work/peer-$b" "$@"
	fi
}

for b in "${builds[@]}"; do
	echo "# genbench $b build${tags:+ (tags $tags)}: $(run_go "$b" -info)"
done
echo "# $(run_torch -info)"
echo "# $reps interleaved repeats, $steps timed steps per case and repeat ($warmup warm-up); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$reps"); do
	if [ $((r % 2)) -eq 1 ]; then
		run_torch "${args[@]}" | sed "s/^/$r torch /" >>"$work/raw"
		for b in "${builds[@]}"; do run_go "$b" "${args[@]}" | sed "s/^/$r $b /" >>"$work/raw"; done
	else
		for b in "${builds[@]}"; do run_go "$b" "${args[@]}" | sed "s/^/$r $b /" >>"$work/raw"; done
		run_torch "${args[@]}" | sed "s/^/$r torch /" >>"$work/raw"
	fi
	echo "# repeat $r/$reps done" >&2
done

# raw lines: repeat impl case<TAB>ms
awk -F'[ \t]+' -v builds="${builds[*]}" '
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
	nb = split(builds, b, " ")
	printf "%-16s %12s", "case", "pytorch_ms"
	for (i = 1; i <= nb; i++) printf " %12s %8s %8s", b[i] "_ms", "ratio", "med_rat"
	printf "\n"
	for (k = 1; k <= nc; k++) {
		c = order[k]; p = median(v["torch", c])
		printf "%-16s %12.3f", c, p
		for (i = 1; i <= nb; i++) {
			rs = ""
			for (r in reps) if (((r, b[i], c) in t) && ((r, "torch", c) in t) && t[r, "torch", c] > 0) rs = rs " " t[r, b[i], c] / t[r, "torch", c]
			g = median(v[b[i], c])
			printf " %12.3f %8.2f %8.2f", g, g / p, median(rs)
		}
		printf "\n"
	}
}' "$work/raw"
echo "# ratio = genbench/PyTorch of the medians; med_rat = median over repeats of the ratio in each repeat"
echo "# sample-* cases time one sampling call: realnvp 10000 samples, vae 1000 (decoder + Bernoulli draws), made 100 (incremental sampler), glow 100, nsf 10000"
