#!/usr/bin/python3
"""Training throughput: MoDE.NET's trainer (TorchSharp) vs the same CLIP in PyTorch 1.13 (Debian python3-torch).

Run with Debian's Python, which sees python3-torch (install libopenblas0-pthread too, or torch uses the reference BLAS):
    /usr/bin/python3 bench/train_peers.py [threads] [warmup_steps] [steps] [batch] [rounds] [models...]
Defaults: 2 threads, 3 warm-up steps, 20 timed steps, batch 256, 2 rounds, models "tiny" and "tiny-vit".
Each round runs PyTorch then ours for a model (alternating, so both see the same load on a shared machine); the
table shows each side's best round.

For each preset it builds the same model as src/MoDE.Net/Train (same layers, widths, heads, context length 32,
vocabulary 2,048, 32x32 images; the parameter counts are checked against ours), the same loss (symmetric InfoNCE
with the learnable, clamped logit scale) and the same AdamW (betas 0.9/0.98, eps 1e-6, weight decay 0.2 on weight
matrices and kernels only, the learning rate set every step). Each step gathers a batch of uint8 images and token
rows from a small in-memory set and normalizes the images as ClipImageTransform does, as our trainer does per step.
It times `warmup` untimed then `steps` timed steps, then runs our side (bench/MoDE.Bench `train PRESET THREADS
WARMUP STEPS BATCH`, which times Trainer.Train on a TrainState with the same shapes), and prints one table.
pairs/s = batch x steps / seconds.
"""
import math, os, re, subprocess, sys, time

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
warmup = int(sys.argv[2]) if len(sys.argv) > 2 else 3
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 20
batch = int(sys.argv[4]) if len(sys.argv) > 4 else 256
rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 2
models = sys.argv[6:] or ["tiny", "tiny-vit"]

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(threads)
VOCAB, CONTEXT, IMAGE, EMBED = 2048, 32, 32, 128
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class SelfAttention(nn.Module):
    """Packed q/k/v projection [3W, W] + bias, out_proj, as ours. Torch 1.13 has no public
    scaled_dot_product_attention, so the attention is written out: softmax(q k^T / sqrt(d) + causal mask) v."""

    def __init__(self, width, heads, causal):
        super().__init__()
        self.heads, self.causal = heads, causal
        self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        nn.init.xavier_uniform_(self.in_proj_weight)
        self.out_proj = nn.Linear(width, width)
        self.mask = None

    def forward(self, x):
        b, l, w = x.shape
        h, d = self.heads, w // self.heads
        q, k, v = F.linear(x, self.in_proj_weight, self.in_proj_bias).view(b, l, 3, h, d).permute(2, 0, 3, 1, 4)
        scores = torch.matmul(q * (d ** -0.5), k.transpose(-2, -1))        # [B, H, L, L]
        if self.causal:
            if self.mask is None or self.mask.shape[0] != l:
                self.mask = torch.full((l, l), float("-inf")).triu_(1)
            scores = scores + self.mask
        out = torch.matmul(scores.softmax(-1), v)                           # [B, H, L, d]
        return self.out_proj(out.transpose(1, 2).reshape(b, l, w))


class Block(nn.Module):
    def __init__(self, width, heads, causal):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = SelfAttention(width, heads, causal)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), QuickGELU(), nn.Linear(4 * width, width))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width, layers, heads, causal):
        super().__init__()
        self.resblocks = nn.ModuleList([Block(width, heads, causal) for _ in range(layers)])

    def forward(self, x):
        for block in self.resblocks:
            x = block(x)
        return x


class ConvImageEncoder(nn.Module):
    """3 blocks of 3x3 conv (no bias), GroupNorm(8), ReLU, 2x2 average pool (ceil); 32, 64, 128 channels;
    global average pool; linear projection."""

    def __init__(self, width=32, layers=3):
        super().__init__()
        blocks, channels = [], 3
        for i in range(layers):
            w = width << i
            blocks.append(nn.Sequential(nn.Conv2d(channels, w, 3, padding=1, bias=False), nn.GroupNorm(8, w),
                                        nn.ReLU(), nn.AvgPool2d(2, ceil_mode=True)))
            channels = w
        self.blocks = nn.ModuleList(blocks)
        self.proj = nn.Linear(channels, EMBED)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.proj(x.mean([2, 3]))


