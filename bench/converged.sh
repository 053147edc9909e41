#!/usr/bin/env bash
# The converged regime (docs/results.md, "The converged regime"): the paper's 27/32 protocol on a schedule long enough
# for the seed's held-out loss to flatten, MoDE-4 and MoDE-2 against single, the equal-compute baseline of each, and one
# wider model (bench/converged/tiny-wide.json, 2x the parameters) trained for MoDE-4's total cost. Two lanes at once:
#   A. ROOT/mode4: `mode run --steps STEPS` (n = 4) on a copy of BASE's data, embeddings and clusters; while it trains, the
#      seed's and the baseline's checkpoints (every 100 steps) are copied to ROOT/snapshots, for the held-out curve.
#   B. ROOT/wide: the wide model alone, as the baseline of a run with MoDE-4's split, for WIDE_STEPS of its schedule, so
#      that its steps x its cost per step (COST, tiny = 1, measured with `MoDE.Bench train`) equal MoDE-4's seed + experts;
#      then ROOT/mode2's clusters (n = 2) and its equal-compute baseline, which need no seed.
# Then ROOT/wide-eval (ROOT/mode4 with the wide model as its baseline, scored by `mode eval`), ROOT/mode2's experts on
# MoDE-4's seed and single model (copied), and `MoDE.Bench held-out-curve`: the CLIP loss of every snapshot on fresh
# pairs of the built-in generator.
# Usage: [THREADS=1] bench/converged.sh BASE ROOT [STEPS]   (BASE: a finished default run, e.g. runs/synthetic-web; STEPS 1600)
# Every step is resumable: rerun the same command after an interruption. The binaries are copied to ROOT/bin first, so
# rebuilding the tree meanwhile changes nothing. Logs: ROOT/*.log; wall times: ROOT/*.time (/usr/bin/time -v).
# THREADS sets libtorch's threads per process (results are reproducible for a fixed count); with two lanes on 2 cores, 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
base=$(realpath "${1:?usage: bench/converged.sh BASE ROOT [STEPS]}")
out=$(realpath -m "${2:?usage: bench/converged.sh BASE ROOT [STEPS]}")
steps=${3:-1600}
cost=${COST:-1.84}
threads=(${THREADS:+--threads "$THREADS"})
export OMP_WAIT_POLICY=PASSIVE # libgomp's threads sleep instead of spinning when the cores are shared
mkdir -p "$out"

if [ ! -x "$out/bin/cli/mode" ]; then
    dotnet build "$root/src/MoDE.Cli" -c Release -v quiet -nologo | tail -1
    dotnet build "$root/bench/MoDE.Bench" -c Release -v quiet -nologo | tail -1
    mkdir -p "$out/bin"
    cp -r "$(dirname "$(find "$root/src/MoDE.Cli/bin/Release/net10.0" -maxdepth 2 -name mode -type f | head -1)")" "$out/bin/cli"
    cp -r "$(dirname "$(find "$root/bench/MoDE.Bench/bin/Release/net10.0" -maxdepth 2 -name MoDE.Bench -type f | head -1)")" "$out/bin/bench"
    git -C "$root" rev-parse HEAD > "$out/bin/commit"
fi
mode="$out/bin/cli/mode"
bench="$out/bin/bench/MoDE.Bench"

# copy_data FROM TO FOLDER...: the named stage folders of run FROM into run TO (skipped when TO has them).
copy_data() {
    local from=$1 to=$2
    shift 2
    mkdir -p "$to"
    for folder in "$@"; do [ -e "$to/$folder" ] || cp -r "$from/$folder" "$to/$folder"; done
}

# timed NAME COMMAND...: the command under /usr/bin/time -v, its output appended to ROOT/NAME.log.
timed() {
    local name=$1
    shift
    echo "$(date -u +%FT%TZ) $name: $*" | tee -a "$out/$name.log"
    /usr/bin/time -v -a -o "$out/$name.time" "$@" >> "$out/$name.log" 2>&1
    echo "$(date -u +%FT%TZ) $name: done" | tee -a "$out/$name.log"
}

