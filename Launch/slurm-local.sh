#!/usr/bin/env bash
# A one-node SLURM on this machine, to try Launch/slurm.sbatch before booking a cluster (and
# what the test suite runs it on): munged, slurmctld and slurmd with every file in DIR.
#
#   Launch/slurm-local.sh up DIR      # then: export SLURM_CONF=DIR/slurm.conf
#   SLURM_CONF=DIR/slurm.conf sbatch --ntasks=2 Launch/slurm.sbatch Configs/quickstart.yaml --run-dir runs/qs
#   Launch/slurm-local.sh down DIR
#
# Needs root and Debian's slurm-wlm and munge (apt-get install slurm-wlm munge). The daemons
# listen on 127.0.0.1 at SPARNET_SLURM_PORT and the next port (default 16817); MpiDefault is
# pmix, as Open MPI's srun launch needs; the node has this machine's cores.
set -euo pipefail
usage() { echo "usage: $0 up|down DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1 dir=$2

stop() {
  for daemon in slurmd slurmctld munged; do
    if [ -f "$dir/$daemon.pid" ]; then
      kill "$(cat "$dir/$daemon.pid")" 2>/dev/null || true
    fi
  done
  for daemon in slurmd slurmctld munged; do
    if [ -f "$dir/$daemon.pid" ]; then
      pid=$(cat "$dir/$daemon.pid")
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/$daemon.pid"
    fi
  done
}

case $action in
up)
  [ "$(id -u)" = 0 ] || { echo "error: $0 up needs root (the daemons run as root here)" >&2; exit 2; }
  for command in munged slurmctld slurmd; do
    command -v "$command" >/dev/null || PATH=$PATH:/usr/sbin
    command -v "$command" >/dev/null || { echo "error: $command not found (apt-get install slurm-wlm munge)" >&2; exit 2; }
  done
  # The daemons keep every descriptor they inherit open; a parent that waits for one of ours
  # to close (Foundation's Process does) would wait for them. Keep 0–2 and bash's own 255.
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ] && [ "$fd" -lt 255 ]; then eval "exec $fd>&-"; fi
  done
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  chmod 700 "$dir"
  mkdir -p "$dir/state" "$dir/spool"
  port=${SPARNET_SLURM_PORT:-16817}
  node=$(hostname -s)
  head -c 1024 /dev/urandom > "$dir/munge.key"
  chmod 400 "$dir/munge.key"
  munged --force --socket="$dir/munge.socket" --key-file="$dir/munge.key" --pid-file="$dir/munged.pid" \
         --log-file="$dir/munged.log" --seed-file="$dir/munge.seed"
  cat > "$dir/slurm.conf" <<EOF
ClusterName=sparnetlocal
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
MpiDefault=pmix
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
KillWait=600
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$dir/slurm.conf
  if ! slurmctld -i || ! slurmd -N "$node"; then
    echo "error: the SLURM daemons did not start; see $dir/slurmctld.log and $dir/slurmd.log" >&2
    stop
    exit 1
  fi
  for _ in $(seq 100); do
    if sinfo -h -o %t 2>/dev/null | grep -qx idle; then
      echo "SLURM is up: export SLURM_CONF=$dir/slurm.conf"
      exit 0
    fi
    sleep 0.2
  done
  echo "error: the node did not become idle within 20 s; see $dir/slurmctld.log and $dir/slurmd.log" >&2
  stop
  exit 1
  ;;
down)
  [ -d "$dir" ] || { echo "error: $dir not found" >&2; exit 2; }
  stop
  ;;
*)
  usage
  ;;
esac
