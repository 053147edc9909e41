"""Self-tests of the PyTorch reference src/MoDE.Net/Export/mode_clip.py (which `mode export` writes into an export
folder). Run: /usr/bin/python3 tests/python/test_clip_reference.py
Prints one line per check with its figures; exits 1 if any check fails."""
import io
import json
import math
import os
import struct
import sys
import tempfile

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "MoDE.Net", "Export"))
import mode_clip as ref  # noqa: E402

# docs/models.md and tests/MoDE.Tests/Model/ParameterCountTests.cs: Clip.ParameterCount of each preset (the tiny
# ones at a 2,048-token vocabulary and 32-pixel images).
EXPECTED_COUNTS = {"tiny": 789_409, "tiny-vit": 1_504_001, "ViT-B-32": 151_277_313, "ViT-B-16": 149_620_737,
                   "ViT-L-14": 427_616_513}

# A tiny ViT with GELU, a non-square MLP ratio and an uneven head count: exercises what the presets do not.
ODD_VIT = {"embed_dim": 24, "quick_gelu": False,
           "vision_cfg": {"image_size": 12, "kind": "vit", "width": 48, "layers": 2, "patch_size": 4, "head_width": 16,
                          "mlp_ratio": 2.5},
           "text_cfg": {"context_length": 10, "vocab_size": 50, "width": 32, "layers": 2, "heads": 2}}
ODD_CNN = {"embed_dim": 24, "quick_gelu": True,
           "vision_cfg": {"image_size": 13, "kind": "cnn", "width": 8, "layers": 3},  # odd sizes: ceil-mode pooling
           "text_cfg": {"context_length": 10, "vocab_size": 50, "width": 32, "layers": 1, "heads": 4}}

failures = []


def check(name, condition, figures):
    print(f"{'ok  ' if condition else 'FAIL'} {name}: {figures}")
    if not condition:
        failures.append(name)


