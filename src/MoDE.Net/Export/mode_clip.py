"""mode_clip: MoDE.NET's CLIP models, routing and ensemble in plain PyTorch (Debian's python3-torch and numpy alone).

`mode export` writes this file into every export folder (from src/MoDE.Net/Export/mode_clip.py). It loads an exported
model folder (load), reads the router file (load_router), routes a task by its class-name embeddings (route, the
formulas of src/MoDE.Net/Route/ExpertRouter.cs) and combines the experts' zero-shot logits (ensemble,
src/MoDE.Net/Route/Ensemble.cs). The rest of this text describes the model reference itself.

It mirrors src/MoDE.Net/Model: Clip.cs, VisionTransformer.cs, ConvImageEncoder.cs (the "tiny" preset's image tower),
Transformer.cs, ResidualAttentionBlock.cs, SelfAttention.cs, QuickGelu.cs, ClipConfig.cs and ClipConfig.Presets.cs,
ClipImageTransform.cs. The ViT and text tower carry open_clip's state-dict names (open_clip's src/open_clip/model.py:
visual.conv1, visual.class_embedding, visual.positional_embedding, visual.ln_pre, visual.transformer.resblocks.N.*,
visual.ln_post, visual.proj, token_embedding, positional_embedding, transformer.resblocks.N.*, ln_final,
text_projection, logit_scale); the CNN tower, which open_clip lacks, carries MoDE's own module names
(visual.blocks.N.conv, visual.blocks.N.norm, visual.proj). It runs on Debian's python3-torch (1.13) and numpy alone.

load_safetensors reads a .safetensors file from its documented layout (huggingface/safetensors README, "Format"):
an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to its dtype, shape and
[begin, end) byte offsets into the data that follows (plus an optional "__metadata__" map of strings), then the data,
little-endian and row-major, with no holes.

As a program, `mode_clip.py encode CONFIG.json WEIGHTS.safetensors INPUTS.safetensors OUT.safetensors` writes the
features of fixed inputs under given weights (see encode), for comparison with MoDE's own.
"""
import json
import math
import os
import struct
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# ClipImageTransform.cs: OpenAI CLIP's per-channel RGB mean and standard deviation (on a 0..1 scale).
IMAGE_MEAN = (0.48145466, 0.4578275, 0.40821073)
IMAGE_STD = (0.26862954, 0.26130258, 0.27577711)

# Clip.cs: the initial logit scale ln(1 / 0.07), clamped to ln(100) where the loss uses it (Train/ClipLoss.cs).
INITIAL_LOGIT_SCALE = math.log(1 / 0.07)
MAX_LOGIT_SCALE = math.log(100)

# ConvImageEncoder.cs: GroupNorm with 8 groups.
CNN_NORM_GROUPS = 8


def vision_defaults():
    """ClipVisionConfig.cs's defaults (open_clip's CLIPVisionCfg: a ViT-B/16 at 224 pixels)."""
    return {"image_size": 224, "kind": "vit", "width": 768, "layers": 12, "patch_size": 16, "head_width": 64,
            "mlp_ratio": 4.0}


def text_defaults():
    """ClipTextConfig.cs's defaults (open_clip's CLIPTextCfg)."""
    return {"context_length": 77, "vocab_size": 49408, "width": 512, "layers": 12, "heads": 8, "mlp_ratio": 4.0}


def complete_config(config):
    """The config with every default filled in; raises ValueError on a key MoDE's ClipConfig does not know."""
    known = {"embed_dim", "vision_cfg", "text_cfg", "quick_gelu"}
    unknown = set(config) - known
    if unknown:
        raise ValueError(f"unknown config keys {sorted(unknown)} (known: {sorted(known)})")
    vision, text = vision_defaults(), text_defaults()
    for name, given, full in (("vision_cfg", config.get("vision_cfg", {}), vision), ("text_cfg", config.get("text_cfg", {}), text)):
        extra = set(given) - set(full)
        if extra:
            raise ValueError(f"unknown {name} keys {sorted(extra)} (known: {sorted(full)})")
        full.update(given)
    return {"embed_dim": config["embed_dim"], "vision_cfg": vision, "text_cfg": text,
            "quick_gelu": bool(config.get("quick_gelu", False))}


