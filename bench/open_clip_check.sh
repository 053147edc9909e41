#!/usr/bin/env bash
# MoDE.NET against open_clip's own code (bench/open_clip_check.py says how open_clip is imported without pip):
#   tokens:    every caption of the runs given plus 5,000 seeded hard strings, tokenized by MoDE.NET with CLIP's own
#              merges file and by open_clip's SimpleTokenizer with the same file: the rows must be identical;
#   ViT-B-32:  a seeded random ViT-B-32 written by MoDE.NET as an open_clip folder, built by open_clip's
#              create_model_and_transforms('local-dir:...'): same token rows, features within 1e-4;
#   each run whose models are ViTs: `mode export`, then expert_0 the same way, with the export's bpe_vocab.txt.gz;
#   reverse:   open_clip's own ViT-B-32 (its init, drawn further) saved by torch.save, read by MoDE.NET: same features;
#   pretrained: open_clip's own tiny-vit-shaped model saved by torch.save starts `mode run --init ... --tokenizer ...
#              --init-seed skip` on 2,000 built-in pairs: the run's seed gives open_clip's features.
# Usage: bench/open_clip_check.sh OPEN_CLIP_SRC MERGES_FILE [RUN_DIR...]
#   OPEN_CLIP_SRC: the src/ folder of an open_clip checkout (v3.3.0 runs on Debian 12's python3-torch 1.13);
#   MERGES_FILE: bpe_simple_vocab_16e6.txt.gz (open_clip ships it in src/open_clip/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: bench/open_clip_check.sh OPEN_CLIP_SRC MERGES_FILE [RUN_DIR...]"
source=$(realpath "${1:?$usage}")
merges=$(realpath "${2:?$usage}")
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
check=(/usr/bin/python3 "$root/bench/open_clip_check.py")
dotnet build "$root/bench/MoDE.Bench" -c Release -v quiet -nologo | tail -1
dotnet build "$root/src/MoDE.Cli" -c Release -v quiet -nologo | tail -1
bench=(dotnet run --project "$root/bench/MoDE.Bench" -c Release --no-build --)
mode=(dotnet run --project "$root/src/MoDE.Cli" -c Release --no-build --)
pairs=()
for run in "$@"; do pairs+=("$run/pairs/pairs.jsonl"); done

"${check[@]}" captions "$work/captions.jsonl" "${pairs[@]}"
"${bench[@]}" openclip-rows "$merges" "$work/captions.jsonl" "$work/ids.npy"
"${check[@]}" tokens "$source" "$merges" "$work/captions.jsonl" "$work/ids.npy"

mkdir "$work/b32"
"${check[@]}" inputs "$work/b32" 224
"${bench[@]}" openclip-features preset ViT-B-32 "$merges" "$work/b32"
"${check[@]}" model "$source" "$work/b32/model" "$merges" "$work/b32"

for run in "$@"; do
    name=$(basename "$run")
    "${mode[@]}" export --run "$run" --to "$work/$name-export" > "$work/$name-export.log"
    if ! grep -q '"patch_size"' "$work/$name-export/expert_0/open_clip_config.json"; then
        echo "$name: not a ViT run (open_clip cannot build its CNN image tower); its tokens were checked above"
        continue
    fi
    size=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['model_cfg']['vision_cfg']['image_size'])" "$work/$name-export/expert_0/open_clip_config.json")
    mkdir "$work/$name"
    "${check[@]}" inputs "$work/$name" "$size"
    "${bench[@]}" openclip-features run "$run" expert_0 "$work/$name"
    "${check[@]}" model "$source" "$work/$name-export/expert_0" "$work/$name-export/bpe_vocab.txt.gz" "$work/$name"
done

mkdir "$work/reverse"
"${check[@]}" inputs "$work/reverse" 224
"${check[@]}" save "$source" ViT-B-32 "$merges" "$work/reverse"
"${bench[@]}" openclip-features load ViT-B-32 "$work/reverse/open_clip_pytorch_model.bin" "$merges" "$work/reverse"
"${check[@]}" compare "$work/reverse"

# The tiny-vit preset (docs/models.md) at CLIP's 49,408-token vocabulary, as an open_clip model config.
mkdir "$work/pretrained"
cat > "$work/pretrained/tiny-vit-clip.json" <<'JSON'
{"embed_dim": 128, "quick_gelu": true,
 "vision_cfg": {"image_size": 32, "layers": 4, "width": 128, "patch_size": 4, "head_width": 32, "mlp_ratio": 4},
 "text_cfg": {"context_length": 32, "vocab_size": 49408, "width": 128, "heads": 4, "layers": 2, "mlp_ratio": 4}}
JSON
"${check[@]}" inputs "$work/pretrained" 32
"${check[@]}" save "$source" tiny-vit-clip "$merges" "$work/pretrained" "$work/pretrained/tiny-vit-clip.json"
"${mode[@]}" run --run "$work/pretrained/run" --model tiny-vit --pairs 2000 --steps 64 --batch 64 \
    --init "$work/pretrained/open_clip_pytorch_model.bin" --tokenizer "$merges" --init-seed skip > "$work/pretrained/run.log"
grep -E "^(baseline|single|MoDE \(code\)) " "$work/pretrained/run.log" || true
"${bench[@]}" openclip-features run "$work/pretrained/run" seed "$work/pretrained"
"${check[@]}" compare "$work/pretrained"
