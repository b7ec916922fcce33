#!/usr/bin/env bash
# Runs the issue-8 benchmark set of `sparnet-dist bench` (release build), once with the
# environment as it is and once with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (OpenBLAS's
# native kernel for this CPU). Prints one JSON line per figure, each tagged with
# "environment": "as-set" or "native"; the medians of one run are comparable with each other.
#
#   Benchmarks/run.sh [--repeats N] [--quick] [--only WORKLOAD] > results.jsonl
#
# --quick: the SPARNet workloads and the distributed comparison only (minutes, not half an hour).
set -euo pipefail
cd "$(dirname "$0")/.."

repeats=5 quick=0 only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --repeats) repeats="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    --only) only="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

swift build -c release >&2
bench=.build/release/sparnet-dist
cores=$(nproc)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# Runs one bench command line in the given environment, tagging each JSON line.
run() {
  local environment="$1"; shift
  local -a prefix=()
  [ "$environment" = native ] && prefix=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
  echo "bench ($environment): $*" >&2
  "${prefix[@]}" "$@" | sed "s/^{/{\"environment\":\"$environment\",/"
}

workloads() {
  local environment="$1"
  local -a common=(--repeats "$repeats" --threads "$cores")
  want() { [ -z "$only" ] || [ "$only" = "$1" ]; }
  want generator-train && run "$environment" $bench bench --workload generator-train --batch 8 "${common[@]}"
  want generator-train && run "$environment" $bench bench --workload generator-train --batch 16 "${common[@]}"
  want generator-forward && run "$environment" $bench bench --workload generator-forward --batch 16 "${common[@]}"
  if [ "$quick" = 0 ]; then
    want hd-generator && run "$environment" $bench bench --workload hd-generator --batch 1 "${common[@]}"
    want hd-discriminator && run "$environment" $bench bench --workload hd-discriminator --batch 1 "${common[@]}"
    want vgg && run "$environment" $bench bench --workload vgg --batch 1 "${common[@]}"
    want hd-step && run "$environment" $bench bench --workload hd-step --batch 1 "${common[@]}"
  fi
  # Scaling: the same global batch on one rank with every core, and on one rank per core
  # with one thread each (--bind-to none: Open MPI would pin a rank to one core).
  if want distributed; then
    run "$environment" $bench bench --workload generator-train --batch 8 --repeats "$repeats" --threads "$cores"
    run "$environment" mpirun --bind-to none --oversubscribe -n "$cores" \
      $bench bench --workload generator-train --batch $((8 / cores)) --repeats "$repeats" --threads 1
  fi
  if [ "$quick" = 0 ] && want loader; then
    run "$environment" $bench bench --workload loader --batch 8 --repeats "$repeats"
  fi
}

workloads as-set
# The native kernel, when the environment chose another (else the first pass was it).
[ -z "${OPENBLAS_CORETYPE:-}${OPENBLAS_L2_SIZE:-}" ] || workloads native