class VisionTransformer(nn.Module):
    """4x4 patches by a bias-free conv, class token, positional embeddings, ln_pre, 4 blocks of width 128 and
    4 heads, ln_post on the class token, bias-free projection."""

    def __init__(self, width=128, layers=4, heads=4, patch=4):
        super().__init__()
        grid = IMAGE // patch
        scale = width ** -0.5
        self.conv1 = nn.Conv2d(3, width, patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(grid * grid + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, layers, heads, causal=False)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, EMBED))

    def forward(self, x):
        x = self.conv1(x).flatten(2).transpose(1, 2)                       # [B, G*G, W]
        cls = self.class_embedding.view(1, 1, -1).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding
        x = self.transformer(self.ln_pre(x))
        return self.ln_post(x[:, 0]) @ self.proj


class Clip(nn.Module):
    def __init__(self, vit):
        super().__init__()
        width = 128
        self.visual = VisionTransformer() if vit else ConvImageEncoder()
        self.token_embedding = nn.Embedding(VOCAB, width)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        self.positional_embedding = nn.Parameter(0.01 * torch.randn(CONTEXT, width))
        self.transformer = Transformer(width, 2, 4, causal=True)
        self.ln_final = nn.LayerNorm(width)
        self.text_projection = nn.Parameter(width ** -0.5 * torch.randn(width, EMBED))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def encode_text(self, tokens):
        x = self.token_embedding(tokens) + self.positional_embedding[: tokens.shape[1]]
        x = self.ln_final(self.transformer(x))
        pooled = x[torch.arange(x.shape[0]), tokens.argmax(1)]               # the end-of-text token
        return F.normalize(pooled @ self.text_projection, dim=-1)

    def forward(self, images, tokens):
        return F.normalize(self.visual(images), dim=-1), self.encode_text(tokens)


def clip_loss(image_features, text_features, logit_scale):
    scale = logit_scale.clamp(max=math.log(100)).exp()
    logits = scale * image_features @ text_features.t()
    labels = torch.arange(logits.shape[0])
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2


def optimizer_for(model):
    decayed, not_decayed = [], []
    for name, p in model.named_parameters():
        (decayed if p.dim() >= 2 and "embedding" not in name else not_decayed).append(p)
    return torch.optim.AdamW([{"params": decayed, "weight_decay": 0.2}, {"params": not_decayed, "weight_decay": 0.0}],
                             lr=5e-4, betas=(0.9, 0.98), eps=1e-6, foreach=True)


def random_data(count, generator):
    images = torch.randint(0, 256, (count, IMAGE, IMAGE, 3), dtype=torch.uint8, generator=generator)  # HWC uint8
    tokens = torch.zeros(count, CONTEXT, dtype=torch.int64)
    lengths = torch.randint(4, CONTEXT - 1, (count,), generator=generator)
    for i, n in enumerate(lengths.tolist()):
        tokens[i, 0] = VOCAB - 2                                              # start of text
        tokens[i, 1:n + 1] = torch.randint(2, VOCAB - 2, (n,), generator=generator)
        tokens[i, n + 1] = VOCAB - 1                                          # end of text: the largest id
    return images, tokens


def pytorch_pairs_per_second(preset):
    torch.manual_seed(1234)
    model = Clip(vit=preset == "tiny-vit")
    model.train()
    optimizer = optimizer_for(model)
    generator = torch.Generator().manual_seed(1)
    count = 4 * batch
    images, tokens = random_data(count, generator)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    order = torch.randperm(count, generator=generator)
    total = warmup + steps

    def step(i):
        lr = 5e-4 * 0.5 * (1 + math.cos(math.pi * i / total))                 # cosine, as our schedule
        for group in optimizer.param_groups:
            group["lr"] = lr
        start = (i * batch) % count
        rows = order[start:start + batch]
        x = images[rows].permute(0, 3, 1, 2).float().div_(255).sub_(mean).div_(std).contiguous()
        t = tokens[rows]
        image_features, text_features = model(x, t)
        loss = clip_loss(image_features, text_features, model.logit_scale)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item(), model.logit_scale.item()

    for i in range(warmup):
        step(i)
    started = time.perf_counter()
    for i in range(warmup, total):
        step(i)
    seconds = time.perf_counter() - started
    params = sum(p.numel() for p in model.parameters())
    return batch * steps / seconds, seconds, params


