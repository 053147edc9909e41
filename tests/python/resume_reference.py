"""One AdamW step in PyTorch from an open_clip training checkpoint that MoDE.NET wrote (Train/OpenClipTrainingCheckpoint.cs).

`resume_reference.py CONFIG.json CHECKPOINT.pt GRADS.safetensors OUT.safetensors` does what open_clip_train's main.py
(v3.3.0) does on --resume, on the plain PyTorch mirror src/MoDE.Net/Export/mode_clip.py: torch.load the checkpoint
(with weights_only=True where the installed PyTorch reads its own AdamW state so; its pickle is first checked to
name nothing but tensors and storages), check its keys, load "state_dict" into the model (strict:
every name and shape), build torch.optim.AdamW with open_clip's two groups (main.py's exclude rule, over
model.named_parameters() in order) and load "optimizer" into it. Then it sets every parameter's gradient to the tensor of
that name in GRADS, takes one optimizer step and writes the parameters to OUT. It prints what it checked.
"""
import inspect
import io
import json
import os
import pickle
import pickletools
import sys
import zipfile

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


def main(config_path, checkpoint_path, grads_path, out_path):
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

    exclude = lambda n, p: p.ndim < 2 or "bn" in n or "ln" in n or "bias" in n or "logit_scale" in n  # noqa: E731
    named = list(model.named_parameters())
    gain_or_bias = [p for n, p in named if exclude(n, p)]
    rest = [p for n, p in named if not exclude(n, p)]
    # Hyper-parameters unlike the file's: load_state_dict must replace them with the saved ones.
    optimizer = torch.optim.AdamW([{"params": gain_or_bias, "weight_decay": 0.0}, {"params": rest, "weight_decay": 0.7}],
                                  lr=1.0, betas=(0.5, 0.5), eps=0.5)
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
    main(*sys.argv[1:5])
