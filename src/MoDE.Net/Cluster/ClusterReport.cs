using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text;
using MoDE.Data;
using MoDE.Storage;

namespace MoDE.Cluster;

/// <summary>
/// What each fine and coarse cluster is about, so a user can see what every data expert will learn: sizes,
/// imbalance, how tight each cluster is (mean cosine of its captions to its center), how far it is from the
/// nearest other center, its most characteristic caption words (TF-IDF), and, when the pairs carry ground truth
/// (the built-in dataset), its mix of visual domains; and the per-iteration statistics of both k-means fits.
/// </summary>
public sealed record ClusterReport(
    int FormatVersion, int Captions, double FineImbalance, double CoarseImbalance,
    IReadOnlyList<ClusterReport.Cluster> Coarse, IReadOnlyList<ClusterReport.Cluster> Fine,
    IReadOnlyList<KMeansIteration> FineIterations, IReadOnlyList<KMeansIteration> CoarseIterations, double Seconds)
{
    public const int CurrentFormatVersion = 2; // 2: iteration statistics count splits

    /// <param name="Parent">The coarse cluster (expert) of a fine cluster; -1 for a coarse cluster.</param>
    /// <param name="Children">Fine clusters of a coarse cluster; 0 for a fine one.</param>
    public sealed record Cluster(
        int Id, int Parent, int Children, int Captions, double MeanCosine, double NearestCenterDistance,
        IReadOnlyList<string> Words, IReadOnlyDictionary<string, int> Domains);

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <param name="embeddings">The caption vectors, read chunk by chunk (never whole) for the mean cosines.</param>
    /// <param name="pairs">Every pair of the run in file order, streamed once (<see cref="PairStore.StreamCaptions"/>);
    /// <paramref name="pairRows"/> names the pair of each embedded caption.</param>
    public static ClusterReport Build(ClusterHierarchy clusters, MatrixRows embeddings, IEnumerable<Pair> pairs, int[] pairRows, int words, double seconds)
    {
        int d = clusters.Dimension, m = clusters.FineCount, n = clusters.CoarseCount;
        int[] fineOf = clusters.FineAssignment, coarseOf = clusters.ExpertOfCaption();
        var (fineCosine, coarseCosine) = MeanCosines(embeddings, clusters, fineOf, coarseOf);
        var (fineWords, coarseWords) = (new CaptionWords(m), new CaptionWords(n));
        var (fineDomains, coarseDomains) = (Domains(m), Domains(n));
        // the embedded captions of each pair (one, or none for an empty caption), as lists linked through next
        var first = new int[pairRows.Length == 0 ? 0 : pairRows.Max() + 1];
        var next = new int[pairRows.Length];
        Array.Fill(first, -1);
        for (int caption = pairRows.Length - 1; caption >= 0; caption--) (next[caption], first[pairRows[caption]]) = (first[pairRows[caption]], caption);
        int row = 0;
        foreach (var pair in pairs)
        {
            for (int caption = row < first.Length ? first[row] : -1; caption >= 0; caption = next[caption])
            {
                fineWords.Add(fineOf[caption], pair.Caption);
                coarseWords.Add(coarseOf[caption], pair.Caption);
                if (pair.Domain is { } domain && !pair.Noisy)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(fineDomains[fineOf[caption]], domain, out _)++;
                    CollectionsMarshal.GetValueRefOrAddDefault(coarseDomains[coarseOf[caption]], domain, out _)++;
                }
            }
            row++;
        }
        if (row < first.Length) throw new InvalidDataException($"the pairs end at row {row}, but an embedded caption is pair {first.Length - 1}");
        var fine = Describe(m, fineOf, clusters.FineCenters, d, fineCosine, fineWords.Characteristic(words), fineDomains, f => clusters.FineToCoarse[f], _ => 0);
        var coarse = Describe(n, coarseOf, clusters.CoarseCenters, d, coarseCosine, coarseWords.Characteristic(words), coarseDomains, _ => -1,
            c => clusters.FineToCoarse.Count(p => p == c));
        return new ClusterReport(CurrentFormatVersion, pairRows.Length,
            KMeans.Imbalance([.. fine.Select(c => c.Captions)], pairRows.Length),
            KMeans.Imbalance([.. coarse.Select(c => c.Captions)], pairRows.Length), coarse, fine,
            clusters.FineIterations, clusters.CoarseIterations, seconds);
    }

    /// <summary>Mean cosine between each cluster's captions and its center, fine and coarse, in one streamed pass.</summary>
    static (double[] Fine, double[] Coarse) MeanCosines(MatrixRows embeddings, ClusterHierarchy clusters, int[] fineOf, int[] coarseOf)
    {
        int d = clusters.Dimension, chunk = KMeans.DefaultChunkRows;
        var fine = new double[clusters.FineCount];
        var coarse = new double[clusters.CoarseCount];
        var buffer = new float[chunk * d];
        for (int start = 0; start < embeddings.Rows; start += chunk)
        {
            int rows = Math.Min(chunk, embeddings.Rows - start);
            var values = embeddings.Read(start, rows, buffer);
            for (int r = 0; r < rows; r++)
            {
                var x = values.Slice(r * d, d);
                fine[fineOf[start + r]] += TensorPrimitives.CosineSimilarity(x, clusters.FineCenters.AsSpan(fineOf[start + r] * d, d));
                coarse[coarseOf[start + r]] += TensorPrimitives.CosineSimilarity(x, clusters.CoarseCenters.AsSpan(coarseOf[start + r] * d, d));
            }
        }
        var fineSizes = new int[fine.Length];
        var coarseSizes = new int[coarse.Length];
        foreach (int f in fineOf) fineSizes[f]++;
        foreach (int c in coarseOf) coarseSizes[c]++;
        for (int f = 0; f < fine.Length; f++) fine[f] = fineSizes[f] == 0 ? 0 : fine[f] / fineSizes[f];
        for (int c = 0; c < coarse.Length; c++) coarse[c] = coarseSizes[c] == 0 ? 0 : coarse[c] / coarseSizes[c];
        return (fine, coarse);
    }

    static Dictionary<string, int>[] Domains(int k) => [.. Enumerable.Range(0, k).Select(_ => new Dictionary<string, int>(StringComparer.Ordinal))];

    /// <summary>Each cluster's description from its words and its ground-truth domains (the built-in dataset's, not noisy), counted before.</summary>
    static List<Cluster> Describe(int k, int[] clusterOf, float[] centers, int d, double[] meanCosine, List<List<string>> top,
        Dictionary<string, int>[] domainCounts, Func<int, int> parent, Func<int, int> children)
    {
        var sizes = new int[k];
        foreach (int c in clusterOf) sizes[c]++;
        return Enumerable.Range(0, k).Select(c =>
        {
            var center = centers.AsSpan(c * d, d).ToArray();
            double nearest = Enumerable.Range(0, k).Where(o => o != c)
                .Select(o => (double)TensorPrimitives.Distance(center, centers.AsSpan(o * d, d))).DefaultIfEmpty(0).Min();
            var domains = domainCounts[c].OrderByDescending(g => g.Value).ThenBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Value);
            return new Cluster(c, parent(c), children(c), sizes[c], meanCosine[c], nearest, top[c], domains);
        }).ToList();
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public static ClusterReport Load(string path)
    {
        var report = JsonFile.Read<ClusterReport>(path, Json);
        if (report.FormatVersion != CurrentFormatVersion)
            throw new InvalidDataException($"{path}: cluster report format {report.FormatVersion}, this build reads {CurrentFormatVersion}");
        return report;
    }

    /// <summary>The report as text: each expert, then its fine clusters by size, each with up to <paramref name="words"/> words.</summary>
    public string ToText(int words)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{Captions} captions, {Fine.Count} fine clusters (imbalance {FineImbalance:F2}), {Coarse.Count} coarse clusters = experts (imbalance {CoarseImbalance:F2})");
        if (FineIterations.Count > 0)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"fine k-means: {FineIterations.Count} iterations, objective {FineIterations[0].Objective:F1} -> {FineIterations[^1].Objective:F1}, {FineIterations.Sum(i => i.Splits)} empty clusters split off large ones, {FineIterations.Sum(i => i.Seconds):F1} s");
        text.AppendLine("cos = mean cosine of a cluster's captions to its center; gap = distance to the nearest other center");
        foreach (var expert in Coarse)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"expert {expert.Id}: {expert.Captions} captions ({100.0 * expert.Captions / Math.Max(1, Captions):F1}%), {expert.Children} fine clusters, cos {expert.MeanCosine:F2}, gap {expert.NearestCenterDistance:F2}");
            text.AppendLine($"  words: {string.Join(' ', expert.Words.Take(words))}");
            if (expert.Domains.Count > 0)
                text.AppendLine($"  domains: {string.Join(", ", expert.Domains.Select(x => $"{x.Key} {x.Value}"))}");
            foreach (var f in Fine.Where(f => f.Parent == expert.Id).OrderByDescending(f => f.Captions).ThenBy(f => f.Id))
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  fine {f.Id,4}: {f.Captions,7} captions  cos {f.MeanCosine:F2}  gap {f.NearestCenterDistance:F2}  {string.Join(' ', f.Words.Take(words))}");
        }
        return text.ToString();
    }
}