def preset(name, vocab_size=49408, image_size=32):
    """ClipConfig.Presets.cs: the config of a preset, as a dict in open_clip's model-config shape."""
    tiny_text = {"context_length": 32, "vocab_size": vocab_size, "width": 128, "layers": 2, "heads": 4}
    key = name.lower()
    if key == "tiny":
        return complete_config({"embed_dim": 128, "quick_gelu": True, "text_cfg": tiny_text,
                                "vision_cfg": {"image_size": image_size, "kind": "cnn", "width": 32, "layers": 3}})
    if key == "tiny-vit":
        return complete_config({"embed_dim": 128, "quick_gelu": True, "text_cfg": tiny_text,
                                "vision_cfg": {"image_size": image_size, "kind": "vit", "width": 128, "layers": 4,
                                               "patch_size": 4, "head_width": 32}})
    vits = {"vit-b-32": (512, 32, 768, 12, 512, 8), "vit-b-16": (512, 16, 768, 12, 512, 8),
            "vit-l-14": (768, 14, 1024, 24, 768, 12)}
    if key not in vits:
        raise ValueError(f"unknown preset '{name}' (known: tiny, tiny-vit, ViT-B-32, ViT-B-16, ViT-L-14)")
    embed, patch, vision_width, vision_layers, text_width, text_heads = vits[key]
    return complete_config({"embed_dim": embed,
                            "vision_cfg": {"image_size": 224, "kind": "vit", "width": vision_width,
                                           "layers": vision_layers, "patch_size": patch},
                            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": text_width,
                                         "layers": 12, "heads": text_heads}})


