#!/usr/bin/env bash
# How the clusters of each fine count m vary with the clustering seed (docs/results.md, "m beyond 2048"): for each m
# and seed, ROOT/m<M>-s<SEED> gets BASE's pairs and embeddings as hard links, `mode cluster --fine M --experts N --seed
# SEED` runs in it, and bench/cluster_purity.py prints how well its fine and coarse clusters follow the built-in
# generator's labels and domains. Only clustering runs (no training), so the spread it shows is the clustering's alone.
# Usage: bench/cluster_seeds.sh BASE ROOT N "M..." "SEED..."   (BASE: a run with ingest and embed done, built-in data)
# Resumable: a finished clustering is skipped. Wall times: ROOT/m<M>-s<SEED>.time (/usr/bin/time -v).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
base=$(realpath "${1:?usage: bench/cluster_seeds.sh BASE ROOT N \"M...\" \"SEED...\"}")
out=$(realpath -m "${2:?usage: bench/cluster_seeds.sh BASE ROOT N \"M...\" \"SEED...\"}")
experts=${3:?N}
fines=(${4:?M...})
seeds=(${5:?SEED...})
mkdir -p "$out"
if [ ! -x "$out/bin/mode" ]; then
    dotnet publish "$root/src/MoDE.Cli" -c Release -o "$out/bin" -v quiet -nologo | tail -1
fi
runs=()
for m in "${fines[@]}"; do
    for seed in "${seeds[@]}"; do
        run="$out/m$m-s$seed"
        runs+=("$run")
        mkdir -p "$run"
        for folder in ingest pairs tasks embed; do
            [ -e "$run/$folder" ] || cp -al "$base/$folder" "$run/$folder"
        done
        rm -rf "$run/embed/chunks"
        /usr/bin/time -v -o "$run.time" "$out/bin/mode" cluster --run "$run" --fine "$m" --experts "$experts" --seed "$seed" | grep -v '^  expert'
    done
done
/usr/bin/python3 "$root/bench/cluster_purity.py" "${runs[@]}"
