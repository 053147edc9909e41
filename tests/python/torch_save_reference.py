"""State dicts saved by torch.save from the PyTorch reference (src/MoDE.Net/Export/mode_clip.py), for MoDE.NET to load.

`torch_save_reference.py save CONFIG.json SEED OUT_DIR [--half]` builds mode_clip.CLIP for the config with
weights drawn from torch.manual_seed(SEED), and writes to OUT_DIR:
- plain.pt: torch.save(model.state_dict()), as open_clip saves a pretrained state dict;
- wrapped.pt: {"epoch", "name", "state_dict": {"module." + name: tensor}, "optimizer"}, as open_clip's training loop
  saves a checkpoint of a model wrapped in DistributedDataParallel (src/open_clip_train/main.py, factory.py
  load_state_dict strips the prefix);
- features.safetensors: fixed inputs ("pixels" U8 [2, H, W, 3], "tokens" I64 [2, L]) and the model's
  "image_features" and "text_features" (F32 [2, E]) for them.
With --half both files hold float16 tensors (as OpenAI's CLIP state dicts do) and plain.pt also holds OpenAI's three
entries that are not weights (input_resolution, context_length, vocab_size); the features are then those of the
float16-rounded weights, which is what a reader of the file gets.

`torch_save_reference.py hostile OUT_DIR MARKER` writes files a state-dict reader must refuse (see hostile); unpickling
exploit.pt with Python's pickle would create the file MARKER.
"""
import json
import os
import sys
from collections import OrderedDict

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "MoDE.Net", "Export"))
import mode_clip as ref  # noqa: E402

BATCH = 2


def seeded_model(config, seed):
    """CLIP with every weight drawn from N(0, 1/fan_in) (norm weights near 1), so that every tensor matters."""
    torch.manual_seed(seed)
    model = ref.CLIP(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name == "logit_scale":
                continue
            if name.endswith("weight") and p.ndim == 1:
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.normal_(0, (p.shape[0] if name.endswith("proj") or name.endswith("projection") else p.shape[-1]) ** -0.5)
    return model


def fixed_inputs(config, seed):
    """8-bit images and token rows (start, words, end-of-text as the row's largest id, padding), as ClipParityTests."""
    generator = torch.Generator().manual_seed(seed + 1)
    size, length, vocab = config["vision_cfg"]["image_size"], config["text_cfg"]["context_length"], config["text_cfg"]["vocab_size"]
    pixels = torch.randint(0, 256, (BATCH, size, size, 3), generator=generator, dtype=torch.uint8)
    tokens = torch.zeros(BATCH, length, dtype=torch.int64)
    for row in range(BATCH):
        words = 1 + 3 * row % (length - 2)
        tokens[row, 0] = vocab - 2
        tokens[row, 1:words + 1] = torch.randint(5, vocab - 10, (words,), generator=generator)
        tokens[row, words + 1] = vocab - 1
    return pixels, tokens


def save(config_path, seed, out_dir, half=False):
    with open(config_path, encoding="utf-8") as f:
        config = ref.complete_config(json.load(f))
    model = seeded_model(config, int(seed))
    if half:
        model = model.half().float()
    state = OrderedDict((name, t.half() if half else t) for name, t in model.state_dict().items())
    plain = OrderedDict(state)
    if half:
        plain.update(input_resolution=torch.tensor(config["vision_cfg"]["image_size"]),
                     context_length=torch.tensor(config["text_cfg"]["context_length"]),
                     vocab_size=torch.tensor(config["text_cfg"]["vocab_size"]))
    torch.save(plain, os.path.join(out_dir, "plain.pt"))
    optimizer = torch.optim.AdamW([torch.zeros(2, requires_grad=True)])
    torch.save({"epoch": 1, "name": "reference", "state_dict": {"module." + k: v for k, v in state.items()},
                "optimizer": optimizer.state_dict()}, os.path.join(out_dir, "wrapped.pt"))
    pixels, tokens = fixed_inputs(config, int(seed))
    with torch.no_grad():
        image_features, text_features = model(ref.normalize_images(pixels.numpy()), tokens)
    ref.save_safetensors(OrderedDict([("pixels", torch.from_numpy(np.ascontiguousarray(pixels.numpy()))), ("tokens", tokens),
                                      ("image_features", image_features), ("text_features", text_features)]),
                         os.path.join(out_dir, "features.safetensors"))


class Exploit:
    """What a malicious checkpoint holds: unpickling it calls os.system (pickled as posix.system on Linux)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class Unknown:
    """A class of the saving program, pickled by copyreg._reconstructor and then its __dict__."""

    def __init__(self):
        self.value = 1


def hostile(out_dir, marker):
    """Files torch.save writes that a state-dict reader must refuse: exploit.pt (a state dict holding an Exploit),
    unknown.pt (a state dict holding an Unknown), torchscript.pt (torch.jit.save of a scripted module); and
    protocol4.pt, a state dict in pickle protocol 4 ({"weight": [[0, 1], [2, 3]], "bias": [0.5, -1]}), which it must read."""
    weight = torch.ones(2, 2)
    torch.save(OrderedDict(weight=weight, exploit=Exploit(marker)), os.path.join(out_dir, "exploit.pt"))
    torch.save(OrderedDict(weight=weight, unknown=Unknown()), os.path.join(out_dir, "unknown.pt"))
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), os.path.join(out_dir, "torchscript.pt"))
    # and one it must accept: protocol 4 names the tensor classes with STACK_GLOBAL and memoized strings
    torch.save(OrderedDict(weight=torch.arange(4.0).reshape(2, 2), bias=torch.tensor([0.5, -1.0])),
               os.path.join(out_dir, "protocol4.pt"), pickle_protocol=4)


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "hostile":
        hostile(*args[1:])
        sys.exit(0)
    half = "--half" in args
    args = [a for a in args if a != "--half"]
    if len(args) != 4 or args[0] != "save":
        sys.exit("usage: torch_save_reference.py save CONFIG.json SEED OUT_DIR [--half] | hostile OUT_DIR MARKER")
    try:
        save(*args[1:], half=half)
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"torch_save_reference.py: {e}")
