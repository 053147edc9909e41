"""MoDE.NET against open_clip itself, where open_clip cannot be installed (Debian 12 has no open_clip, ftfy or
safetensors package, and PyPI is out of reach): open_clip's own source tree (src/open_clip of a checkout, v3.3.0 runs
on Debian's torch 1.13) is imported from the path given, with the two missing packages replaced by the smallest
stand-ins, which this script writes to a temp folder and says so:
  ftfy.fix_text      -> the text unchanged (so ftfy's repairs of mojibake and its NFC normalisation are not compared;
                        `tokens` counts the captions NFC would change)
  safetensors.torch  -> load_file read with numpy from the format's documented header
bench/open_clip_check.sh runs the steps. Subcommands:
  captions OUT.jsonl PAIRS.jsonl...        captions of runs plus seeded hard strings, one JSON string a line
  tokens SRC MERGES CAPTIONS.jsonl IDS.npy  open_clip's SimpleTokenizer(MERGES) rows against MoDE.NET's (IDS.npy)
  inputs WORK SIZE                         16 seeded SIZE x SIZE images (WORK/pixels.bin) and 16 captions
  model SRC FOLDER MERGES WORK             open_clip.create_model_and_transforms('local-dir:FOLDER'), its preprocess
                                           and SimpleTokenizer(MERGES) on WORK's inputs, against MoDE.NET's features
                                           (WORK/mode_*.npy, from `MoDE.Bench openclip-features`)
  save SRC NAME MERGES WORK [CONFIG]       open_clip.create_model(NAME) at open_clip's own seeded random init
                                           (NAME from CONFIG, a model_cfg JSON, when given),
                                           torch.save(state_dict()) to WORK/open_clip_pytorch_model.bin, and its
                                           features of WORK's inputs (WORK/open_clip_*.npy)
  compare WORK                             those features against MoDE.NET's from the saved file (WORK/mode_*.npy)
Prints its figures; exits 1 on any difference."""
import atexit
import json
import os
import random
import shutil
import sys
import tempfile
import unicodedata

import numpy as np

SPECIAL_NAMES = ("<start_of_text>", "<end_of_text>")
STAND_INS = {
    "ftfy.py": "def fix_text(text, *args, **kwargs):\n    return text\n",
    "safetensors/__init__.py": "",
    "safetensors/torch.py": """import json, struct
import numpy as np
import torch
_TYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8}
def load_file(path, device="cpu"):
    with open(path, "rb") as f:
        length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(length))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=_TYPES[entry["dtype"]]).reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors
""",
}


def import_open_clip(source):
    """open_clip from `source` (a folder holding open_clip/), with the stand-ins ahead of it on the path."""
    folder = tempfile.mkdtemp(prefix="open-clip-stand-ins-")
    atexit.register(shutil.rmtree, folder, True)
    for name, text in STAND_INS.items():
        path = os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    sys.path[:0] = [folder, source]
    import open_clip
    print(f"open_clip {open_clip.__version__} from {source}; stand-ins for ftfy and safetensors in {folder}")
    return open_clip


def hard_strings(count, seed):
    """Seeded captions that stress the tokenizer's text handling: accents, CJK, emoji, HTML entities, runs of
    whitespace and punctuation, control characters, apostrophes, digits and words longer than 256 characters."""
    rng = random.Random(seed)
    pieces = ["a", "photo", "of", "the", "CAT", "naïve", "café", "Straße", "İstanbul", "日本語", "テキスト", "😀", "👍🏽",
              "&amp;", "&lt;b&gt;", "&#39;", "don't", "it's", "WE'LL", "they're", "2024", "3.14", "#tag", "@user",
              "--", "!!!", "?", "...", "\t", "  ", "\u00a0", "\u200b", "\u001c", "\u3000", "e\u0301", "ﬁ", "Ⅻ",
              "x" * 300, "ab" * 140, "Ünïcödé", "ΑΒΓ", "привет", "مرحبا", "עברית", "हिन्दी", "한국어", "<end_of_text>"]
    strings = []
    for _ in range(count):
        words = [rng.choice(pieces) for _ in range(rng.randint(1, 12))]
        strings.append("".join(w + rng.choice([" ", "", "  ", "-", "/"]) for w in words))
    return strings


