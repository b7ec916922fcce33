#!/usr/bin/env bash
# Train across several nodes with Open MPI.
#
#   Launch/cluster.sh HOSTFILE CONFIG [train options…]
#   Launch/cluster.sh Launch/hostfile.example Configs/sparnethd-ffhq.yaml --run-dir /shared/runs/hd
#
# Assumes: the same build of sparnet-dist at the same path on every node (or set
# SPARNET_DIST), passwordless ssh between nodes, the data and run directory on a shared file
# system (HDF5 on NFS: HDF5_USE_FILE_LOCKING=FALSE is exported to every rank), and Open MPI
# choosing the fabric (TCP by default; InfiniBand/UCX when present). Ranks = sum of slots.
# SIGTERM or Ctrl-C: every rank on every host writes a checkpoint, however long that takes,
# and the script exits 0 (Launch/stop-with-checkpoint.sh); --resume auto continues the run.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 HOSTFILE CONFIG [train options…]" >&2
  exit 2
fi
hostfile=$1 config=$2
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=Launch/stop-with-checkpoint.sh
. "$here/Launch/stop-with-checkpoint.sh"
binary=${SPARNET_DIST:-$here/.build/release/sparnet-dist}
[ -f "$hostfile" ] || { echo "error: hostfile $hostfile not found" >&2; exit 2; }
ranks=$(awk '!/^[[:space:]]*(#|$)/ { n = 1; for (i = 2; i <= NF; i++) if ($i ~ /^slots=/) { split($i, s, "="); n = s[2] } total += n } END { print total + 0 }' "$hostfile")
[ "$ranks" -gt 0 ] || { echo "error: $hostfile lists no slots" >&2; exit 2; }
options=()
[ "$(id -u)" = 0 ] && options+=(--allow-run-as-root)
export HDF5_USE_FILE_LOCKING=${HDF5_USE_FILE_LOCKING:-FALSE}
# Forward only the variables that are set (mpirun warns about the others).
for variable in HDF5_USE_FILE_LOCKING OPENBLAS_CORETYPE; do
  if [ -n "${!variable+set}" ]; then options+=(-x "$variable"); fi
done
run_mpirun -n "$ranks" --hostfile "$hostfile" "${options[@]}" "$binary" train --config "$config" "$@"
