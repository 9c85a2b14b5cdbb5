#!/usr/bin/env bash
# What a minimal wsviews server costs next to a tungstenite-only one: builds
# wsviews-echo/ (wsviews with default-features = false) and baseline-echo/
# (examples/baseline_echo.rs, tungstenite only) once each, in release, from a
# clean target directory of their own (target/minimal-echo/<crate>), and prints
# the number of crates, the build's wall-clock and CPU time, and the stripped
# binary size. docs/performance.md ("A minimal build") records a run.
#
#   bash scripts/minimal-echo/measure.sh
#
# One release build of each: about two CPU-minutes in all. Build times depend
# on the machine and its load; the CPU time (user + sys) is the steadier one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="$here/../../target/minimal-echo"
printf '| app | crates (with itself) | compiled | wall | CPU (user+sys) | stripped binary |\n'
printf '| --- | --: | --: | --: | --: | --: |\n'
for crate in wsviews-echo baseline-echo; do
    manifest="$here/$crate/Cargo.toml"
    crates=$(cargo tree --quiet --manifest-path "$manifest" -e normal --prefix none |
        sed 's/ (\*)$//' | sort -u | wc -l)
    dir="$target/$crate"
    rm -rf "$dir"
    log="$(mktemp)"
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$log.time" \
        cargo build --release --manifest-path "$manifest" --target-dir "$dir" 2>"$log"
    end=$(date +%s.%N)
    compiled=$(grep -c '^ *Compiling ' "$log")
    wall=$(echo "$end - $start" | bc)
    cpu=$(awk '{print $1 + $2}' "$log.time")
    strip -o "$dir/stripped" "$dir/release/$crate"
    size=$(stat -c %s "$dir/stripped")
    rm -f "$log" "$log.time"
    printf '| %s | %d | %d | %.0f s | %.0f s | %s bytes |\n' \
        "$crate" "$crates" "$compiled" "$wall" "$cpu" "$size"
done
