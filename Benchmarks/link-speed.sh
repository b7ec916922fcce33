#!/usr/bin/env bash
# What slow links cost a data-parallel step: 2 hosts × 1 rank, each host a network namespace
# (Launch/netns-cluster.sh, every message over TCP on a veth pair through a bridge), links
# unshaped, then limited to 10 and 1 Gbit/s (tc tbf both ways). Per link rate, in one run so
# that all see the same load, alternated over --rounds:
#   - the raw ring allreduce (RingReduction's algorithm in C, built here with mpicc) against
#     message size, for the α–β fit t = 2(p−1)α + 2(p−1)/p·n·β;
#   - bench --workload generator-train (SPARNet, --batch 4 per rank) at several
#     distributed.bucket_mb (unshaped: 25 only);
#   - the SPARNet forward alone (inference, same batch and threads), unshaped, so that the
#     step's backward and Adam are the step less it;
#   - after the rounds, bench --workload hd-step (SPARNetHD, --batch 1 per rank, fewer
#     repeats) at bucket 25 MiB on each link rate (skip with --no-hd).
# One BLAS thread per rank (bench --threads 1), OPENBLAS_CORETYPE=SkylakeX unless set. Root
# only (namespaces and tc). The cluster is always taken down, also on error or ^C. Rank 0's
# JSON lines, tagged with "link" and "round", go to stdout and FILE (default
# link-speed.jsonl); at the end a summary: the α–β fit per link rate and, per configuration,
# the medians over the rounds.
#
#   Benchmarks/link-speed.sh [--rounds 2] [--repeats 5] [--hd-repeats 2] [--no-hd] [--out FILE]
#   Benchmarks/link-speed.sh --summary FILE     the summary of an earlier run's FILE only
# SPARNET_DIST=path runs another binary than .build/release/sparnet-dist.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${SPARNET_DIST:-$root/.build/release/sparnet-dist}
cluster=$root/Launch/netns-cluster.sh
rounds=2 repeats=5 hd_repeats=2 hd=1 out=link-speed.jsonl summary_only=0
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --hd-repeats) hd_repeats=$2; shift 2 ;;
    --no-hd) hd=0; shift ;;
    --out) out=$2; shift 2 ;;
    --summary) out=$2; summary_only=1; shift 2 ;;
    *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
