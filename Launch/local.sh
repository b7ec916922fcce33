#!/usr/bin/env bash
# Train on one machine with N MPI ranks.
#
#   Launch/local.sh N CONFIG [train options…]
#   Launch/local.sh 2 Configs/quickstart.yaml --run-dir runs/quickstart
#
# Assumes: Open MPI's mpirun on PATH (Debian: openmpi-bin) and a release build
# (`swift build -c release`; override the binary with SPARNET_DIST=…). Each rank gets
# cores/N OpenBLAS threads (the config's distributed.blas_threads: auto) and is bound to its
# own cores when there are enough of them. As root, mpirun needs --allow-run-as-root, added here;
# more ranks than cores need --oversubscribe, also added when so.
# SIGTERM or Ctrl-C: every rank writes a checkpoint, however long that takes, and the script
# exits 0 (Launch/stop-with-checkpoint.sh); --resume auto continues the run.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 RANKS CONFIG [train options…]" >&2
  exit 2
fi
ranks=$1 config=$2
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=Launch/stop-with-checkpoint.sh
. "$here/Launch/stop-with-checkpoint.sh"
binary=${SPARNET_DIST:-$here/.build/release/sparnet-dist}
[ -x "$binary" ] || { echo "error: $binary not found; run 'swift build -c release' first" >&2; exit 2; }
[ -f "$config" ] || { echo "error: config $config not found" >&2; exit 2; }
cores=$(nproc)
options=()
[ "$(id -u)" = 0 ] && options+=(--allow-run-as-root)
if [ "$ranks" -gt "$cores" ]; then
  options+=(--oversubscribe --bind-to none)
else
  options+=(--map-by "slot:PE=$((cores / ranks))" --bind-to core)
fi
# Forward only the variables that are set (mpirun warns about the others).
for variable in OPENBLAS_CORETYPE HDF5_USE_FILE_LOCKING; do
  if [ -n "${!variable+set}" ]; then options+=(-x "$variable"); fi
done
run_mpirun -n "$ranks" "${options[@]}" "$binary" train --config "$config" "$@"
