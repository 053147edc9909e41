using System.Collections;
using System.IO.Compression;
using TorchSharp.PyBridge;

using static TorchSharp.torch;

namespace MoDE.Model;

/// <summary>
/// A PyTorch state dict as <c>torch.save</c> writes it since PyTorch 1.6: a zip archive of <c>ROOT/data.pkl</c> (the
/// pickled dict, tensors as persistent ids) and <c>ROOT/data/N</c> (each storage's bytes). Read with TorchSharp.PyBridge's
/// unpickler (Razorvine.Pickle), but only after <see cref="TorchSaveGlobals"/> has found nothing in the pickle but
/// tensors and containers. The dict is taken as open_clip's factory.py <c>load_state_dict</c> takes it: the value of
/// <c>"state_dict"</c> when the file is a training checkpoint (<c>{"epoch", "name", "state_dict", "optimizer"}</c>),
/// without the <c>module.</c> prefix that DistributedDataParallel adds, and without the three entries of OpenAI's
/// state dicts that are not weights (<c>input_resolution</c>, <c>context_length</c>, <c>vocab_size</c>, which
/// open_clip's <c>build_model_from_openai_state_dict</c> dropped).
/// </summary>
public static class TorchStateDict
{
    /// <summary>The zip's local file header signature ("PK\x03\x04"), which torch.save's archives start with.</summary>
    public static bool IsZip(ReadOnlySpan<byte> head) => head.Length >= 4 && head[0] == 0x50 && head[1] == 0x4b && head[2] == 0x03 && head[3] == 0x04;

    static readonly string[] NotWeights = ["input_resolution", "context_length", "vocab_size"];
    const string DataParallel = "module.";

    /// <summary>The most pickle read for the check: ViT-B-32's state dict pickles to 38 KB, its tensors lie outside it.</summary>
    const int MaxPickleBytes = 64 << 20;

    /// <summary>Every entry of the state dict in <paramref name="path"/> by name: a <see cref="Tensor"/> (made in the
    /// caller's dispose scope) or, for an entry that is not a tensor, its .NET value. Throws
    /// <see cref="InvalidDataException"/> naming the file when it is not such an archive or asks for anything else.</summary>
    public static Dictionary<string, object?> Read(string path) => StateDict(path, ReadArchive(path));

    /// <summary>The state dict of <paramref name="root"/>, the dict <see cref="ReadArchive"/> read from
    /// <paramref name="path"/>, as <see cref="Read"/> gives it.</summary>
    public static Dictionary<string, object?> StateDict(string path, Hashtable root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var dict = root["state_dict"] is Hashtable inner ? inner : root;
        var entries = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (DictionaryEntry item in dict)
        {
            if (item.Key is not string name) throw Bad(path, $"a state dict key that is not a string ({item.Key})");
            entries[name] = item.Value;
        }
        if (entries.Count > 0 && entries.Keys.All(k => k.StartsWith(DataParallel, StringComparison.Ordinal)))
            entries = entries.ToDictionary(e => e.Key[DataParallel.Length..], e => e.Value, StringComparer.Ordinal);
        foreach (var name in NotWeights) entries.Remove(name);
        return entries;
    }

    /// <summary>The whole pickled dict of the torch.save archive at <paramref name="path"/>, after the checks of
    /// <see cref="Read"/>: tensors (made in the caller's dispose scope), dicts as <see cref="Hashtable"/>, lists as
    /// <see cref="ArrayList"/>, tuples as object arrays, numbers, strings, booleans and nulls. Without
    /// <paramref name="tensors"/>, no tensor is read: each stands as PyBridge's description of it (its structure alone).</summary>
    public static Hashtable ReadArchive(string path, bool tensors = true)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Hashtable root;
        try
        {
            using (var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true))
            {
                if (archive.Entries.Any(e => e.FullName.Contains("/code/", StringComparison.Ordinal) || e.Name == "constants.pkl"))
                    throw Bad(path, "a TorchScript archive (torch.jit.save, as OpenAI's original CLIP .pt files), not a state dict; convert it once with: "
                        + "python3 -c \"import sys, torch; torch.save(torch.jit.load(sys.argv[1], map_location='cpu').state_dict(), sys.argv[2])\" IN.pt OUT.pt");
                // PyBridge unpickles the first entry whose name ends in data.pkl: it must be the only one.
                var pickles = archive.Entries.Where(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal)).ToList();
                if (pickles.Count != 1) throw Bad(path, $"a zip archive with {pickles.Count} entries named *data.pkl, torch.save writes one");
                using var pickle = new MemoryStream();
                using (var entry = pickles[0].Open())
                {
                    var chunk = new byte[1 << 16];
                    for (int read; (read = entry.Read(chunk)) > 0; pickle.Write(chunk, 0, read))
                        if (pickle.Length + read > MaxPickleBytes)
                            throw Bad(path, $"{pickles[0].FullName} holds more than {MaxPickleBytes} bytes of pickle, far more than a state dict's");
                }
                if (TorchSaveGlobals.Refusal(pickle.ToArray()) is string refusal)
                    throw Bad(path, $"refused before unpickling {pickles[0].FullName}: {refusal}");
            }
            stream.Position = 0;
            root = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true, skipTensorRead: !tensors);
        }
        catch (InvalidDataException e) when (e.Message.StartsWith(path, StringComparison.Ordinal)) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Bad(path, $"not a readable torch.save archive ({e.GetType().Name}: {Detail(e)})");
        }
        return root;
    }

    /// <summary>The first line of the exception's message and of its cause's (libtorch appends its stack to a message).</summary>
    static string Detail(Exception e) => string.Join(": ", new[] { e, e.InnerException }.OfType<Exception>().Select(x => x.Message.Split('\n')[0].Trim()));

    static InvalidDataException Bad(string path, string reason) => new($"{path}: {reason}");
}
