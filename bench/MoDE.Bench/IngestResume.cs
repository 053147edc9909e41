using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using MoDE.Data;
using MoDE.Data.Ingest;

namespace MoDE.Bench;

/// <summary>
/// What resuming an ingest costs: COUNT photo-like JPEGs (<see cref="PhotoMix"/>, 400 distinct ones repeated) in 8 tar
/// shards, ingested at 64 px into 16 image shards straight, then again stopped after image shard 8 and rerun: the rerun
/// reads the records before the resume point without decoding them. Prints the seconds of each and whether the rerun's
/// files are byte-identical to the straight ones.
/// </summary>
static class IngestResume
{
    public static void Run(int count)
    {
        string root = Directory.CreateTempSubdirectory("mode-bench-resume").FullName;
        try
        {
            var photos = PhotoMix.Generate(Math.Min(count, 400));
            string source = Directory.CreateDirectory(Path.Combine(root, "source")).FullName;
            for (int s = 0, i = 0; s < 8; s++)
            {
                using var tar = new TarWriter(File.Create(Path.Combine(source, $"{s:D5}.tar")), TarEntryFormat.Pax);
                for (; i < (s + 1) * count / 8; i++)
                {
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"k{i:D7}.jpg") { DataStream = new MemoryStream(photos[i % photos.Count]) });
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"k{i:D7}.txt") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes($"photo {i}")) });
                }
            }
            var options = new SourceOptions { Source = source, ImageSize = 64, ShardBytes = (count + 15) / 16 * 64 * 64 * 3 };
            string Folder(string name) => Directory.CreateDirectory(Path.Combine(root, name)).FullName;
            var clock = Stopwatch.StartNew();
            SourceIngest.Run(options, Path.Combine(Folder("straight"), "pairs.jsonl"), Path.Combine(root, "straight", "images"), TextWriter.Null);
            double straight = clock.Elapsed.TotalSeconds;

            using var stop = new CancellationTokenSource();
            var log = new StopAt($"ingest: shard {ImageSetWriter.ShardName(7)} written", stop);
            clock.Restart();
            try { SourceIngest.Run(options, Path.Combine(Folder("resumed"), "pairs.jsonl"), Path.Combine(root, "resumed", "images"), log, stop.Token); }
            catch (OperationCanceledException) { }
            double first = clock.Elapsed.TotalSeconds;
            var again = new StringWriter();
            clock.Restart();
            SourceIngest.Run(options, Path.Combine(root, "resumed", "pairs.jsonl"), Path.Combine(root, "resumed", "images"), again);
            double rerun = clock.Elapsed.TotalSeconds;

            bool same = Directory.GetFiles(Path.Combine(root, "straight"), "*", SearchOption.AllDirectories).All(f =>
                File.ReadAllBytes(f).AsSpan().SequenceEqual(File.ReadAllBytes(f.Replace(Path.Combine(root, "straight"), Path.Combine(root, "resumed")))));
            Console.WriteLine($"ingest-resume {count} JPEGs ({photos.Average(b => b.Length) / 1024:F0} KiB mean) to 64x64 in 16 shards, {Environment.ProcessorCount} cores");
            Console.WriteLine($"  straight ingest                    {straight,8:F1} s");
            Console.WriteLine($"  stopped after shard 00007          {first,8:F1} s");
            Console.WriteLine($"  rerun, {again.ToString().Split('\n').First(l => l.Contains("resuming"))[8..].Trim()}");
            Console.WriteLine($"    in                               {rerun,8:F1} s");
            Console.WriteLine($"  rerun byte-identical to straight:  {(same ? "yes" : "NO")}");
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    /// <summary>A log that cancels <paramref name="stop"/> when a line starts with <paramref name="line"/>.</summary>
    sealed class StopAt(string line, CancellationTokenSource stop) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
        public override void WriteLine(string? value) { if (value?.StartsWith(line) == true) stop.Cancel(); }
    }
}
