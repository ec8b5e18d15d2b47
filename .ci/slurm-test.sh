#!/usr/bin/env bash
# Integration test of genbench's Slurm support on a one-node Slurm cluster
# started here (no systemd needed):
#   1. installs Debian's Slurm and MUNGE if missing (apt-get; needs root),
#   2. starts munged, slurmctld and slurmd on localhost with a generated
#      key and a minimal slurm.conf, all under a temporary folder,
#   3. builds genbench, emits the Slurm script for a 4-trial sweep in 2
#      shards (genbench emit slurm), submits it and waits for the merge job,
#   4. checks that the merged results equal a local run of the same spec:
#      genbench check against a baseline of the local run, and genbench
#      merge of both folders, which refuses any trial whose non-timing
#      metrics differ at all,
#   5. stops the daemons.
# Exit status 0 when everything passed. Bounded: about a minute once Slurm
# is installed; the job waits at most GENBENCH_SLURM_TIMEOUT seconds (240).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"

timeout_s=${GENBENCH_SLURM_TIMEOUT:-240}
say() { echo "slurm-test: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (it starts slurmd and munged)"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
	say "installing Slurm and MUNGE"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi
command -v go >/dev/null || fail "Go is needed"

tmp=$(mktemp -d /tmp/genbench-slurm.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
	status=$?
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	done
	if [ "$status" -ne 0 ]; then
		for log in "$tmp"/*.log "$tmp"/out/logs/*; do
			[ -f "$log" ] || continue
			echo "----- $log (last 40 lines)" >&2
			tail -n 40 "$log" >&2
		done
	fi
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# MUNGE with its own key, socket and files.
mkdir -p "$tmp/munge"
chmod 700 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge/munge.key"
munged --force --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.socket" \
	--pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munge/munged.seed"
for _ in $(seq 50); do [ -s "$tmp/munge/munged.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$tmp/munge/munged.pid")")
munge --socket="$tmp/munge/munge.socket" -n | unmunge --socket="$tmp/munge/munge.socket" >/dev/null || fail "munge does not work"

# A one-node cluster on free ports.
port=$((20000 + RANDOM % 20000))
mkdir -p "$tmp/state" "$tmp/spool"
export SLURM_CONF="$tmp/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=genbench
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=localhost NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=2 RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -c -f "$SLURM_CONF" >>"$tmp/slurmctld.log" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >>"$tmp/slurmd.log" 2>&1 &
pids+=($!)
say "waiting for the node"
state=""
for _ in $(seq 60); do
	state=$(sinfo -h -N -o %T 2>/dev/null | head -n 1 || true)
	case "$state" in
	idle) break ;;
	down* | drain*) scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true ;;
	esac
	sleep 1
done
[ "$state" = idle ] || fail "the node is not idle after 60 s (state: '${state:-none}')"
say "node idle"

# genbench, a 4-trial sweep, and the emitted job.
go build -o "$tmp/genbench" ./cmd/genbench
cat >"$tmp/spec.yaml" <<'EOF'
name: slurm-test
seeds: [1, 2]
datasets:
  - {name: ring8, std: 0.1, n_train: 512, n_valid: 256, n_test: 256}
models:
  - {name: nvp, type: realnvp, params: {layers: 2, hidden: 8}}
train: {batch_size: 64, epochs: 3, lr: 3e-3}
eval: {metrics: [nll, true_nll, mode_coverage, sampling_speed], samples: 200, speed_batch: 100, speed_repeats: 2}
sweep:
  axes:
    - {path: models.nvp.params.hidden, values: [4, 8]}
EOF
"$tmp/genbench" emit slurm "$tmp/spec.yaml" -o "$tmp/out" -shards 2 -cpus 1 -mem 500M -time 00:05:00 \
	-partition debug -bin "$tmp/genbench" -script "$tmp/submit.sh"
say "submitting"
GENBENCH_WAIT=1 timeout "$timeout_s" bash "$tmp/submit.sh" || fail "the Slurm jobs failed or timed out"
[ -f "$tmp/out/results.json" ] && [ -s "$tmp/out/summary.txt" ] || fail "no merged results.json or summary.txt"
squeue -h | grep -q . && fail "jobs still queued: $(squeue -h)"
case "$("$tmp/genbench" help)" in
*"genbench report"*) [ -d "$tmp/out/report" ] || fail "the merge job wrote no report" ;;
esac
say "jobs done:"
"$tmp/genbench" summary "$tmp/out" -metrics test_nll,modes_covered | sed 's/^/    /' >&2

# The same spec locally: the merged cluster results must match.
"$tmp/genbench" run "$tmp/spec.yaml" -o "$tmp/local" -q -j 1 >/dev/null
"$tmp/genbench" baseline "$tmp/local" -o "$tmp/baseline.json" >/dev/null
"$tmp/genbench" check "$tmp/out" -baseline "$tmp/baseline.json" || fail "the cluster results do not match the local run"
"$tmp/genbench" merge "$tmp/same" "$tmp/local" "$tmp/out" | grep -q "merged 4 trials (4 identical duplicates)" ||
	fail "the cluster and local results are not identical"
say "ok: 4 trials in 2 shards on Slurm, merged, identical to a local run"
