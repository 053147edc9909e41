using System.Text;
using MoDE.Model;
using MoDE.Split;
using MoDE.Tokenizer;

namespace MoDE.Export;

/// <summary>
/// The README.md written into an export folder, for its run: the Python lines that load one expert with the bundled
/// mode_clip.py (numpy and torch only), route a task from the router file and ensemble the experts, and, for a ViT,
/// the open_clip lines (in a block fenced <c>```python open_clip</c>, as they need open_clip installed). The plain
/// <c>```python</c> blocks run as written, one after another, in the export folder.
/// </summary>
public static class ExportReadme
{
    public const string FileName = "README.md";

    /// <summary>The fence of the blocks that need open_clip.</summary>
    public const string OpenClipFence = "```python open_clip";

    public static string Text(string runRoot, ClipConfig config, int experts, string encoderName, CaptionTokenizer tokenizer)
    {
        int size = config.Vision.ImageSize, length = config.Text.ContextLength;
        string expert = RunModels.Expert(0);
        string? mismatch = OpenClipMerges.Mismatch(tokenizer);
        var text = new StringBuilder();
        text.Append($"""
            # MoDE export of {runRoot}

            {experts} data experts, the seed, the single model and the equal-compute baseline, each in its own folder
            ({string.Join(", ", RunModels.Of(experts).Select(m => $"`{m}/`"))}) as `{OpenClipCheckpoint.FileName}` (open_clip's
            parameter names, float32) and `{OpenClipConfig.FileName}` (open_clip's model and preprocessing config). Images are
            {size} x {size} RGB: the shorter side resized to {size}, the center square cut out, then OpenAI CLIP's mean and
            standard deviation. Captions are {length} token ids: start of text ({tokenizer.SotId}), the BPE ids, end of text
            ({tokenizer.EotId}), zeros.

            `{RouterFile.FileName}` with `{RouterFile.FineCentersFileName}` and `{RouterFile.CoarseCentersFileName}` route a task to
            the experts by its class names, which must be embedded with the run's caption encoder ({encoderName}): each class's
            prompts embedded and L2-normalized, summed, normalized again. `mode_clip.py` is a plain PyTorch implementation of
            these models with open_clip's module names; it needs only numpy and torch.

            ## Load one expert (numpy and torch)

            Run in this folder:

            ```python
            import numpy as np
            import torch
            import mode_clip

            model = mode_clip.load("{expert}")
            pixels = np.zeros((2, {size}, {size}, 3), dtype=np.uint8)  # 8-bit RGB, already {size} x {size}
            images = mode_clip.normalize_images(pixels)                 # [2, 3, {size}, {size}]
            tokens = torch.zeros(1, {length}, dtype=torch.long)         # one caption: start, BPE ids, end, zeros
            tokens[0, 0], tokens[0, 1] = {tokenizer.SotId}, {tokenizer.EotId}
            with torch.no_grad():
                image_features = model.encode_image(images)             # unit rows
                text_features = model.encode_text(tokens)               # unit rows
            print(image_features.shape, text_features.shape)
            ```

            ## Route a task and ensemble the experts

            ```python
            router = mode_clip.load_router(".")
            # One unit embedding per class name from {encoderName}; the first three fine centers stand in for them here.
            class_embeddings = router.centers["fine"][:3]
            weights = router.route(class_embeddings)  # the default routing; or formula="paper" or "calibrated", centers="coarse"
            experts = [mode_clip.load(folder) for folder in router.expert_folders()]
            prompt_tokens = [tokens] * len(class_embeddings)  # per class, the token rows of its prompts
            logits = [mode_clip.zero_shot_logits(e, images, mode_clip.class_weights(e, prompt_tokens)).numpy() for e in experts]
            predictions = mode_clip.ensemble(logits, weights).argmax(1)
            print("expert weights", weights, "predictions", predictions)
            ```

            """);
        text.Append("## With open_clip\n\n");
        string tokenizerLine = mismatch is null
            ? $"tokenizer = SimpleTokenizer(bpe_path=\"{OpenClipMerges.FileName}\", context_length={length})  # the run's BPE, same ids\n"
            : "";
        if (OpenClipConfig.OpenClipBuilds(config))
            text.Append($"""
                These lines need open_clip (`pip install open_clip_torch`) and build the same architecture from the folder:

                {OpenClipFence}
                import open_clip
                from open_clip.tokenizer import SimpleTokenizer

                model, _, preprocess = open_clip.create_model_and_transforms("local-dir:{expert}")
                {tokenizerLine}```

                """);
        else
            text.Append($"open_clip cannot build this run's image tower (MoDE's small CNN, `\"kind\": \"{config.Vision.Kind}\"` in `vision_cfg`); load it with `mode_clip.load` as above.\n\n");
        text.Append(mismatch is null
            ? $"`{OpenClipMerges.FileName}` is the run's BPE in open_clip's merges format: open_clip's `SimpleTokenizer(bpe_path=..., context_length={length})` gives the run's ids. Where the text handling differs: {OpenClipMerges.TextDifferences(tokenizer)}.\n"
            : $"The run's BPE does not have open_clip's layout ({mismatch}), so no merges file is exported.\n");
        return text.ToString();
    }
}