def randomize(model, seed):
    """Test weights from a private generator (not MoDE's initialisation): every parameter non-trivial, so a name or
    layout mix-up changes the outputs."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            draw = torch.randn(p.shape, generator=generator)
            if name.endswith(("ln_1.weight", "ln_2.weight", "ln_pre.weight", "ln_post.weight", "ln_final.weight", "norm.weight")):
                p.copy_(1 + 0.1 * draw)
            elif name == "logit_scale":
                p.fill_(ref.INITIAL_LOGIT_SCALE)
            else:
                p.copy_(0.1 * draw)
    return model.eval()


def inputs(config, batch, seed):
    """Normalized images from random 8-bit pixels, and token rows sot, words, eot (the row's largest id), padding."""
    generator = torch.Generator().manual_seed(seed)
    size, text = config["vision_cfg"]["image_size"], config["text_cfg"]
    pixels = torch.randint(0, 256, (batch, size, size, 3), generator=generator, dtype=torch.uint8)
    vocab, length = text["vocab_size"], text["context_length"]
    tokens = torch.zeros(batch, length, dtype=torch.long)
    for row in range(batch):
        words = 1 + row % (length - 2)
        tokens[row, 0] = vocab - 2
        tokens[row, 1:1 + words] = torch.randint(1, vocab - 2, (words,), generator=generator)
        tokens[row, 1 + words] = vocab - 1
    return ref.normalize_images(pixels.numpy()), tokens


def test_parameter_counts():
    for name, expected in EXPECTED_COUNTS.items():
        config = ref.preset(name, vocab_size=2048 if name.startswith("tiny") else 49408, image_size=32)
        count = ref.parameter_count(ref.CLIP(config))
        check(f"parameter count {name}", count == expected, f"{count:,} (MoDE: {expected:,})")


def test_names():
    vit = ref.CLIP(ref.preset("ViT-B-32")).state_dict()
    expected = {"visual.conv1.weight": [768, 3, 32, 32], "visual.class_embedding": [768],
                "visual.positional_embedding": [50, 768], "visual.ln_pre.weight": [768],
                "visual.transformer.resblocks.11.attn.in_proj_weight": [2304, 768],
                "visual.transformer.resblocks.11.attn.in_proj_bias": [2304],
                "visual.transformer.resblocks.11.attn.out_proj.weight": [768, 768],
                "visual.transformer.resblocks.11.mlp.c_fc.weight": [3072, 768],
                "visual.transformer.resblocks.11.mlp.c_proj.bias": [768], "visual.ln_post.bias": [768],
                "visual.proj": [768, 512], "token_embedding.weight": [49408, 512], "positional_embedding": [77, 512],
                "transformer.resblocks.0.ln_1.weight": [512], "transformer.resblocks.0.ln_2.bias": [512],
                "ln_final.weight": [512], "text_projection": [512, 512], "logit_scale": []}
    wrong = {k: v for k, v in expected.items() if k not in vit or list(vit[k].shape) != v}
    check("open_clip names and shapes (ViT-B-32)", not wrong and len(vit) == (5 + 12 * 12 + 3) + (2 + 12 * 12 + 4),
          f"{len(vit)} tensors, wrong: {wrong}")
    tiny = ref.CLIP(ref.preset("tiny", vocab_size=2048)).state_dict()
    visual = sorted((k, list(v.shape)) for k, v in tiny.items() if k.startswith("visual."))
    check("tiny CNN tower names", visual == sorted([
        ("visual.blocks.0.conv.weight", [32, 3, 3, 3]), ("visual.blocks.0.norm.weight", [32]), ("visual.blocks.0.norm.bias", [32]),
        ("visual.blocks.1.conv.weight", [64, 32, 3, 3]), ("visual.blocks.1.norm.weight", [64]), ("visual.blocks.1.norm.bias", [64]),
        ("visual.blocks.2.conv.weight", [128, 64, 3, 3]), ("visual.blocks.2.norm.weight", [128]), ("visual.blocks.2.norm.bias", [128]),
        ("visual.proj.weight", [128, 128]), ("visual.proj.bias", [128])]), f"{visual}")


def test_attention_matches_pytorch():
    """SelfAttention equals nn.MultiheadAttention (what open_clip's attn is) given the same packed weights."""
    torch.manual_seed(0)
    ours, theirs = ref.SelfAttention(32, 4, causal=True), nn.MultiheadAttention(32, 4, batch_first=True)
    with torch.no_grad():
        for p in ours.parameters():
            p.normal_(0, 0.2)
    theirs.load_state_dict(ours.state_dict(), strict=True)
    x = torch.randn(3, 7, 32)
    mask = torch.ones(7, 7, dtype=torch.bool).triu(1)
    for causal in (True, False):
        ours.causal = causal
        expected = theirs(x, x, x, need_weights=False, attn_mask=mask if causal else None)[0]
        diff = (ours(x) - expected).abs().max().item()
        check(f"attention = nn.MultiheadAttention (causal={causal})", diff < 1e-5, f"max |diff| {diff:.2e}")


def test_text_tower():
    model = randomize(ref.CLIP(ODD_VIT), seed=1)
    _, tokens = inputs(ODD_VIT, 4, seed=2)
    with torch.no_grad():
        base = model.encode_text(tokens)
        eot = tokens.argmax(1)
        after = tokens.clone()
        after[0, eot[0] + 1:] = 7  # after end-of-text: unseen by the causal tower at the end-of-text position
        before = tokens.clone()
        before[0, 1] = 3 if tokens[0, 1] != 3 else 4
        moved_after = (model.encode_text(after) - base).abs().max().item()
        moved_before = (model.encode_text(before)[0] - base[0]).abs().max().item()
    check("text: causal, read at end-of-text", moved_after < 1e-6 and moved_before > 1e-3,
          f"change after eot moves features {moved_after:.1e}, before eot {moved_before:.3f}")
    norms = base.norm(dim=-1)
    check("text: unit features", torch.allclose(norms, torch.ones(4), atol=1e-5), f"norms {[round(v, 6) for v in norms.tolist()]}")


def test_forward_deterministic():
    for config in (ODD_VIT, ODD_CNN, ref.preset("tiny", vocab_size=600), ref.preset("tiny-vit", vocab_size=600)):
        a, b = randomize(ref.CLIP(config), seed=5), randomize(ref.CLIP(config), seed=5)
        images, tokens = inputs(config, 3, seed=6)
        with torch.no_grad():
            first, again, other = a(images, tokens), a(images, tokens), b(images, tokens)
        same = all(torch.equal(x, y) for x, y in zip(first, again)) and all(torch.equal(x, y) for x, y in zip(first, other))
        check(f"deterministic forward ({config['vision_cfg']['kind']} {config['vision_cfg']['width']})", same,
              f"image[0,:3] {[round(v, 4) for v in first[0][0, :3].tolist()]} text[0,:3] {[round(v, 4) for v in first[1][0, :3].tolist()]}")


def test_safetensors_round_trip():
    with tempfile.TemporaryDirectory() as folder:
        for config in (ODD_VIT, ODD_CNN):
            model = randomize(ref.CLIP(config), seed=9)
            path = os.path.join(folder, "model.safetensors")
            ref.save_safetensors(model.state_dict(), path, metadata={"format": "pt"})
            loaded = ref.load_model(config, path)
            buffer = io.BytesIO()
            torch.save(model.state_dict(), buffer)
            buffer.seek(0)
            saved = torch.load(buffer)
            tensors, metadata = ref.load_safetensors(path)
            equal = all(torch.equal(tensors[k], v) and torch.equal(saved[k], v) for k, v in model.state_dict().items())
            images, tokens = inputs(config, 2, seed=10)
            with torch.no_grad():
                same = all(torch.equal(x, y) for x, y in zip(model(images, tokens), loaded(images, tokens)))
            check(f"safetensors round trip ({config['vision_cfg']['kind']})", equal and same and metadata == {"format": "pt"},
                  f"{len(tensors)} tensors, {os.path.getsize(path):,} bytes, equal to torch.save's: {equal}, same outputs: {same}")


def test_safetensors_reader_by_hand():
    """A file laid out by hand from the format's description (F32, I64, BF16 and a scalar) reads back exactly."""
    f32 = np.arange(6, dtype="<f4").reshape(2, 3)
    i64 = np.array([-1, 2**40], dtype="<i8")
    bf16 = np.array([0x3F80, 0xC000], dtype="<u2")  # 1.0 and -2.0
    scalar = np.array(2.5, dtype="<f4")
    u32 = np.array([2**32 - 1], dtype="<u4")
    blobs = [f32.tobytes(), i64.tobytes(), bf16.tobytes(), scalar.tobytes(), u32.tobytes()]
    names, dtypes, shapes = ["a", "b", "c", "d", "e"], ["F32", "I64", "BF16", "F32", "U32"], [[2, 3], [2], [2], [], [1]]
    header, offset = {}, 0
    for name, dtype, shape, blob in zip(names, dtypes, shapes, blobs):
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
    encoded = json.dumps(header).encode()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "hand.safetensors")
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))
        t, _ = ref.load_safetensors(path)
        good = (t["a"].tolist() == f32.tolist() and t["b"].tolist() == [-1, 2**40]
                and t["c"].dtype == torch.bfloat16 and t["c"].float().tolist() == [1.0, -2.0]
                and t["d"].shape == () and t["d"].item() == 2.5 and t["e"].tolist() == [2**32 - 1])
        check("safetensors reader on a hand-made file", good, f"{ {k: (str(v.dtype), list(v.shape)) for k, v in t.items()} }")