def ours(preset):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    command = ["dotnet", "run", "--no-build", "--project", os.path.join(root, "bench", "MoDE.Bench"), "-c", "Release", "--",
               "train", preset, str(threads), str(warmup), str(steps), str(batch)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=root).stdout
    rate = float(re.search(r"^pairs_per_s ([0-9.]+) steps \d+ seconds ([0-9.]+)", output, re.M).group(1))
    seconds = float(re.search(r"^pairs_per_s [0-9.]+ steps \d+ seconds ([0-9.]+)", output, re.M).group(1))
    params = int(re.search(r"^params (\d+)", output, re.M).group(1))
    config = re.search(r"^libtorch_config_begin\n(.*?)^libtorch_config_end", output, re.M | re.S)
    return rate, seconds, params, output, config.group(1) if config else ""


def loaded_blas():
    """The BLAS shared libraries this process has mapped (Debian's torch calls the system libblas.so.3, which
    update-alternatives points at OpenBLAS once libopenblas0-pthread is installed)."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    return ", ".join(sorted(os.path.realpath(p) for p in paths)) or "none mapped"


def blas_line(config):
    blas = re.search(r"BLAS_INFO=([^,\s]+)", config)
    mkldnn = re.search(r"USE_MKLDNN=([^,\s]+)", config)
    mkl = re.search(r"Intel\(R\) (?:oneAPI )?Math Kernel Library Version ([0-9.]+)", config)
    dnnl = re.search(r"(?:oneDNN|Intel\(R\) MKL-DNN) v([0-9.]+)", config)
    omp = re.search(r"OpenMP (\d+)", config)
    parts = [f"BLAS={blas.group(1) if blas else '?'}"]
    if mkl: parts.append(f"MKL {mkl.group(1)}")
    parts.append(f"oneDNN {dnnl.group(1) if dnnl else ('on' if mkldnn and mkldnn.group(1) == 'ON' else 'off')}")
    if omp: parts.append(f"OpenMP {omp.group(1)}")
    return ", ".join(parts)


if __name__ == "__main__":
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores; "
          f"batch {batch}, {warmup} warm-up + {steps} timed steps, {threads} threads each side")
    torch_config = torch.__config__.show()
    print(f"PyTorch {torch.__version__}: torch.get_num_threads() = {torch.get_num_threads()}, "
          f"interop {torch.get_num_interop_threads()}")
    print(torch_config)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run(["dotnet", "build", os.path.join(root, "bench", "MoDE.Bench"), "-c", "Release", "-v", "q", "-nologo"],
                   check=True, capture_output=True, text=True, cwd=root)
    rows, our_config = [], ""
    for preset in models:
        best_theirs = best_ours = 0.0
        for r in range(rounds):
            theirs, their_seconds, their_params = pytorch_pairs_per_second(preset)
            rate, seconds, params, output, our_config = ours(preset)
            load = os.getloadavg()[0]
            print(f"{preset} round {r + 1}: parameters PyTorch {their_params:,} / ours {params:,}; "
                  f"PyTorch {theirs:.1f} pairs/s ({their_seconds:.2f} s), ours {rate:.1f} pairs/s ({seconds:.2f} s) "
                  f"for {steps} steps; load {load:.2f}", flush=True)
            assert their_params == params, f"{preset}: parameter counts differ ({their_params} vs {params})"
            best_theirs, best_ours = max(best_theirs, theirs), max(best_ours, rate)
        rows.append((preset, best_theirs, best_ours))
    if our_config:
        print("libtorch in TorchSharp (at::show_config):")
        print(our_config)
    load = os.getloadavg()
    print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print()
    print(f"best of {rounds} rounds each:")
    print(f"| model | PyTorch {torch.__version__} pairs/s | MoDE.NET (TorchSharp) pairs/s | ours / PyTorch |")
    print("|---|---:|---:|---:|")
    for preset, theirs, rate in rows:
        print(f"| {preset} | {theirs:.0f} | {rate:.0f} | {rate / theirs:.2f}x |")
    print()
    print(f"PyTorch BLAS: {blas_line(torch_config)}; loaded: {loaded_blas()}")
    print(f"MoDE.NET BLAS: {blas_line(our_config)}")
