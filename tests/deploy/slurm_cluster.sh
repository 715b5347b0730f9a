#!/usr/bin/env bash
# A single-node Slurm cluster in a folder, for tests: slurmctld + slurmd from Debian's packages
# (slurmctld slurmd slurm-client), no systemd, no munge (auth/none), state, spool, logs and pid
# files under DIR, free ports chosen at start. Needs root (slurmd runs jobs as their user).
#
#   tests/deploy/slurm_cluster.sh start DIR   # prints nothing; then: export SLURM_CONF=DIR/slurm.conf
#   tests/deploy/slurm_cluster.sh stop DIR    # stops both daemons by their pid files
#
# The node advertises 4 CPUs whatever the machine has (config_overrides), so a job of 1
# coordinator + 2 workers fits on a 2-core machine.
set -euo pipefail

action=${1:-}
dir=${2:-}
if [ -z "$action" ] || [ -z "$dir" ]; then
  echo "usage: slurm_cluster.sh start|stop DIR" >&2
  exit 2
fi

stop_daemon() {
  local pid_file=$1
  [ -f "$pid_file" ] || return 0
  local pid
  pid=$(cat "$pid_file")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$pid_file"
}

free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "slurm_cluster.sh: no free port found" >&2
  exit 1
}

case "$action" in
  stop)
    stop_daemon "$dir/slurmd.pid"
    stop_daemon "$dir/slurmctld.pid"
    ;;
  start)
    for tool in slurmctld slurmd sinfo; do
      command -v "$tool" >/dev/null || {
        echo "slurm_cluster.sh: $tool not found (deploy/install-deps.sh installs Slurm)" >&2
        exit 1
      }
    done
    [ "$(id -u)" -eq 0 ] || {
      echo "slurm_cluster.sh: slurmd needs root" >&2
      exit 1
    }
    mkdir -p "$dir/state" "$dir/spool"
    dir=$(cd "$dir" && pwd)
    host=$(hostname -s)
    memory=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
    ctld_port=$(free_port)
    slurmd_port=$(free_port)
    cat >"$dir/slurm.conf" <<EOF
ClusterName=clipglass-test
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/none
CredType=cred/none
# A requeued job may start again once its credential expired (default 120 s): keep tests short.
AuthInfo=cred_expire=10
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1,sched_interval=2
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
KillWait=30
MinJobAge=600
InactiveLimit=0
NodeName=$host CPUs=4 RealMemory=$memory State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -i -f "$dir/slurm.conf"
    slurmd -f "$dir/slurm.conf"
    for _ in $(seq 1 150); do
      if sinfo -h -o '%t' 2>/dev/null | grep -qx 'idle'; then
        exit 0
      fi
      sleep 0.2
    done
    echo "slurm_cluster.sh: the node did not become idle; sinfo says:" >&2
    sinfo >&2 || true
    tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
    exit 1
    ;;
  *)
    echo "usage: slurm_cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
