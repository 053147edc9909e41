#!/usr/bin/env bash
# Corpus scale: the built-in dataset at 1,000,000 pairs of 32 px images, each stage its own process under
# /usr/bin/time -v (peak RSS and wall clock from there):
#   ingest  `mode ingest --pairs N --image-size 32` (images rendered and written a chunk at a time);
#   train   `MoDE.Bench scale-train RUN STEPS`: the tiny model's training over every pair, images read from the
#           mapped shards, then the same steps on an in-memory copy of a subset (the loader before shards), one process;
#   train-alone  the same, the mapped model alone: the memory of the train stage itself (one model, no reference copy);
#   eval    `MoDE.Bench scale-eval RUN`: that model's zero-shot classification on the run's built-in tasks.
# Usage: bench/scale.sh RUN_DIR [ingest] [train] [train-alone] [eval]   (no stage named: all three; PAIRS=1000000 STEPS=200 by default)
# The run needs about 3.1 GB of disk per million pairs. Prints one table row per stage; the logs are RUN_DIR.*.log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
run=$(realpath -m "${1:?usage: bench/scale.sh RUN_DIR [ingest] [train] [train-alone] [eval]}")
shift
stages=("${@:-ingest train eval}")
stages=(${stages[*]})
pairs=${PAIRS:-1000000}
steps=${STEPS:-200}

dotnet build "$root/src/MoDE.Cli" -c Release -v quiet -nologo | tail -1
dotnet build "$root/bench/MoDE.Bench" -c Release -v quiet -nologo | tail -1
mode=$(find "$root/src/MoDE.Cli/bin/Release/net10.0" -maxdepth 2 -name mode -type f | head -1)
bench=$(find "$root/bench/MoDE.Bench/bin/Release/net10.0" -maxdepth 2 -name MoDE.Bench -type f | head -1)

# measure NAME COMMAND...: runs the command under /usr/bin/time -v, its output to RUN_DIR.NAME.log, then prints
# NAME | command | wall | peak RSS.
measure() {
    local name=$1
    shift
    /usr/bin/time -v -o "$run.$name.time" "$@" > "$run.$name.log" 2>&1
    local wall rss
    wall=$(grep 'Elapsed (wall clock)' "$run.$name.time" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$run.$name.time" | awk '{printf "%.2f GB", $NF * 1024 / 1e9}')
    echo "| $name | \`$(basename "$1") ${*:2}\` | $wall | $rss |"
    grep -E '^(ingest: [0-9]+ pairs|scale-)' "$run.$name.log" || true
}

echo "| stage | command | wall | peak RSS |"
echo "|---|---|---|---|"
for stage in "${stages[@]}"; do
    case $stage in
        ingest) rm -rf "$run"; measure ingest "$mode" ingest --run "$run" --pairs "$pairs" --image-size 32 ;;
        train) measure train "$bench" scale-train "$run" "$steps" ;;
        train-alone) measure train-alone "$bench" scale-train "$run" "$steps" alone ;;
        eval) measure eval "$bench" scale-eval "$run" ;;
        *) echo "unknown stage '$stage' (ingest, train, train-alone, eval)" >&2; exit 2 ;;
    esac
done
