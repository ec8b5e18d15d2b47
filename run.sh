#!/usr/bin/env bash
# The main job: build genbench, run the quick suite on embedded data and
# write its report. Usage:
#   ./run.sh                 quick suite (experiments/quick.yaml), a few minutes on 2 cores
#   ./run.sh SPEC.yaml ...   any other spec, e.g. experiments/mnist-binary.yaml (hours)
#   GENBENCH_JOBS=3 ./run.sh experiments/mnist-binary.yaml   3 trials at once whatever their size
#                            (default: one per core, trials with a large training step alone)
# Results go to results/<spec name>/; re-running continues an interrupted run.
set -euo pipefail
cd "$(dirname "$0")"

command -v go >/dev/null || { echo "run.sh: Go 1.26 is needed (https://go.dev/dl)" >&2; exit 2; }

tags=()
if [ "${GENBENCH_BLAS:-auto}" != "go" ] && [ -e /usr/lib/x86_64-linux-gnu/libopenblas.so ] && [ -f nn/gemm_openblas.go ]; then
	tags=(-tags openblas)
	echo "run.sh: building with OpenBLAS (GENBENCH_BLAS=go for the pure-Go build)" >&2
fi
mkdir -p bin
go build "${tags[@]}" -o bin/genbench ./cmd/genbench

specs=("$@")
[ ${#specs[@]} -gt 0 ] || specs=(experiments/quick.yaml)
status=0
for spec in "${specs[@]}"; do
	name=$(sed -n 's/^name:[[:space:]]*\([A-Za-z0-9._-]*\).*/\1/p' "$spec" | head -n 1)
	out="results/${name:-$(basename "$spec" .yaml)}"
	bin/genbench run "$spec" -o "$out" ${GENBENCH_JOBS:+-j "$GENBENCH_JOBS"} || status=$?
	if bin/genbench help 2>/dev/null | grep -q "genbench report"; then
		bin/genbench report "$out" -o "$out/report" && echo "report: $out/report/report.html"
	fi
	echo "results: $out/results.json"
done
exit $status
