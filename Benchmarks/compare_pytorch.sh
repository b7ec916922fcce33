#!/usr/bin/env bash
# Side by side, in one run: `sparnet-dist bench` and the released PyTorch reference
# (Benchmarks/pytorch_bench.py) on the same workloads, same threads, one workload after the
# other so both see the same machine. Neither torch nor the reference is committed here:
#
#   python3 -m venv ~/torch && ~/torch/bin/pip install torch numpy
#   git clone https://github.com/chaofengc/Face-SPARNet ~/Face-SPARNet
#   Benchmarks/compare_pytorch.sh --python ~/torch/bin/python --reference ~/Face-SPARNet \
#       [--jemalloc /usr/lib/x86_64-linux-gnu/libjemalloc.so.2] [--repeats N] [--quick] [--only WORKLOAD]
#
# Prints every JSON line (ours tagged "framework": "sparnet-dist" and "environment": as-set or
# native; PyTorch's with "allocator": default or jemalloc), then a Markdown table of medians
# and ratios. --quick: the SPARNet workloads only.
set -euo pipefail
cd "$(dirname "$0")/.."

python="" reference="" jemalloc="" repeats=5 quick=0 only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --python) python="$2"; shift 2 ;;
    --reference) reference="$2"; shift 2 ;;
    --jemalloc) jemalloc="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    --only) only="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "compare_pytorch.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$python" ] && [ -n "$reference" ] || { echo "compare_pytorch.sh: --python and --reference are required (see --help)" >&2; exit 2; }
"$python" -c 'import torch' 2>/dev/null || { echo "compare_pytorch.sh: $python cannot import torch" >&2; exit 2; }
[ -f "$reference/models/sparnet.py" ] || { echo "compare_pytorch.sh: $reference/models/sparnet.py not found: not a Face-SPARNet checkout" >&2; exit 2; }
[ -z "$jemalloc" ] || [ -f "$jemalloc" ] || { echo "compare_pytorch.sh: --jemalloc $jemalloc: no such file" >&2; exit 2; }

swift build -c release >&2
bench=.build/release/sparnet-dist
threads=$(nproc)
results=$(mktemp)
trap 'rm -f "$results"' EXIT

tag() { sed "s/^{/{$1,/" | tee -a "$results"; }

# workload, batch, then ours's extra arguments
compare() {
  local workload="$1" batch="$2"; shift 2
  [ -z "$only" ] || [ "$only" = "$workload" ] || return 0
  echo "== $workload, batch $batch" >&2
  $bench bench --workload "$workload" --batch "$batch" --repeats "$repeats" --threads "$threads" "$@" \
    | tag '"framework":"sparnet-dist","environment":"as-set"'
  # The native kernel, when the environment chose another (else the run above was it).
  [ -z "${OPENBLAS_CORETYPE:-}${OPENBLAS_L2_SIZE:-}" ] || env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    $bench bench --workload "$workload" --batch "$batch" --repeats "$repeats" --threads "$threads" "$@" \
    | tag '"framework":"sparnet-dist","environment":"native"'
  "$python" Benchmarks/pytorch_bench.py --reference "$reference" --workload "$workload" --batch "$batch" \
    --repeats "$repeats" --threads "$threads" | tee -a "$results"
  if [ -n "$jemalloc" ]; then
    # jemalloc as PyTorch's tuning guides set it: background purging, no decay of dirty pages.
    LD_PRELOAD="$jemalloc" MALLOC_CONF="background_thread:true,metadata_thp:auto,dirty_decay_ms:-1,muzzy_decay_ms:-1" \
      "$python" Benchmarks/pytorch_bench.py --reference "$reference" --workload "$workload" --batch "$batch" \
      --repeats "$repeats" --threads "$threads" | tee -a "$results"
  fi
}

compare generator-train 8
compare generator-train 16
compare generator-forward 16
if [ "$quick" = 0 ]; then
  compare hd-generator 1
  compare hd-discriminator 1
  compare vgg 1
  compare hd-step 1
fi

python3 - "$results" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    f = json.loads(line)
    key = (f["workload"], int(f["batch"]))
    name = f"{f['framework']} {f.get('environment') or f.get('allocator')}"
    rows.setdefault(key, {})[name] = f
print("\n| workload | batch | " + " | ".join(["sparnet-dist as-set", "sparnet-dist native", "PyTorch default", "PyTorch jemalloc"])
      + " | as-set ÷ PyTorch best | native ÷ PyTorch best |")
print("|---|---|---|---|---|---|---|---|")
for (workload, batch), figures in rows.items():
    def cell(name):
        f = figures.get(name)
        return f"{f['median_s']:.3f} s, {f['peak_rss_mib'] / 1024:.2f} GiB" if f else "—"
    torch = [f["median_s"] for n, f in figures.items() if n.startswith("pytorch")]
    best = min(torch) if torch else None
    def ratio(name):
        f = figures.get(name)
        return f"{f['median_s'] / best:.2f}" if f and best else "—"
    print(f"| {workload} | {batch} | {cell('sparnet-dist as-set')} | {cell('sparnet-dist native')} | "
          f"{cell('pytorch default')} | {cell('pytorch jemalloc')} | {ratio('sparnet-dist as-set')} | {ratio('sparnet-dist native')} |")
PY