def captions(out, pair_files):
    texts = []
    for path in pair_files:
        with open(path, encoding="utf-8") as f:
            texts.extend(json.loads(line)["caption"] for line in f if line.strip())
    texts.extend(hard_strings(5000, seed=17))
    with open(out, "w", encoding="utf-8") as f:
        for text in texts:
            f.write(json.dumps(text) + "\n")
    print(f"captions: {len(texts):,} ({len(texts) - 5000:,} from {len(pair_files)} runs, 5,000 hard strings) -> {out}")


def tokens(source, merges, captions_path, ids_path):
    open_clip = import_open_clip(source)
    with open(captions_path, encoding="utf-8") as f:
        texts = [json.loads(line) for line in f]
    ours = np.load(ids_path)
    tokenizer = open_clip.tokenizer.SimpleTokenizer(bpe_path=merges, context_length=ours.shape[1])
    theirs = tokenizer(texts).numpy()
    same = (theirs == ours).all(axis=1)
    not_nfc = sum(unicodedata.normalize("NFC", t) != t for t in texts)
    # CaptionTokenizer.FromOpenClipMerges's one deliberate difference: open_clip's word pattern matches the special
    # tokens' names, so a caption holding the text "<end_of_text>" gets that id mid-row; MoDE.NET encodes the text.
    special = np.array([any(name in t for name in SPECIAL_NAMES) for t in texts])
    print(f"tokens: {int(same.sum()):,} of {len(texts):,} rows identical to open_clip's; of the {int((~special).sum()):,} "
          f"captions without a special token's name, {int(same[~special].sum()):,} identical "
          f"({not_nfc:,} captions are not NFC: real ftfy would normalise them first)")
    for row in np.flatnonzero(~same & ~special)[:5]:
        print(f"  differs: {texts[row]!r}\n    open_clip {theirs[row][theirs[row] > 0].tolist()}\n    MoDE.NET  {ours[row][ours[row] > 0].tolist()}")
    return 0 if same[~special].all() else 1


CAPTIONS = ["a photo of a cat", "digit 2 printed in purple #design", "Travel photo - forest", "naïve café",
            "a red circle on white", "", "the letter Q in a serif font", "sunset over the sea, 4k",
            "A PHOTO OF A DOG!!!", "two  spaces\tand a tab", "&amp; html", "日本語のテキスト", "x" * 300,
            "a blue square", "emoji 😀 here", "the end"]


def inputs(work, size):
    rng = np.random.default_rng(5)
    rng.integers(0, 256, size=(len(CAPTIONS), int(size), int(size), 3), dtype=np.uint8).tofile(os.path.join(work, "pixels.bin"))
    with open(os.path.join(work, "captions.jsonl"), "w", encoding="utf-8") as f:
        for text in CAPTIONS:
            f.write(json.dumps(text) + "\n")