# A. MoDE-4, with the snapshot watcher.
lane_a() {
    copy_data "$base" "$out/mode4" ingest pairs tasks embed cluster
    mkdir -p "$out/snapshots"
    (
        while true; do
            for model in seed baseline; do
                f="$out/mode4/train/$model.partial.ckpt"
                [ -f "$f" ] || continue
                id=$(stat -c %i-%Y "$f" 2>/dev/null) || continue
                [ -e "$out/snapshots/.$model-$id" ] && continue
                cp "$f" "$out/snapshots/$model.$id.ckpt.tmp" 2>/dev/null && mv "$out/snapshots/$model.$id.ckpt.tmp" "$out/snapshots/$model.$id.ckpt" && touch "$out/snapshots/.$model-$id"
            done
            sleep 2
        done
    ) &
    local watcher=$!
    timed mode4 "$mode" run --run "$out/mode4" --steps "$steps" "${threads[@]}"
    kill $watcher 2>/dev/null || true
}

# B. The wide model, then MoDE-2's clusters and baseline.
lane_b() {
    # MoDE-4's seed and expert steps, as the train stage computes them (Math.Round: to even)
    read -r seed_steps expert_steps < <(python3 -c "s = round($steps * 0.84375); print(s, $steps - s)")
    local target wide_steps
    target=$(python3 -c "print(round(($seed_steps + 4 * $expert_steps) / $cost))")
    # a schedule S whose baseline round(S * 27/32) + 4 * (S - round(S * 27/32)) is nearest the target
    wide_steps=$(python3 -c "
t = $target
print(min(range(2, 4 * t), key=lambda s: abs(round(s * 0.84375) + 4 * (s - round(s * 0.84375)) - t)))")
    echo "wide model: cost $cost per step, target $target steps (MoDE-4: $seed_steps + 4 x $expert_steps), schedule --steps $wide_steps" | tee -a "$out/wide.log"
    copy_data "$base" "$out/wide" ingest pairs tasks embed cluster
    [ -e "$out/wide/split/done.json" ] || "$mode" split --run "$out/wide" >> "$out/wide.log" 2>&1
    mkdir -p "$out/wide/train"
    for f in tokenizer.json vocab.json merges.txt; do
        until [ -e "$out/mode4/train/$f" ]; do sleep 5; done # lane A's train stage writes the tokenizer first
        [ -e "$out/wide/train/$f" ] || cp "$out/mode4/train/$f" "$out/wide/train/$f"
    done
    timed wide "$mode" train --run "$out/wide" --steps "$wide_steps" --model "$root/bench/converged/tiny-wide.json" --only baseline "${threads[@]}"

    copy_data "$base" "$out/mode2" ingest pairs tasks embed
    "$mode" cluster --run "$out/mode2" --experts 2 >> "$out/mode2.log" 2>&1
    "$mode" split --run "$out/mode2" >> "$out/mode2.log" 2>&1
    mkdir -p "$out/mode2/train"
    for f in tokenizer.json vocab.json merges.txt; do [ -e "$out/mode2/train/$f" ] || cp "$out/mode4/train/$f" "$out/mode2/train/$f"; done
    timed mode2 "$mode" train --run "$out/mode2" --steps "$steps" --only baseline "${threads[@]}"
}

lane_a &
lane_a_pid=$!
lane_b
wait $lane_a_pid

# The wide model scored as the baseline of a copy of MoDE-4.
if [ ! -e "$out/wide-eval/eval/done.json" ]; then
    rm -rf "$out/wide-eval"
    cp -r "$out/mode4" "$out/wide-eval"
    rm -rf "$out/wide-eval/eval" "$out/wide-eval/report"
    cp "$out/wide/train/baseline.ckpt" "$out/wide-eval/train/baseline.ckpt"
    timed wide "$mode" eval --run "$out/wide-eval" "${threads[@]}"
fi

# MoDE-2's experts on MoDE-4's seed and single model.
for f in seed.ckpt seed.jsonl single.ckpt single.jsonl; do
    [ -e "$out/mode2/train/$f" ] || cp "$out/mode4/train/$f" "$out/mode2/train/$f"
done
timed mode2 "$mode" run --run "$out/mode2" --steps "$steps" --experts 2 "${threads[@]}"

# The held-out curve.
timed curve "$bench" held-out-curve "$out/mode4" "$out"/snapshots/*.ckpt "$out/mode4/train/seed.ckpt" "$out/mode4/train/baseline.ckpt" \
    "$out/mode4/train/single.ckpt" "$out/wide/train/baseline.ckpt"
echo "converged: done; $out/*.log"