class QuickGELU(nn.Module):
    """QuickGelu.cs: x * sigmoid(1.702 x)."""

    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class SelfAttention(nn.Module):
    """SelfAttention.cs: batch-first multi-head self-attention with nn.MultiheadAttention's parameters (packed
    in_proj_weight [3W, W], in_proj_bias [3W], out_proj), causal (position i sees 0..i) when built so."""

    def __init__(self, width, heads, causal):
        super().__init__()
        if width % heads != 0:
            raise ValueError(f"heads {heads} must divide the width {width}")
        self.heads, self.causal = heads, causal
        self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        self.out_proj = nn.Linear(width, width)

    def forward(self, x):
        batch, length, width = x.shape
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)                               # [B, L, 3W]
        qkv = qkv.view(batch, length, 3, self.heads, width // self.heads).permute(2, 0, 3, 1, 4)  # [3, B, H, L, W/H]
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = q @ k.transpose(-2, -1) / math.sqrt(width // self.heads)                       # [B, H, L, L]
        if self.causal:
            future = torch.ones(length, length, dtype=torch.bool, device=x.device).triu(1)
            scores = scores.masked_fill(future, float("-inf"))
        attended = scores.softmax(-1) @ v                                                        # [B, H, L, W/H]
        return self.out_proj(attended.transpose(1, 2).reshape(batch, length, width))


class ResidualAttentionBlock(nn.Module):
    """ResidualAttentionBlock.cs: x + attn(ln_1(x)), then x + mlp(ln_2(x)); mlp = c_fc, GELU or QuickGELU, c_proj."""

    def __init__(self, width, heads, mlp_width, quick_gelu, causal):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)  # eps 1e-5, as TorchSharp's and open_clip's
        self.attn = SelfAttention(width, heads, causal)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(OrderedDict([
            ("c_fc", nn.Linear(width, mlp_width)),
            ("gelu", QuickGELU() if quick_gelu else nn.GELU()),  # exact (erf) GELU
            ("c_proj", nn.Linear(mlp_width, width))]))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    """Transformer.cs: a stack of blocks named resblocks."""

    def __init__(self, width, layers, heads, mlp_ratio, quick_gelu, causal):
        super().__init__()
        mlp_width = width * mlp_ratio
        if mlp_width != int(mlp_width):
            raise ValueError(f"mlp_ratio {mlp_ratio} must give a whole MLP width for width {width}")
        self.resblocks = nn.ModuleList(
            [ResidualAttentionBlock(width, heads, int(mlp_width), quick_gelu, causal) for _ in range(layers)])

    def forward(self, x):
        for block in self.resblocks:
            x = block(x)
        return x


class VisionTransformer(nn.Module):
    """VisionTransformer.cs: bias-free patch convolution conv1, class token prepended, positional embeddings,
    ln_pre, full-attention transformer, ln_post of the class token, bias-free projection proj [W, E]."""

    def __init__(self, vision, embed_dim, quick_gelu):
        super().__init__()
        width, patch = vision["width"], vision["patch_size"]
        if vision["image_size"] % patch != 0 or width % vision["head_width"] != 0:
            raise ValueError("patch_size must divide image_size and head_width must divide width")
        grid = vision["image_size"] // patch
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(torch.zeros(width))
        self.positional_embedding = nn.Parameter(torch.zeros(grid * grid + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, vision["layers"], width // vision["head_width"], vision["mlp_ratio"],
                                       quick_gelu, causal=False)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.zeros(width, embed_dim))

    def forward(self, images):
        x = self.conv1(images).flatten(2).transpose(1, 2)                       # [B, G*G, W]
        cls = self.class_embedding.view(1, 1, -1).expand(x.shape[0], 1, -1)     # [B, 1, W]
        x = torch.cat([cls, x], dim=1) + self.positional_embedding               # [B, G*G + 1, W]
        x = self.transformer(self.ln_pre(x))
        return self.ln_post(x[:, 0]) @ self.proj                                 # [B, E]


class ConvImageEncoder(nn.Module):
    """ConvImageEncoder.cs: blocks of bias-free 3x3 convolution, GroupNorm(8), ReLU and 2x2 average pooling (ceil
    mode), channels width * 2^i; then the spatial mean and a linear projection proj (weight [E, C], bias [E])."""

    def __init__(self, vision, embed_dim):
        super().__init__()
        width = vision["width"]
        if width < CNN_NORM_GROUPS or width % CNN_NORM_GROUPS != 0:
            raise ValueError(f"cnn width {width} must be a positive multiple of {CNN_NORM_GROUPS}")
        self.blocks = nn.ModuleList()
        channels = 3
        for i in range(vision["layers"]):
            out = width << i
            self.blocks.append(nn.Sequential(OrderedDict([
                ("conv", nn.Conv2d(channels, out, kernel_size=3, padding=1, bias=False)),
                ("norm", nn.GroupNorm(CNN_NORM_GROUPS, out)),  # eps 1e-5
                ("relu", nn.ReLU()),
                ("pool", nn.AvgPool2d(kernel_size=2, ceil_mode=True))])))
            channels = out
        self.proj = nn.Linear(channels, embed_dim)

    def forward(self, images):
        x = images
        for block in self.blocks:
            x = block(x)
        return self.proj(x.mean((2, 3)))


class CLIP(nn.Module):
    """Clip.cs: an image tower and a causal text transformer, each projected to the joint embedding and
    L2-normalized, and the learnable logit scale."""

    def __init__(self, config):
        super().__init__()
        self.config = config = complete_config(config)
        vision, text, embed = config["vision_cfg"], config["text_cfg"], config["embed_dim"]
        if vision["kind"] == "vit":
            self.visual = VisionTransformer(vision, embed, config["quick_gelu"])
        elif vision["kind"] == "cnn":
            self.visual = ConvImageEncoder(vision, embed)
        else:
            raise ValueError(f"unknown vision kind '{vision['kind']}' (known: vit, cnn)")
        # Registered in open_clip's order (model.py CLIP: visual, transformer, token_embedding, ln_final), so that
        # named_parameters() lists the tensors as open_clip's does: an optimizer's state dict indexes them by that order.
        self.transformer = Transformer(text["width"], text["layers"], text["heads"], text["mlp_ratio"],
                                       config["quick_gelu"], causal=True)
        self.token_embedding = nn.Embedding(text["vocab_size"], text["width"])
        self.positional_embedding = nn.Parameter(torch.zeros(text["context_length"], text["width"]))
        self.ln_final = nn.LayerNorm(text["width"])
        self.text_projection = nn.Parameter(torch.zeros(text["width"], embed))
        self.logit_scale = nn.Parameter(torch.tensor(INITIAL_LOGIT_SCALE, dtype=torch.float32))

    def encode_image(self, images):
        """Normalized images [B, 3, H, W] (normalize_images) to unit features [B, E]."""
        return F.normalize(self.visual(images), dim=-1)

    def encode_text(self, tokens):
        """Token ids [B, L] to unit features [B, E], read at each row's largest id (end-of-text, as in CLIP)."""
        x = self.token_embedding(tokens) + self.positional_embedding[:tokens.shape[1]]
        x = self.ln_final(self.transformer(x))
        pooled = x[torch.arange(x.shape[0]), tokens.argmax(1)]
        return F.normalize(pooled @ self.text_projection, dim=-1)

    def forward(self, images, tokens):
        return self.encode_image(images), self.encode_text(tokens)

    def logits(self, images, tokens):
        """Image-to-text logits [B, B]: exp(min(logit_scale, ln 100)) x cosine, as Train/ClipLoss.cs."""
        return self.scaled_cosine(*self(images, tokens))

    def scaled_cosine(self, image_features, text_features):
        return self.logit_scale.clamp(max=MAX_LOGIT_SCALE).exp() * image_features @ text_features.T


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


def normalize_images(pixels):
    """ClipImageTransform.cs: 8-bit RGB [B, H, W, 3] (uint8) to float [B, 3, H, W], scaled to 0..1 and normalized."""
    x = torch.as_tensor(pixels).permute(0, 3, 1, 2).to(torch.float32) / 255
    return (x - torch.tensor(IMAGE_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGE_STD).view(1, 3, 1, 1)


# The safetensors dtypes numpy holds directly (little-endian); BF16 is read as its upper 16 bits of a float32.
SAFETENSORS_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
                      "I8": "i1", "U8": "u1", "BOOL": "?", "BF16": "<u2", "U16": "<u2", "U32": "<u4", "U64": "<u8"}
# torch 1.13 has no uint16/32/64 tensors: these widen to the next signed type (U64 only when every value fits).
UNSIGNED_WIDENED = {"U16": np.int32, "U32": np.int64, "U64": np.int64}
NUMPY_TO_SAFETENSORS = {np.dtype(v): k for k, v in SAFETENSORS_DTYPES.items() if k not in ("BF16", "U16", "U32", "U64")}


def load_safetensors(path):
    """The tensors of a .safetensors file, by name (an OrderedDict of CPU tensors in file order), and its
    "__metadata__". Raises ValueError, naming the file and the tensor, unless the header is valid JSON within the
    file, every entry has a known dtype, a shape of non-negative ints and offsets that hold exactly its bytes, and
    the entries tile the data with no hole or overlap."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: {len(raw)} bytes, shorter than the 8-byte header length")
    (header_length,) = struct.unpack("<Q", raw[:8])
    if header_length > len(raw) - 8:
        raise ValueError(f"{path}: header length {header_length} exceeds the {len(raw) - 8} bytes after it")
    try:
        header = json.loads(raw[8:8 + header_length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: header is not UTF-8 JSON: {e}") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path}: header is not a JSON object")
    metadata = header.pop("__metadata__", {}) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError(f"{path}: __metadata__ is not a map of strings")
    data = memoryview(raw)[8 + header_length:]
    spans, tensors = [], OrderedDict()
    for name, entry in sorted(header.items(), key=lambda kv: _begin(kv[1])):
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"{path}: tensor '{name}': entry must have exactly dtype, shape and data_offsets")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in SAFETENSORS_DTYPES:
            raise ValueError(f"{path}: tensor '{name}': unsupported dtype {dtype!r}")
        if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
            raise ValueError(f"{path}: tensor '{name}': shape {shape!r} is not a list of non-negative ints")
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(isinstance(o, int) for o in offsets)
                or not 0 <= offsets[0] <= offsets[1] <= len(data)):
            raise ValueError(f"{path}: tensor '{name}': data_offsets {offsets!r} outside the {len(data)} data bytes")
        np_dtype = np.dtype(SAFETENSORS_DTYPES[dtype])
        expected = int(np.prod(shape, dtype=np.int64)) * np_dtype.itemsize
        if offsets[1] - offsets[0] != expected:
            raise ValueError(f"{path}: tensor '{name}': {offsets[1] - offsets[0]} bytes, but {dtype} {shape} needs {expected}")
        spans.append((offsets[0], offsets[1], name))
        array = np.frombuffer(data[offsets[0]:offsets[1]], dtype=np_dtype).reshape(shape)
        if dtype == "BF16":
            tensor = torch.from_numpy((array.astype(np.uint32) << 16).view(np.float32)).to(torch.bfloat16)
        elif dtype in UNSIGNED_WIDENED:
            if dtype == "U64" and array.size and int(array.max()) > np.iinfo(np.int64).max:
                raise ValueError(f"{path}: tensor '{name}': a U64 value exceeds int64, which torch holds")
            tensor = torch.from_numpy(array.astype(UNSIGNED_WIDENED[dtype]))
        else:
            tensor = torch.from_numpy(array.astype(np_dtype.newbyteorder("="), copy=True))
        tensors[name] = tensor
    position = 0
    for begin, end, name in spans:
        if begin != position:
            raise ValueError(f"{path}: tensor '{name}' starts at byte {begin}, not {position}: the data has a hole or an overlap")
        position = end
    if position != len(data):
        raise ValueError(f"{path}: the tensors end at byte {position} of {len(data)} data bytes")
    return tensors, metadata


def _begin(entry):
    offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
    return offsets[0] if isinstance(offsets, list) and offsets and isinstance(offsets[0], int) else -1


def save_safetensors(tensors, path, metadata=None):
    """Writes named tensors (F32/F64/F16/int/bool) as a .safetensors file, in the given order, header padded with
    spaces to a multiple of 8 bytes (as the format recommends for alignment)."""
    header, chunks, offset = OrderedDict(), [], 0
    if metadata:
        header["__metadata__"] = dict(metadata)
    for name, tensor in tensors.items():
        array = tensor.detach().cpu().numpy().copy(order="C")  # np.ascontiguousarray would make a scalar 1-d
        if array.dtype not in NUMPY_TO_SAFETENSORS:
            raise ValueError(f"tensor '{name}': dtype {array.dtype} has no safetensors writer here")
        payload = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": NUMPY_TO_SAFETENSORS[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(payload)]}
        chunks.append(payload)
        offset += len(payload)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for chunk in chunks:
            f.write(chunk)


def load_into(model, tensors, source="state"):
    """Copies tensors into the model's parameters; raises ValueError, naming the source, on a missing or unexpected
    name or a shape that differs (strict: the two name sets must be equal)."""
    own = model.state_dict()
    missing, unexpected = sorted(set(own) - set(tensors)), sorted(set(tensors) - set(own))
    if missing or unexpected:
        raise ValueError(f"{source}: missing {missing[:5]}{'...' if len(missing) > 5 else ''} "
                         f"unexpected {unexpected[:5]}{'...' if len(unexpected) > 5 else ''}")
    for name, tensor in tensors.items():
        if tuple(tensor.shape) != tuple(own[name].shape):
            raise ValueError(f"{source}: tensor '{name}' has shape {list(tensor.shape)}, the model {list(own[name].shape)}")
    model.load_state_dict({name: t.to(own[name].dtype) for name, t in tensors.items()}, strict=True)
    return model


def load_model(config, path):
    """A CLIP built from config with the weights of a .safetensors file (strict about names and shapes)."""
    tensors, _ = load_safetensors(path)
    return load_into(CLIP(config), tensors, source=str(path)).eval()


def encode(config_path, weights_path, inputs_path, out_path):
    """The parity step: features of fixed inputs under given weights. inputs holds "tokens" (I64 [B, L]) and either
    "pixels" (U8 [B, H, W, 3], normalized here as ClipImageTransform.cs) or "images" (F32 [B, 3, H, W], normalized);
    out gets "image_features" and "text_features" (F32 [B, E], unit rows) and "logits" (F32 [B, B], Clip's clamped
    scale x cosine)."""
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    model = load_model(config, weights_path)
    inputs, _ = load_safetensors(inputs_path)
    images = normalize_images(inputs["pixels"].numpy()) if "pixels" in inputs else inputs["images"].float()
    with torch.no_grad():
        image_features, text_features = model(images, inputs["tokens"].long())
        logits = model.scaled_cosine(image_features, text_features)
    save_safetensors(OrderedDict([("image_features", image_features), ("text_features", text_features),
                                  ("logits", logits)]), out_path, metadata={"producer": "mode_clip.py"})



# ---- An export folder (src/MoDE.Net/Export/RunExport.cs): models, router, routing and ensemble. ----

CONFIG_FILE = "open_clip_config.json"
WEIGHTS_FILE = "open_clip_model.safetensors"
ROUTER_FILE = "mode_router.json"
ROUTER_FORMAT_VERSION = 1


def load(folder):
    """The model of an exported folder (open_clip_config.json's model_cfg and open_clip_model.safetensors), in eval
    mode. It takes images normalized by normalize_images (at the config's image_size) and token rows [B, L]."""
    with open(os.path.join(folder, CONFIG_FILE), encoding="utf-8") as f:
        config = json.load(f)
    return load_model(config["model_cfg"], os.path.join(folder, WEIGHTS_FILE))


class Router:
    """mode_router.json of an export folder, with its centers: route() gives a task's expert weights from its
    class-name embeddings, made by the caption encoder the file names (caption_encoder)."""

    def __init__(self, folder):
        path = os.path.join(folder, ROUTER_FILE)
        with open(path, encoding="utf-8") as f:
            self.config = config = json.load(f)
        if config.get("format_version") != ROUTER_FORMAT_VERSION:
            raise ValueError(f"{path}: router format version {config.get('format_version')}, this module reads {ROUTER_FORMAT_VERSION}")
        self.folder = folder
        self.experts = config["experts"]
        self.fine_to_coarse = np.asarray(config["fine_to_coarse"], dtype=np.int64)
        self.centers = {kind: np.load(os.path.join(folder, name)).astype(np.float32)
                        for kind, name in config["centers"].items()}
        self.routing = config["routing"]
        # RoutingTemperature.cs: the calibrated formula's lambda, derived here from the centers as MoDE derives it
        self.lambdas = {"fine": calibrated_lambda(self.centers["fine"], self.centers["fine"], self.fine_to_coarse, True),
                        "coarse": calibrated_lambda(self.centers["fine"], self.centers["coarse"], np.arange(self.experts), False)}

    def expert_folders(self):
        """The folder of each expert, in expert order."""
        return [os.path.join(self.folder, name) for name in self.config["models"]["experts"]]

    def route(self, class_embeddings, formula=None, centers=None):
        """Expert weights (float64, summing to 1) for a task whose classes have these unit embeddings [L, d], by
        the file's default formula and centers unless named ("released_code", "paper" or "calibrated"; "fine" or "coarse")."""
        formula = formula or self.routing["default"]["formula"]
        centers = centers or self.routing["default"]["centers"]
        expert_of = self.fine_to_coarse if centers == "fine" else np.arange(self.experts)
        return route(class_embeddings, self.centers[centers], expert_of, self.experts, formula, self.routing["constants"],
                     self.lambdas[centers])


def load_router(folder):
    return Router(folder)


def calibrated_lambda(probes, centers, expert_of, probes_are_centers):
    """RoutingTemperature.cs: each probe (a fine center) sees each expert at the squared distance of its nearest
    center (float32 L2, squared in float64), itself left out when the probes are the centers; its margin is the
    second-nearest expert's minus the nearest's; lambda is the median of the positive finite margins (the mean of the
    middle two for an even count), 1 when there is none."""
    probes = np.asarray(probes, dtype=np.float32)
    centers = np.asarray(centers, dtype=np.float32)
    expert_of = np.asarray(expert_of)
    experts = int(expert_of.max()) + 1
    nearest = np.full((len(probes), experts), np.inf)
    for p in range(len(probes)):  # a probe at a time: [probes, centers, d] at once can exceed memory
        squared = np.sqrt(((centers - probes[p]) ** 2).sum(-1, dtype=np.float32)).astype(np.float64) ** 2
        if probes_are_centers:
            squared[p] = np.inf
        np.minimum.at(nearest[p], expert_of, squared)
    nearest.sort(1)
    margins = nearest[:, 1] - nearest[:, 0] if experts >= 2 else []
    usable = sorted(m for m in margins if m > 0 and math.isfinite(m))
    if not usable:
        return 1.0
    half = len(usable) // 2
    return usable[half] if len(usable) % 2 == 1 else (usable[half - 1] + usable[half]) / 2


def route(class_embeddings, centers, expert_of, experts, formula, constants, lam=None):
    """ExpertRouter.cs: each class's nearest center (the max filter) and its L2 distance, then per expert
    released_code: score = sum of exp((add - d) * mul) / temperature, add = exp(soften_offset - sqrt L) under
    few_classes classes (else 0), mul = sharpness * log10(max(10, L - many_classes));
    paper: score = sum of soften * exp(-d^2 / lambda), soften = exp(soften_offset - sqrt L) under few_classes classes
    (else 1), lambda divided by ln L over many_classes classes; weights = softmax(score).
    calibrated: per class, p(k|l) = softmax over k of -D(l,k) / lam (calibrated_lambda of the run's centers), D(l,k)
    the squared distance to expert k's nearest center; weights = the mean of p(.|l) over the classes."""
    classes = np.asarray(class_embeddings, dtype=np.float32)
    centers = np.asarray(centers, dtype=np.float32)
    count = len(classes)
    if count == 0:
        raise ValueError("a task needs at least one class")
    # float32 distances, as TensorPrimitives.Distance computes them
    distances = np.sqrt(((classes[:, None, :] - centers[None, :, :]) ** 2).sum(-1, dtype=np.float32)).astype(np.float64)
    nearest = distances.argmin(1)
    distance = distances[np.arange(count), nearest]
    c = constants
    score = np.zeros(experts)
    if formula == "calibrated":
        if lam is None:
            raise ValueError("the calibrated formula needs its lambda (calibrated_lambda)")
        squared = np.full((count, experts), np.inf)
        np.minimum.at(squared, (np.arange(count)[:, None], np.asarray(expert_of)[None, :]), distances * distances)
        logits = -squared / lam
        p = np.exp(logits - logits.max(1, keepdims=True))
        weights = (p / p.sum(1, keepdims=True)).sum(0)
        return weights / count
    if formula == "released_code":
        add = math.exp(c["soften_offset"] - math.sqrt(count)) if count < c["few_classes"] else 0.0
        mul = c["sharpness"] * math.log10(max(10, count - c["many_classes"]))
        for l in range(count):
            score[expert_of[nearest[l]]] += math.exp((add - distance[l]) * mul)
        score /= c["temperature"]
    elif formula == "paper":
        lam = c["lambda"] / math.log(count) if count > c["many_classes"] else c["lambda"]
        soften = math.exp(c["soften_offset"] - math.sqrt(count)) if count < c["few_classes"] else 1.0
        for l in range(count):
            score[expert_of[nearest[l]]] += soften * math.exp(-distance[l] * distance[l] / lam)
    else:
        raise ValueError(f"unknown routing formula '{formula}' (known: released_code, paper, calibrated)")
    weights = np.exp(score - score.max())
    return weights / weights.sum()


def class_embedding(features):
    """ClassEmbedding.cs: the mean of a class's L2-normalized prompt features, normalized again."""
    total = F.normalize(features, dim=-1, eps=1e-12).sum(0)
    return total / total.norm().clamp(min=1e-12)


def class_weights(model, prompt_tokens):
    """Each class's unit text embedding in the model's space: prompt_tokens[c] holds class c's prompt rows [P, L]."""
    with torch.no_grad():
        return torch.stack([class_embedding(model.encode_text(torch.as_tensor(rows).long())) for rows in prompt_tokens])


def zero_shot_logits(model, images, weights):
    """[B, C] cosine logits (no logit scale, as MoDE ensembles them) of normalized images against class weights."""
    with torch.no_grad():
        return model.encode_image(images) @ weights.T


def ensemble(logits, weights):
    """Ensemble.cs: sum over experts of w_c * logits_c, in float32, expert after expert."""
    output = np.zeros(np.asarray(logits[0]).shape, dtype=np.float32)
    for expert_logits, weight in zip(logits, weights):
        output = np.asarray(expert_logits, dtype=np.float32) * np.float32(weight) + output
    return output

if __name__ == "__main__":
    import sys
    if len(sys.argv) != 6 or sys.argv[1] != "encode":
        sys.exit("usage: mode_clip.py encode CONFIG.json WEIGHTS.safetensors INPUTS.safetensors OUT.safetensors")
    try:
        encode(*sys.argv[2:])
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"mode_clip.py: {e}")
