using MoDE.Data;
using MoDE.Export;
using MoDE.Model;
using MoDE.Storage;
using MoDE.Tokenizer;
using MoDE.Train;

namespace MoDE.Bench;

/// <summary>
/// MoDE.NET's side of bench/open_clip_check.py's model check: the unit image and text features (and token rows) of the
/// inputs in WORK (pixels.bin, 8-bit RGB images at the model's size one after another; captions.jsonl, one JSON string
/// a line), written as WORK/mode_image.npy, mode_text.npy and mode_tokens.npy, for the script to compare with what
/// open_clip's own code computes from an exported folder.
///   run RUN MODEL WORK: the model of a finished run (train/MODEL.ckpt) with the run's tokenizer;
///   preset PRESET MERGES WORK: a seeded random PRESET with CLIP's vocabulary (MERGES), also written to WORK/model as
///   an open_clip folder (open_clip_model.safetensors, open_clip_config.json), as `mode export` writes a model;
///   load PRESET CHECKPOINT MERGES WORK: PRESET with the weights of CHECKPOINT (a state dict open_clip saved) read by
///   OpenClipCheckpoint.Load, and CLIP's vocabulary.
/// </summary>
static class OpenClipFeatures
{
    public static int Run(string[] args)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        Clip model;
        CaptionTokenizer tokenizer;
        string work;
        TrainState? state = null;
        if (args[0] == "run")
        {
            var run = new RunLayout(args[1]);
            state = TrainState.Load(run.Model(args[2]));
            (model, tokenizer, work) = (state.Model, CaptionTokenizer.Load(run.Tokenizer), args[3]);
        }
        else if (args[0] == "load")
        {
            tokenizer = CaptionTokenizer.FromOpenClipMerges(args[3]);
            (model, work) = (new Clip(ClipConfig.Resolve(args[1], tokenizer.VocabSize, 224)), args[4]);
            OpenClipCheckpoint.Load(model, args[2]);
        }
        else
        {
            tokenizer = CaptionTokenizer.FromOpenClipMerges(args[2]);
            var config = ClipConfig.Resolve(args[1], tokenizer.VocabSize, 224);
            (model, work) = (new Clip(config, seed: 7), args[3]);
            string folder = Directory.CreateDirectory(Path.Combine(work, "model")).FullName;
            OpenClipCheckpoint.Save(model, Path.Combine(folder, OpenClipCheckpoint.FileName));
            File.WriteAllText(Path.Combine(folder, "open_clip_config.json"), OpenClipConfig.ToJson(config));
        }
        using (state)
        {
            int size = model.Config.Vision.ImageSize;
            var pixels = File.ReadAllBytes(Path.Combine(work, "pixels.bin"));
            using var images = new ImageSet(pixels.Length / (size * size * ImageSet.Channels), size, size, pixels);
            var captions = OpenClipVocabulary.Captions(Path.Combine(work, "captions.jsonl"));
            model.eval();
            var imageFeatures = model.EncodeImages(images);
            var textFeatures = model.EncodeTexts(tokenizer, captions);
            Npy.Write(Path.Combine(work, "mode_image.npy"), [.. imageFeatures.SelectMany(r => r)], imageFeatures.Length, model.Config.EmbedDim);
            Npy.Write(Path.Combine(work, "mode_text.npy"), [.. textFeatures.SelectMany(r => r)], textFeatures.Length, model.Config.EmbedDim);
            Npy.Write(Path.Combine(work, "mode_tokens.npy"), [.. tokenizer.Encode(captions).SelectMany(r => r).Select(id => (int)id)]);
            Console.WriteLine($"openclip-features: {model.Config.Vision.Kind} model, {images.Count} images, {captions.Count} captions -> {work}");
        }
        return 0;
    }
}
