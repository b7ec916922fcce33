#!/bin/sh
# Rebuilds the small committed fixture extracts in Tests/Fixtures/ from the shared golden files,
# with h5copy only (hdf5-tools), so no project code is involved in making them.
#
# usage: Tests/Fixtures/extract.sh [SHARED_FIXTURES_DIR]
#   default: $SPARNET_SHARED/fixtures if set, else ../shared/fixtures beside the repository root.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ $# -ge 1 ]; then
    source_dir=$1
elif [ -n "${SPARNET_SHARED:-}" ]; then
    source_dir=$SPARNET_SHARED/fixtures
else
    source_dir=$root/../shared/fixtures
fi
command -v h5copy >/dev/null || { echo "extract.sh: h5copy not found (apt-get install hdf5-tools)" >&2; exit 1; }
[ -d "$source_dir" ] || { echo "extract.sh: no fixtures folder at $source_dir" >&2; exit 1; }

# extract OUTPUT SOURCE OBJECT...: copies each object (recursively, with its attributes) from
# SOURCE to the same path in OUTPUT, creating intermediate groups (-p). Written to a temporary
# name first so a failure leaves no half-made extract behind.
extract() {
    output=$here/$1 source=$source_dir/$2
    shift 2
    [ -f "$source" ] || { echo "extract.sh: missing $source" >&2; exit 1; }
    rm -f "$output.tmp"
    for object in "$@"; do
        h5copy -p -i "$source" -o "$output.tmp" -s "$object" -d "$object"
    done
    mv "$output.tmp" "$output"
    echo "$output: $(wc -c < "$output") bytes"
}

# members GROUP FILE: the full paths of GROUP's datasets in FILE, leaving out the hourglass
# attention branches (`.att_func.`): they hold 92% of SPARNet A's parameters, and the whole
# three groups (5 MB) would be too big to commit.
members() {
    h5ls "$source_dir/$2/$1" | awk -v g="$1" '$NF != "Group" && $1 !~ /\.att_func\./ { print g "/" $1 }'
}

# h5copy copies objects, not attributes of the destination root, so the root attributes
# (`config`, `adam`, ...) of the source files are not part of the extracts.
extract adam_A.h5 sparnet_A.h5 $(members /weights sparnet_A.h5) \
    $(members /train/grads sparnet_A.h5) $(members /adam/weights_after_1_step sparnet_A.h5)
extract msd_D_resample.h5 msd_D.h5 /input /downsampled_input
