"""open_clip's resume of an AdamW training checkpoint, on the plain PyTorch mirror src/MoDE.Net/Export/mode_clip.py.

`resume_reference.py step CONFIG.json CHECKPOINT.pt GRADS.safetensors OUT.safetensors` takes a checkpoint that MoDE.NET
wrote (Train/OpenClipTrainingCheckpoint.cs) as open_clip_train's main.py (v3.3.0) does on --resume: torch.load it
(with weights_only=True where the installed PyTorch reads its own AdamW state so; its pickle is first checked to
name nothing but tensors and storages), check its keys, load "state_dict" into the model (strict: every name and
shape), build torch.optim.AdamW with open_clip's two groups (main.py's exclude rule, over model.named_parameters() in
order) and load "optimizer" into it. Then it sets every parameter's gradient to the tensor of that name in GRADS,
takes one optimizer step and writes the parameters to OUT. It prints what it checked.

`resume_reference.py train CONFIG.json SEED OUT_DIR` writes the checkpoint a multi-GPU open_clip run saves after
epoch 27: the model (weights from torch.manual_seed(SEED)) trained 3 AdamW steps on random gradients with those
groups, saved as {"epoch": 27, "name", "state_dict": {"module." + name: tensor}, "optimizer"} in OUT_DIR/epoch_27.pt,
and every tensor's weights, exp_avg and exp_avg_sq after them in OUT_DIR/expected.safetensors ("NAME",
"NAME.exp_avg", "NAME.exp_avg_sq").
"""
import inspect
import io
import json
import os
import pickle
import pickletools
import sys
import zipfile
from collections import OrderedDict

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "MoDE.Net", "Export"))
import mode_clip as ref  # noqa: E402


SAFE_GLOBALS = {"torch._utils._rebuild_tensor_v2", "collections.OrderedDict", "torch.FloatStorage"}


def pickled_globals(path):
    """Every module.name the archive's data.pkl names (GLOBAL opcodes), read with pickletools, never unpickled."""
    with zipfile.ZipFile(path) as archive:
        (pickle_name,) = [n for n in archive.namelist() if n.endswith("/data.pkl")]
        ops = pickletools.genops(archive.read(pickle_name))
        return {arg.replace(" ", ".") for op, arg, _ in ops if op.name == "GLOBAL"}


def weights_only_loads_optimizer_state():
    """Whether this PyTorch's torch.load(weights_only=True) exists and reads a state dict of its own AdamW (PyTorch
    1.13's weights-only unpickler has no opcode for a float, BINFLOAT, so it refuses the learning rate)."""
    if "weights_only" not in inspect.signature(torch.load).parameters:
        return False
    p = torch.nn.Parameter(torch.zeros(2))
    buffer = io.BytesIO()
    torch.save(torch.optim.AdamW([p]).state_dict(), buffer)
    buffer.seek(0)
    try:
        torch.load(buffer, weights_only=True)
        return True
    except pickle.UnpicklingError:
        return False


def open_clip_adamw(model, **hyper):
    """torch.optim.AdamW over open_clip's two groups (main.py: no decay for gains and biases, then the rest)."""
    exclude = lambda n, p: p.ndim < 2 or "bn" in n or "ln" in n or "bias" in n or "logit_scale" in n  # noqa: E731
    named = list(model.named_parameters())
    gain_or_bias = [p for n, p in named if exclude(n, p)]
    rest = [p for n, p in named if not exclude(n, p)]
    return torch.optim.AdamW([{"params": gain_or_bias, "weight_decay": 0.0}, {"params": rest, "weight_decay": 0.2}], **hyper), gain_or_bias, rest


def train(config_path, seed, out_dir):
    with open(config_path) as f:
        model = ref.CLIP(json.load(f))
    torch.manual_seed(int(seed))
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.05)
    optimizer, _, _ = open_clip_adamw(model, lr=5e-4, betas=(0.9, 0.98), eps=1e-6)
    for _ in range(3):
        for p in model.parameters():
            p.grad = torch.randn_like(p)
        optimizer.step()
    torch.save({"epoch": 27, "name": "open_clip-seed",
                "state_dict": OrderedDict(("module." + n, t) for n, t in model.state_dict().items()),
                "optimizer": optimizer.state_dict()}, os.path.join(out_dir, "epoch_27.pt"))
    expected = OrderedDict()
    for n, p in model.named_parameters():
        expected[n] = p.detach()
        expected[n + ".exp_avg"] = optimizer.state[p]["exp_avg"]
        expected[n + ".exp_avg_sq"] = optimizer.state[p]["exp_avg_sq"]
    ref.save_safetensors(expected, os.path.join(out_dir, "expected.safetensors"))


def step(config_path, checkpoint_path, grads_path, out_path):
    names = pickled_globals(checkpoint_path)
    assert names <= SAFE_GLOBALS, names - SAFE_GLOBALS
    print(f"the pickle names only {sorted(names)}")
    weights_only = weights_only_loads_optimizer_state()
    checkpoint = torch.load(checkpoint_path, map_location="cpu", **({"weights_only": True} if weights_only else {}))
    print(f"torch {torch.__version__}: torch.load(weights_only={weights_only})" + (
        "" if weights_only else ", as this version's weights-only unpickler refuses PyTorch's own AdamW state too"))
    keys = sorted(checkpoint)
    assert keys == ["epoch", "name", "optimizer", "state_dict"], keys
    print(f"keys {keys}, epoch {checkpoint['epoch']}, name {checkpoint['name']!r}")

    with open(config_path) as f:
        model = ref.CLIP(json.load(f))
    model.load_state_dict(checkpoint["state_dict"], strict=True)
    print(f"state_dict: {len(checkpoint['state_dict'])} tensors, names and shapes those of the model")

    named = list(model.named_parameters())
    # Hyper-parameters unlike the file's: load_state_dict must replace them with the saved ones.
    optimizer, gain_or_bias, rest = open_clip_adamw(model, lr=1.0, betas=(0.5, 0.5), eps=0.5)
    optimizer.load_state_dict(checkpoint["optimizer"])
    for group, members in zip(optimizer.param_groups, (gain_or_bias, rest)):
        assert len(group["params"]) == len(members)
        for p in members:
            state = optimizer.state[p]
            assert state["exp_avg"].shape == p.shape and state["exp_avg_sq"].shape == p.shape, "moments on the wrong tensor"
    print("optimizer: groups of " + ", ".join(str(len(g["params"])) for g in optimizer.param_groups)
          + " tensors, lr " + ", ".join(f"{g['lr']:.6g}" for g in optimizer.param_groups)
          + ", weight_decay " + ", ".join(f"{g['weight_decay']:g}" for g in optimizer.param_groups)
          + f", betas {optimizer.param_groups[0]['betas']}, eps {optimizer.param_groups[0]['eps']:g}")

    grads, _ = ref.load_safetensors(grads_path)
    for name, p in named:
        p.grad = grads[name].reshape(p.shape).clone()
    optimizer.step()
    ref.save_safetensors({n: p.detach() for n, p in named}, out_path)


if __name__ == "__main__":
    {"step": step, "train": train}[sys.argv[1]](*sys.argv[2:])