def model(source, folder, merges, work):
    open_clip = import_open_clip(source)
    import torch
    from PIL import Image
    clip, _, preprocess = open_clip.create_model_and_transforms("local-dir:" + folder)
    clip.eval()
    config = json.load(open(os.path.join(folder, "open_clip_config.json")))["model_cfg"]
    size, context = config["vision_cfg"]["image_size"], config["text_cfg"]["context_length"]
    tokenizer = open_clip.tokenizer.SimpleTokenizer(bpe_path=merges, context_length=context)
    pixels = np.fromfile(os.path.join(work, "pixels.bin"), dtype=np.uint8).reshape(-1, size, size, 3)
    with open(os.path.join(work, "captions.jsonl"), encoding="utf-8") as f:
        texts = [json.loads(line) for line in f]
    tokens = tokenizer(texts)
    with torch.no_grad():
        images = torch.stack([preprocess(Image.fromarray(p)) for p in pixels])
        image = clip.encode_image(images, normalize=True).numpy()
        text = clip.encode_text(tokens, normalize=True).numpy()
    ours = {name: np.load(os.path.join(work, f"mode_{name}.npy")) for name in ("image", "text", "tokens")}
    same_tokens = np.array_equal(tokens.numpy().ravel(), ours["tokens"])
    image_diff, text_diff = float(np.abs(image - ours["image"]).max()), float(np.abs(text - ours["text"]).max())
    parameters = sum(p.numel() for p in clip.parameters())
    print(f"model: open_clip built {folder} ({parameters:,} parameters); token rows {'identical' if same_tokens else 'DIFFERENT'}; "
          f"max |open_clip - MoDE.NET|: image features {image_diff:.2e}, text features {text_diff:.2e}")
    return 0 if same_tokens and image_diff < 1e-4 and text_diff < 1e-4 else 1


def save(source, name, merges, work, config=None):
    open_clip = import_open_clip(source)
    import torch
    from PIL import Image
    if config:
        folder = tempfile.mkdtemp(prefix="open-clip-config-")
        atexit.register(shutil.rmtree, folder, True)
        shutil.copy(config, os.path.join(folder, name + ".json"))
        open_clip.add_model_config(folder)
    torch.manual_seed(3)
    clip, _, preprocess = open_clip.create_model_and_transforms(name)
    clip.eval()
    with torch.no_grad():  # open_clip initialises logit_scale to ln(1/0.07) and some biases to zero: draw them too
        for parameter in clip.parameters():
            parameter.add_(0.02 * torch.randn_like(parameter))
    torch.save(clip.state_dict(), os.path.join(work, "open_clip_pytorch_model.bin"))
    size = clip.visual.image_size[0]
    tokenizer = open_clip.tokenizer.SimpleTokenizer(bpe_path=merges, context_length=clip.context_length)
    pixels = np.fromfile(os.path.join(work, "pixels.bin"), dtype=np.uint8).reshape(-1, size, size, 3)
    with open(os.path.join(work, "captions.jsonl"), encoding="utf-8") as f:
        texts = [json.loads(line) for line in f]
    with torch.no_grad():
        images = torch.stack([preprocess(Image.fromarray(p)) for p in pixels])
        np.save(os.path.join(work, "open_clip_image.npy"), clip.encode_image(images, normalize=True).numpy())
        np.save(os.path.join(work, "open_clip_text.npy"), clip.encode_text(tokenizer(texts), normalize=True).numpy())
    parameters = sum(p.numel() for p in clip.parameters())
    print(f"save: open_clip's {name} ({parameters:,} parameters) saved by torch.save to {work}")


def compare(work):
    diffs = {name: float(np.abs(np.load(os.path.join(work, f"open_clip_{name}.npy")) - np.load(os.path.join(work, f"mode_{name}.npy"))).max())
             for name in ("image", "text")}
    print(f"compare: open_clip's model saved by torch.save, in MoDE.NET; max |open_clip - MoDE.NET|: image features "
          f"{diffs['image']:.2e}, text features {diffs['text']:.2e}")
    return 0 if max(diffs.values()) < 1e-4 else 1


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    if command == "captions":
        captions(arguments[0], arguments[1:])
    elif command == "tokens":
        sys.exit(tokens(*arguments))
    elif command == "inputs":
        inputs(*arguments)
    elif command == "model":
        sys.exit(model(*arguments))
    elif command == "save":
        save(*arguments)
    elif command == "compare":
        sys.exit(compare(*arguments))
    else:
        sys.exit(f"unknown subcommand {command!r}")