def test_safetensors_rejects_bad_files():
    good_header = {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
    cases = {
        "shorter than 8 bytes": b"\x01\x02",
        "header length past the end": struct.pack("<Q", 1000) + b"{}",
        "header not JSON": struct.pack("<Q", 3) + b"{x}",
        "unknown dtype": _file({"w": {"dtype": "F128", "shape": [2], "data_offsets": [0, 8]}}, 8),
        "size differs from the shape": _file({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, 8),
        "offsets past the data": _file({"w": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, 8),
        "hole before a tensor": _file({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, 8),
        "trailing bytes": _file(good_header, 12),
        "overlapping tensors": _file({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                      "v": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, 8),
        "negative dimension": _file({"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, 8),
    }
    rejected = []
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "bad.safetensors")
        for reason, content in cases.items():
            with open(path, "wb") as f:
                f.write(content)
            try:
                ref.load_safetensors(path)
            except ValueError as e:
                if path in str(e) and "\n" not in str(e):
                    rejected.append(reason)
        with open(path, "wb") as f:
            f.write(_file(good_header, 8))
        ref.load_safetensors(path)  # the control: the same layout, well formed, reads
        model = ref.CLIP(ODD_CNN)
        state = dict(model.state_dict())
        state.pop("logit_scale")
        strict = []
        for reason, tensors in {"missing name": state,
                                "wrong shape": {**model.state_dict(), "visual.proj.bias": torch.zeros(25)},
                                "unexpected name": {**model.state_dict(), "extra": torch.zeros(1)}}.items():
            try:
                ref.load_into(ref.CLIP(ODD_CNN), tensors)
            except ValueError:
                strict.append(reason)
    check("safetensors reader rejects bad files with a one-line error naming the file",
          len(rejected) == len(cases), f"{len(rejected)}/{len(cases)}; not rejected: {sorted(set(cases) - set(rejected))}")
    check("loading is strict about names and shapes", len(strict) == 3, f"{strict}")


def _file(header, data_bytes):
    encoded = json.dumps(header).encode()
    return struct.pack("<Q", len(encoded)) + encoded + bytes(data_bytes)


def test_encode_command():
    """The parity step run as a process, as the C# side will: features from a config in ClipConfig.ToJson's shape,
    weights and 8-bit pixels equal those computed in this process."""
    import subprocess
    config = {"embed_dim": 24, "vision_cfg": {"image_size": 13, "kind": "cnn", "width": 8, "layers": 3, "patch_size": 16,
                                              "head_width": 64, "mlp_ratio": 4}, "text_cfg": ODD_CNN["text_cfg"], "quick_gelu": True}
    model = randomize(ref.CLIP(config), seed=11)
    generator = torch.Generator().manual_seed(12)
    pixels = torch.randint(0, 256, (3, 13, 13, 3), generator=generator, dtype=torch.uint8)
    _, tokens = inputs(config, 3, seed=12)
    with tempfile.TemporaryDirectory() as folder:
        paths = {k: os.path.join(folder, k) for k in ("config.json", "weights.safetensors", "inputs.safetensors", "out.safetensors")}
        with open(paths["config.json"], "w", encoding="utf-8") as f:
            json.dump(config, f)
        ref.save_safetensors(model.state_dict(), paths["weights.safetensors"])
        ref.save_safetensors({"pixels": pixels, "tokens": tokens}, paths["inputs.safetensors"])
        run = subprocess.run([sys.executable, ref.__file__, "encode", *paths.values()], capture_output=True, text=True)
        out, _ = ref.load_safetensors(paths["out.safetensors"]) if run.returncode == 0 else ({}, None)
    with torch.no_grad():
        image_features, text_features = model(ref.normalize_images(pixels.numpy()), tokens)
    same = (run.returncode == 0 and torch.equal(out["image_features"], image_features)
            and torch.equal(out["text_features"], text_features)
            and torch.equal(out["logits"], model.scaled_cosine(image_features, text_features)))
    check("encode command (a process) = in-process features", same,
          f"exit {run.returncode} {run.stderr.strip()[-200:]}; logits[0] {[round(v, 3) for v in out['logits'][0].tolist()] if out else None}")


def test_logits_clamped():
    model = randomize(ref.CLIP(ODD_CNN), seed=3)
    images, tokens = inputs(ODD_CNN, 2, seed=4)
    with torch.no_grad():
        model.logit_scale.fill_(10.0)
        logits = model.logits(images, tokens)
        cosine = model.encode_image(images) @ model.encode_text(tokens).T
    ratio = (logits / cosine).flatten().tolist()
    check("logit scale clamped to ln 100", all(abs(r - 100) < 1e-3 for r in ratio), f"logits / cosine = {[round(r, 3) for r in ratio]}")


if __name__ == "__main__":
    print(f"torch {torch.__version__}, numpy {np.__version__}")
    torch.set_num_threads(min(2, torch.get_num_threads()))
    for test in (test_parameter_counts, test_names, test_attention_matches_pytorch, test_text_tower,
                 test_forward_deterministic, test_safetensors_round_trip, test_safetensors_reader_by_hand,
                 test_safetensors_rejects_bad_files, test_encode_command, test_logits_clamped):
        test()
    print(f"{'FAILED ' + ', '.join(failures) if failures else 'all passed'}")
    sys.exit(1 if failures else 0)
