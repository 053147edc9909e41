#!/usr/bin/env bash
# MoDE.NET against open_clip's own code (bench/open_clip_check.py says how open_clip is imported without pip).
#   tokens: every caption of the runs given plus 5,000 seeded hard strings, tokenized by MoDE.NET with CLIP's own
#           merges file and by open_clip's SimpleTokenizer with the same file: the rows must be identical.
# Usage: bench/open_clip_check.sh OPEN_CLIP_SRC MERGES_FILE [RUN_DIR...]
#   OPEN_CLIP_SRC: the src/ folder of an open_clip checkout (v3.3.0 runs on Debian 12's python3-torch 1.13);
#   MERGES_FILE: bpe_simple_vocab_16e6.txt.gz (open_clip ships it in src/open_clip/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source=$(realpath "${1:?usage: bench/open_clip_check.sh OPEN_CLIP_SRC MERGES_FILE [RUN_DIR...]}")
merges=$(realpath "${2:?usage: bench/open_clip_check.sh OPEN_CLIP_SRC MERGES_FILE [RUN_DIR...]}")
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pairs=()
for run in "$@"; do pairs+=("$run/pairs/pairs.jsonl"); done

/usr/bin/python3 "$root/bench/open_clip_check.py" captions "$work/captions.jsonl" "${pairs[@]}"
dotnet run --project "$root/bench/MoDE.Bench" -c Release -- openclip-rows "$merges" "$work/captions.jsonl" "$work/ids.npy"
/usr/bin/python3 "$root/bench/open_clip_check.py" tokens "$source" "$merges" "$work/captions.jsonl" "$work/ids.npy"
