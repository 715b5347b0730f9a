#!/usr/bin/env bash
# deploy/slurm/sweep.sbatch on a real single-node Slurm cluster started here (slurm_cluster.sh):
#   1. an uninterrupted job: a benchmark sweep with CPU workers; `clipglass inspect` shows it done
#      and its archive equals the same sweep run by `clipglass run` in one process;
#   2. an interrupted job: the pre-time-limit SIGTERM to the batch shell (what --signal=B:TERM
#      sends) makes the coordinator checkpoint and the script requeue the job; later
#      `scontrol requeue` (preemption) stops it again; each restart resumes, and the final archive
#      equals the uninterrupted one bit for bit.
# Exit 77 (skipped) without root or without Slurm's daemons.
#
#   slurm_sweep_test.sh CLIPGLASS_BIN ARCHIVES_EQUAL_BIN SOURCE_DIR
set -euo pipefail

bin=$1
archives_equal=$2
source_dir=$3

if [ "$(id -u)" -ne 0 ] || ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null; then
  echo "SKIP: needs root and Slurm (slurmctld slurmd slurm-client; deploy/install-deps.sh)"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/clipglass-slurm-test.XXXXXX")
cluster="$work/cluster"
cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "---- logs ($work)"
    for f in "$work"/*.log "$work"/*/*.out "$work"/*/*.err "$cluster"/slurmctld.log; do
      [ -f "$f" ] && {
        echo "== $f"
        tail -n 30 "$f"
      }
    done
  fi
  scancel --full "${job_ids[@]:-0}" 2>/dev/null || true
  "$source_dir/tests/deploy/slurm_cluster.sh" stop "$cluster" || true
  [ "$rc" -eq 0 ] && rm -rf "$work"
  exit "$rc"
}
job_ids=()
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

"$source_dir/tests/deploy/slurm_cluster.sh" start "$cluster"
export SLURM_CONF="$cluster/slurm.conf"

# The sweep: 2 runs x 2 islands x pop 12 x 12 generations of ZDT1, answered by the workers.
sweep=(--benchmark zdt1 --seeds 2 --islands 2 --pop 12 --generations 12)

job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
restarts() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p'; }
# Waits until the job's state is one of the given ones; prints it.
wait_state() {
  local job=$1 seconds=$2
  shift 2
  local state
  for _ in $(seq 1 $((seconds * 5))); do
    state=$(job_state "$job")
    for want in "$@"; do
      [ "$state" = "$want" ] && {
        echo "$state"
        return 0
      }
    done
    sleep 0.2
  done
  fail "job $job is $state after ${seconds}s, expected one of: $*"
}
# Waits until the archive exists and records at least `gens` generations done in total.
wait_progress() {
  local archive=$1 gens=$2
  for _ in $(seq 1 300); do
    if [ -f "$archive" ]; then
      done_gens=$("$bin" inspect "$archive" --json 2>/dev/null |
        /usr/bin/python3 -c 'import json,sys; print(sum(r["generations_done"] for r in json.load(sys.stdin)["runs"]))' \
          2>/dev/null || echo 0)
      [ "${done_gens:-0}" -ge "$gens" ] && return 0
    fi
    sleep 0.2
  done
  fail "$archive: fewer than $gens generations after 60 s"
}
# True when `clipglass inspect` shows the sweep and each of its runs done.
sweep_done() {
  "$bin" inspect "$1" --json | /usr/bin/python3 -c 'import json,sys
s = json.load(sys.stdin)
ok = s["state"] == "done" and len(s["runs"]) == 2 and all(
    r["state"] == "done" and r["generations_done"] == r["generations_total"] for r in s["runs"])
sys.exit(0 if ok else 1)'
}
submit() {
  local name=$1
  shift
  mkdir -p "$work/$name"
  sbatch --parsable --chdir="$work/$name" --output="$work/$name.log" --ntasks=3 "$@" \
    "$source_dir/deploy/slurm/sweep.sbatch" "${sweep[@]}" --checkpoint-seconds 0.2
}

echo "== reference: clipglass run in one process"
"$bin" run "${sweep[@]}" --workers 1 --quiet --out "$work/reference.h5" >/dev/null

echo "== 1. uninterrupted job (${SECONDS}s)"
job=$(CLIPGLASS_BIN="$bin" CLIPGLASS_ARCHIVE="$work/plain/sweep.h5" submit plain)
job_ids+=("$job")
state=$(wait_state "$job" 120 COMPLETED FAILED CANCELLED TIMEOUT)
[ "$state" = COMPLETED ] || fail "job $job ended $state"
grep -q "coordinator exited with 0, archive state 'done'" "$work/plain.log" ||
  fail "the job log does not report a done archive"
sweep_done "$work/plain/sweep.h5" || fail "clipglass inspect does not show every run done"
"$archives_equal" "$work/plain/sweep.h5" "$work/reference.h5" >"$work/equal-plain.log" ||
  fail "the Slurm archive differs from the one-process run (see $work/equal-plain.log)"

echo "== 2. interrupted twice, resumed twice (${SECONDS}s)"
archive="$work/requeue/sweep.h5"
job=$(CLIPGLASS_BIN="$bin" CLIPGLASS_ARCHIVE="$archive" \
  CLIPGLASS_WORKER_ARGS="--benchmark-delay-ms 150 --batch 6" submit requeue)
job_ids+=("$job")
wait_state "$job" 60 RUNNING >/dev/null
wait_progress "$archive" 4
# What Slurm sends 120 s before the time limit (--signal=B:TERM@120): SIGTERM to the batch shell
# alone (`scancel --batch` would signal its children, the sruns, too).
shell_pid=$(pgrep -f "job0*$job/slurm_script" | head -n 1)
[ -n "$shell_pid" ] || fail "no batch shell of job $job found"
kill -TERM "$shell_pid"
for _ in $(seq 1 300); do
  [ "$(restarts "$job")" = 1 ] && break
  sleep 0.2
done
[ "$(restarts "$job")" = 1 ] || fail "job $job was not requeued by its script after SIGTERM"
grep -q "requeueing" "$work/requeue.log" || fail "the script did not say it requeued"
# Released again (a requeued job waits for its begin time), running, resumed from the archive.
scontrol release "$job" 2>/dev/null || true
wait_state "$job" 120 RUNNING >/dev/null
wait_progress "$archive" 14
total=$("$bin" inspect "$archive" --json | /usr/bin/python3 -c \
  'import json,sys; print(sum(r["generations_total"] for r in json.load(sys.stdin)["runs"]))')
# Preemption or an administrator: every step gets SIGTERM, the job goes back to the queue.
echo "== requeue by scontrol (${SECONDS}s)"
scontrol requeue "$job"
for _ in $(seq 1 300); do
  [ "$(restarts "$job")" = 2 ] && break
  sleep 0.2
done
[ "$(restarts "$job")" = 2 ] || fail "scontrol requeue did not requeue job $job"
scontrol release "$job" 2>/dev/null || true
state=$(wait_state "$job" 180 COMPLETED FAILED CANCELLED TIMEOUT)
[ "$state" = COMPLETED ] || fail "job $job ended $state after its requeues"
[ "$(grep -c 'resuming' "$work/requeue.log")" -ge 2 ] ||
  fail "the job did not resume from its archive on both restarts"
done_before_end=$(grep -c "archive state 'interrupted'" "$work/requeue.log" || true)
[ "$done_before_end" -ge 1 ] || fail "no start of the job ended with a checkpointed archive"
sweep_done "$archive" || fail "clipglass inspect does not show the resumed archive done"
"$archives_equal" "$archive" "$work/reference.h5" >"$work/equal-requeue.log" ||
  fail "the resumed archive differs from the uninterrupted one (see $work/equal-requeue.log)"
echo "OK (${SECONDS}s): uninterrupted and twice-requeued Slurm sweeps ($total generations) equal the one-process run"