# The medians over the rounds of each figure, and the fit t = 2(p−1)α + 2(p−1)/p·n·β of the
# ring's times (least squares on relative error, so that the small sizes fix α).
summarize() {
  python3 - "$out" << 'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
med = statistics.median
links = ["none", "10gbit", "1gbit"]

def fit(p, t):
    """α, β of t = 2(p−1)α + 2(p−1)/p·n·β by least squares on relative error."""
    xy = [(2 * (p - 1) / t[n], 2 * (p - 1) / p * n / t[n]) for n in t]
    sxx, syy = sum(x * x for x, _ in xy), sum(y * y for _, y in xy)
    sxy, sx, sy = sum(x * y for x, y in xy), sum(x for x, _ in xy), sum(y for _, y in xy)
    det = sxx * syy - sxy * sxy
    return (sx * syy - sy * sxy) / det, (sy * sxx - sx * sxy) / det

print("ring allreduce: link, of the repeats' medians or minima (median over rounds): α, β (its Gbit/s), seconds per size")
for link in links:
    ring = [r for r in rows if r["figure"] == "ring_allreduce" and r["link"] == link]
    if not ring:
        continue
    sizes = sorted({r["bytes"] for r in ring})
    for figure in ["median_s", "min_s"]:
        t = {n: med([r[figure] for r in ring if r["bytes"] == n]) for n in sizes}
        alpha, beta = fit(ring[0]["ranks"], t)
        # The large messages' β alone: the slope between the two largest sizes.
        n1, n2 = sizes[-2:]
        slope = (t[n2] - t[n1]) / ((n2 - n1) * 2 * (ring[0]["ranks"] - 1) / ring[0]["ranks"])
        print(f"{link:7} {figure:8} α {alpha * 1e6:7.1f} µs  β {beta * 1e9:6.3f} ns/B ({8 / beta / 1e9:5.2f} Gbit/s)  "
              f"slope {slope * 1e9:6.3f} ns/B  " + "  ".join(f"{n >> 10}K {t[n]:.3g}" for n in sizes))
fits = {}
for link in links:
    ring = [r for r in rows if r["figure"] == "ring_allreduce" and r["link"] == link]
    if ring:
        sizes = sorted({r["bytes"] for r in ring})
        fits[link] = fit(ring[0]["ranks"], {n: med([r["median_s"] for r in ring if r["bytes"] == n]) for n in sizes})

def buckets(count, bucket_bytes, minimum=1 << 20):
    """GradientReducer.bucketStarts: bucket sizes in floats, from the arena's end."""
    largest = max(bucket_bytes // 4, 1)
    smallest = min(largest, minimum // 4)
    sizes, end = [], count
    while end > 0:
        size = largest if end > largest else (end + 1) // 2 if end > 2 * smallest else end
        sizes.append(min(size, end))
        end -= sizes[-1]
    return sizes

# The ring at scale: t = Σ over buckets of 2(p−1)α + 2(p−1)/p·bytes·β, α of the 10gbit fit
# and β = 8/rate ÷ the efficiency the 10gbit fit showed (its Gbit/s ÷ 10).
if "10gbit" in fits:
    alpha, beta10 = fits["10gbit"]
    efficiency = 8 / beta10 / 10e9
    models = {}
    for r in rows:
        if r.get("workload") == "generator-train":
            models["SPARNet"] = int(r["parameters"])
        if r.get("workload") == "hd-step":
            models["SPARNetHD G+D"] = r["generator_parameters"] + r["discriminator_parameters"]
    print(f"ring at scale, 25 MiB buckets: α {alpha * 1e6:.1f} µs, link efficiency {efficiency:.0%}; "
          "model, Gbit/s, ranks: seconds (latency part + bandwidth part), buckets")
    for model, count in models.items():
        k = len(buckets(count, 25 << 20))
        for rate in [10e9, 100e9]:
            beta = 8 / rate / efficiency
            for p in [2, 8, 64, 512]:
                latency, bandwidth = 2 * (p - 1) * alpha * k, 2 * (p - 1) / p * count * 4 * beta
                # Hierarchical: 8 ranks a node sum in shared memory, the ring runs over the nodes.
                nodes = max(p // 8, 1)
                node_ring = 2 * (nodes - 1) * alpha * k + 2 * (nodes - 1) / nodes * count * 4 * beta if nodes > 1 else 0
                print(f"  {model:14} {rate / 1e9:4.0f} {p:4}: {latency + bandwidth:7.3f} s "
                      f"({latency:.3f} + {bandwidth:.3f}), {k} buckets, {2 * (p - 1)} ring steps each; "
                      f"over {nodes} nodes of 8: {node_ring:.3f} s, {2 * (nodes - 1)} steps")
print("bench, medians over rounds: workload, link, bucket MiB, step s, wait s, wait share, images/s, "
      "step ÷ unshaped, rank 0's CPU s per step (each round's step s)")
for workload in ["generator-forward", "generator-train", "hd-step"]:
    runs = [r for r in rows if r.get("workload") == workload]
    base = [r["median_s"] for r in runs if r["link"] == "none"]
    for li, bucket in sorted({(links.index(r["link"]), r.get("bucket_mb", 0)) for r in runs}):
        group = [r for r in runs if r["link"] == links[li] and r.get("bucket_mb", 0) == bucket]
        step = med([r["median_s"] for r in group])
        wait = med([r.get("median_allreduce_wait_s", 0) for r in group])
        share = med([r.get("allreduce_wait_fraction", 0) for r in group])
        images = med([r["images_per_s"] for r in group])
        cpu = med([r["median_cpu_s"] for r in group])
        each = " ".join(f"{r['median_s']:.3f}" for r in group)
        print(f"{workload:17} {links[li]:7} {bucket:5g} {step:8.3f} {wait:7.3f} {share:6.1%} {images:7.2f} "
              f"{step / med(base):5.2f} {cpu:7.3f}  ({each})")
PY
}
if [ "$summary_only" = 1 ]; then
  summarize
  exit 0
fi

[ "$(id -u)" = 0 ] || { echo "error: network namespaces need root" >&2; exit 1; }
[ -x "$bin" ] || { echo "error: no $bin (swift build -c release --product sparnet-dist)" >&2; exit 1; }
command -v mpicc > /dev/null || { echo "error: mpicc (Open MPI's compiler wrapper) is not installed" >&2; exit 1; }

export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
name=ls$(( $$ % 100000 ))
work=$(mktemp -d)
trap '"$cluster" down "$name" > /dev/null 2>&1 || true; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# RingReduction's ring (Sources/Collectives/RingReduction.swift): size − 1 reduce-scatter
# steps, then size − 1 allgather steps, one MPI_Isend and one MPI_Irecv of a 1/size chunk
# each; the slowest rank's time per size, median over the repeats after one warm-up.
cat > "$work/ring.c" << 'EOF'
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
static int ascending(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}
int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  for (int a = 1; a < argc; a++) {
    long bytes = atol(argv[a]), n = bytes / 4, base = n / size, extra = n % size;
    int repeats = bytes <= (1 << 20) ? 30 : bytes <= (16 << 20) ? 10 : 5;
    float *values = malloc(n * sizeof(float)), *received = malloc((base + 1) * sizeof(float));
    for (long i = 0; i < n; i++) values[i] = rank + i % 7;
    double seconds[32];
    for (int k = -1; k < repeats; k++) {
      MPI_Barrier(MPI_COMM_WORLD);
      double start = MPI_Wtime();
      for (int s = 0; s < 2 * (size - 1); s++) {
        int scattering = s < size - 1, step = scattering ? s : s - (size - 1);
        int sent = (((scattering ? rank - step : rank + 1 - step) % size) + size) % size;
        int into = (((rank - step - (scattering ? 1 : 0)) % size) + size) % size;
        long s0 = sent * base + (sent < extra ? sent : extra), sn = base + (sent < extra);
        long r0 = into * base + (into < extra ? into : extra), rn = base + (into < extra);
        MPI_Request requests[2];
        MPI_Irecv(scattering ? received : values + r0, rn, MPI_FLOAT, (rank + size - 1) % size, 7,
                  MPI_COMM_WORLD, &requests[0]);
        MPI_Isend(values + s0, sn, MPI_FLOAT, (rank + 1) % size, 7, MPI_COMM_WORLD, &requests[1]);
        MPI_Waitall(2, requests, MPI_STATUSES_IGNORE);
        if (scattering) for (long i = 0; i < rn; i++) values[r0 + i] += received[i];
      }
      double local = MPI_Wtime() - start, slowest;
      MPI_Allreduce(&local, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      if (k >= 0) seconds[k] = slowest;
    }
    qsort(seconds, repeats, sizeof(double), ascending);
    if (rank == 0)
      printf("{\"figure\":\"ring_allreduce\",\"ranks\":%d,\"bytes\":%ld,\"repeats\":%d,"
             "\"median_s\":%.6e,\"min_s\":%.6e,\"max_s\":%.6e}\n",
             size, bytes, repeats, seconds[repeats / 2], seconds[0], seconds[repeats - 1]);
    fflush(stdout);
    free(values);
    free(received);
  }
  MPI_Finalize();
  return 0;
}
EOF
mpicc -O2 -o "$work/ring" "$work/ring.c"
: > "$out"

hostfile=$("$cluster" up "$name" 2 1)
# mpirun on host 1; Open MPI starts the rank of host 2 through the cluster's agent.
on_cluster() {
  "$cluster" exec "$name" 1 mpirun --hostfile "$hostfile" -n 2 --allow-run-as-root -x OPENBLAS_CORETYPE "$@"
}
# The JSON lines (rank 0's; generator-forward, a single-process workload, prints one a rank),
# tagged with the link rate and round.
record() {
  local link=$1 round=$2
  shift 2
  echo "# link $link, round $round: $*" >&2
  on_cluster "$@" | grep '^{' | sed "s/^{/{\"link\":\"$link\",\"round\":$round,/" | tee -a "$out"
}
# One untimed ring first: a fresh cluster's first messages wait for neighbour discovery.
on_cluster "$work/ring" 4096 > /dev/null
sizes="4096 65536 1048576 4194304 16777216 67108864"
bench=("$bin" bench --threads 1 --no-count-allocations)

for round in $(seq 1 "$rounds"); do
  for link in none 10gbit 1gbit; do
    "$cluster" shape "$name" "$link"
    record "$link" "$round" "$work/ring" $sizes
    if [ "$link" = none ]; then
      buckets="25"
      record "$link" "$round" "${bench[@]}" --workload generator-forward --batch 4 --repeats "$repeats"
    else
      buckets="1 4 25 100"
    fi
    for bucket in $buckets; do
      record "$link" "$round" "${bench[@]}" --workload generator-train --batch 4 --repeats "$repeats" \
        --set distributed.bucket_mb="$bucket"
    done
  done
done
if [ "$hd" = 1 ]; then
  for link in none 10gbit 1gbit; do
    "$cluster" shape "$name" "$link"
    record "$link" 1 "${bench[@]}" --workload hd-step --batch 1 --repeats "$hd_repeats" --set distributed.bucket_mb=25
  done
fi
summarize
