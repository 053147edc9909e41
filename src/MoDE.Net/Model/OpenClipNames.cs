using TorchSharp.Modules;

namespace MoDE.Model;

/// <summary>
/// The state-dict names and shapes of a <see cref="Clip"/> as open_clip has them, derived from the config alone.
/// For a ViT the layout is open_clip's own (src/open_clip/model.py CLIP, transformer.py VisionTransformer,
/// TextTransformer, ResidualAttentionBlock, Attention): <c>visual.conv1.weight</c> [W, 3, P, P],
/// <c>visual.class_embedding</c> [W], <c>visual.positional_embedding</c> [G² + 1, W], <c>visual.ln_pre</c>,
/// <c>visual.transformer.resblocks.N.*</c>, <c>visual.ln_post</c>, <c>visual.proj</c> [W, E] (features = x @ proj);
/// each block <c>ln_1</c>, <c>attn.in_proj_weight</c> [3W, W] (query, key, value rows in that order, as
/// nn.MultiheadAttention packs them), <c>attn.in_proj_bias</c> [3W], <c>attn.out_proj</c>, <c>ln_2</c>,
/// <c>mlp.c_fc</c> [M, W], <c>mlp.c_proj</c> [W, M]; the text tower <c>token_embedding.weight</c> [V, T],
/// <c>positional_embedding</c> [C, T], <c>transformer.resblocks.N.*</c>, <c>ln_final</c>, <c>text_projection</c>
/// [T, E]; and <c>logit_scale</c>, a 0-d tensor. open_clip's causal <c>attn_mask</c> is a non-persistent buffer and
/// not in its state dict. The "cnn" image tower has no open_clip counterpart; its names are those of a PyTorch
/// <c>visual.blocks = nn.ModuleList</c> of <c>nn.Sequential(OrderedDict(conv, norm, relu, pool))</c> and a
/// <c>visual.proj = nn.Linear</c>: <c>visual.blocks.N.conv.weight</c> [C_N, C_N-1, 3, 3] (no bias),
/// <c>visual.blocks.N.norm.weight</c> and <c>.bias</c> [C_N] (GroupNorm), <c>visual.proj.weight</c> [E, C_last] and
/// <c>visual.proj.bias</c> [E]. MoDE's modules carry these names already (TorchSharp names a parameter by its field
/// path), so the mapping is the identity; <see cref="Map"/> checks that the model agrees with the table.
/// </summary>
public static class OpenClipNames
{
    /// <summary>Every tensor of open_clip's state dict for <paramref name="config"/>, each once: the image tower,
    /// the text tower, then <c>logit_scale</c>.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> Of(ClipConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var table = new List<(string, long[])>();
        void Add(string name, params long[] shape) => table.Add((name, shape));
        void Norm(string name, long width) { Add(name + ".weight", width); Add(name + ".bias", width); }
        void Blocks(string prefix, long width, int layers, double mlpRatio)
        {
            long mlp = checked((int)(width * mlpRatio)); // as Transformer sizes it
            for (int i = 0; i < layers; i++)
            {
                string block = $"{prefix}transformer.resblocks.{i}.";
                Norm(block + "ln_1", width);
                Add(block + "attn.in_proj_weight", 3 * width, width);
                Add(block + "attn.in_proj_bias", 3 * width);
                Add(block + "attn.out_proj.weight", width, width);
                Add(block + "attn.out_proj.bias", width);
                Norm(block + "ln_2", width);
                Add(block + "mlp.c_fc.weight", mlp, width);
                Add(block + "mlp.c_fc.bias", mlp);
                Add(block + "mlp.c_proj.weight", width, mlp);
                Add(block + "mlp.c_proj.bias", width);
            }
        }

        var vision = config.Vision;
        if (vision.Kind == ClipVisionConfig.Vit)
        {
            long width = vision.Width;
            Add("visual.conv1.weight", width, 3, vision.PatchSize, vision.PatchSize);
            Add("visual.class_embedding", width);
            Add("visual.positional_embedding", (long)vision.GridSize * vision.GridSize + 1, width);
            Norm("visual.ln_pre", width);
            Blocks("visual.", width, vision.Layers, vision.MlpRatio);
            Norm("visual.ln_post", width);
            Add("visual.proj", width, config.EmbedDim);
        }
        else
        {
            long channels = 3;
            for (int i = 0; i < vision.Layers; i++)
            {
                long width = (long)vision.Width << i;
                Add($"visual.blocks.{i}.conv.weight", width, channels, 3, 3);
                Norm($"visual.blocks.{i}.norm", width);
                channels = width;
            }
            Add("visual.proj.weight", config.EmbedDim, channels);
            Add("visual.proj.bias", config.EmbedDim);
        }

        var text = config.Text;
        Add("token_embedding.weight", text.VocabSize, text.Width);
        Add("positional_embedding", text.ContextLength, text.Width);
        Blocks("", text.Width, text.Layers, text.MlpRatio);
        Norm("ln_final", text.Width);
        Add("text_projection", text.Width, config.EmbedDim);
        Add("logit_scale");
        return table;
    }

    /// <summary>The tensors of <see cref="Of"/> in the order of open_clip's <c>model.named_parameters()</c>, by which an
    /// optimizer's state dict indexes them: PyTorch's <c>nn.Module.named_parameters</c> lists a module's own parameters,
    /// then its children's, depth first, each in the order the module registered it. open_clip's CLIP (model.py) owns
    /// positional_embedding, text_projection and logit_scale and registers the children visual, transformer,
    /// token_embedding, ln_final; its VisionTransformer (transformer.py) owns class_embedding, positional_embedding and
    /// proj and registers conv1, ln_pre, transformer, ln_post; below that <see cref="Of"/>'s order is the registration
    /// order. The CNN tower's is that of mode_clip.py's ConvImageEncoder (blocks, then proj), which owns no parameter.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> InParameterOrder(ClipConfig config)
    {
        var table = Of(config);
        static int Depth(string name) => name.Count(c => c == '.');
        static bool Under(string name, string child) => name.StartsWith(child + ".", StringComparison.Ordinal);
        var visual = table.Where(t => Under(t.Name, "visual")).ToList();
        return
        [
            .. table.Where(t => Depth(t.Name) == 0),
            .. visual.Where(t => Depth(t.Name) == 1), .. visual.Where(t => Depth(t.Name) > 1),
            .. new[] { "transformer", "token_embedding", "ln_final" }.SelectMany(child => table.Where(t => Under(t.Name, child))),
        ];
    }

    /// <summary>Each tensor of <see cref="Of"/> for the model's config, in that order, paired with the model's parameter
    /// of that name. Throws <see cref="InvalidOperationException"/> when the model's parameters are not exactly the
    /// table's, by name and shape (a change of the model that this table must follow).</summary>
    public static IReadOnlyList<(string Name, Parameter Parameter)> Map(Clip model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var table = Of(model.Config);
        var result = new List<(string, Parameter)>(table.Count);
        foreach (var (name, shape) in table)
        {
            if (!parameters.Remove(name, out var parameter) || !parameter.shape.SequenceEqual(shape))
                throw new InvalidOperationException($"the model has no parameter '{name}' of shape [{string.Join(", ", shape)}] that open_clip's layout has");
            result.Add((name, parameter));
        }
        if (parameters.Count > 0)
            throw new InvalidOperationException($"parameters without an open_clip name: {string.Join(", ", parameters.Keys)}");
        return result;
    }
}
