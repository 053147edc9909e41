using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using MoDE.Classify;
using MoDE.Cli.Serve;
using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Storage;

namespace MoDE.Bench;

/// <summary>
/// <c>mode serve</c> under load: REQUESTS requests at each concurrency (1, 8, 32) to 127.0.0.1, each one PNG image of the
/// run's first task with at least 10 classes and those 10 class names (multipart, the README's curl request), against the
/// routed experts and against the run's single model alone (no routing, the reference). Each configuration runs in a
/// process of its own, server and client together: the RSS figures are that process's, taken after a warm-up (every
/// image once, then a tenth of the requests at concurrency 32) and after each concurrency, each after a full garbage
/// collection (<see cref="Rss"/>); the peak is the process's high-water mark.
/// Writes the 10 PNGs to WORK (the curl example's images). Reads the run and writes nothing there.
/// </summary>
static class ServeLoad
{
    static readonly int[] Concurrency = [1, 8, 32];
    const int Classes = 10;

    /// <summary>Usage: serve-load RUN [REQUESTS] [WORK]; 2,000 requests and a temp folder unless given. Each configuration runs
    /// in a child process of its own (serve-load RUN REQUESTS WORK experts|single), so that its RSS is its own.</summary>
    public static int Run(string[] args)
    {
        var run = new RunLayout(args[0]);
        int requests = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000;
        string work = args.Length > 2 ? args[2] : Directory.CreateTempSubdirectory("mode-serve-load").FullName;
        if (args.Length > 3) return Child(run, requests, work, Enum.Parse<EnsembleModels>(args[3], ignoreCase: true));
        var rows = new List<(string Models, int Concurrency, Figures Figures)>();
        foreach (string models in new[] { "experts", "single" })
        {
            bool dotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet";
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
            foreach (string arg in (dotnet ? [typeof(ServeLoad).Assembly.Location] : Array.Empty<string>()).Concat(["serve-load", run.Root, $"{requests}", work, models]))
                start.ArgumentList.Add(arg);
            using var child = Process.Start(start)!;
            for (string? line; (line = child.StandardOutput.ReadLine()) is not null;)
            {
                if (!line.StartsWith(Row, StringComparison.Ordinal)) { Console.WriteLine(line); continue; }
                var f = line[Row.Length..].Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
                rows.Add((models, (int)f[0], new Figures((int)f[1], (int)f[2], f[3], f[4], f[5], (long)f[6], (long)f[7]) { RssWarm = (long)f[8] }));
            }
            child.WaitForExit();
            if (child.ExitCode != 0) throw new InvalidOperationException($"serve-load {models} exited with {child.ExitCode}");
        }
        Console.WriteLine();
        Console.WriteLine("| models | concurrency | requests | errors | p50 ms | p99 ms | requests/s | RSS after warm-up MiB | RSS at end MiB | peak RSS MiB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (models, concurrency, f) in rows)
            Console.WriteLine(FormattableString.Invariant($"| {models} | {concurrency} | {f.Requests} | {f.Errors} | {f.P50:F1} | {f.P99:F1} | {f.PerSecond:F1} | {f.RssWarm >> 20} | {f.RssEnd >> 20} | {f.Peak >> 20} |"));
        Console.WriteLine();
        Console.WriteLine("| concurrency | p50 experts / single | p99 experts / single | requests/s experts / single |");
        Console.WriteLine("|---:|---:|---:|---:|");
        foreach (int concurrency in Concurrency)
        {
            var e = rows.Single(r => r.Models == "experts" && r.Concurrency == concurrency).Figures;
            var s = rows.Single(r => r.Models == "single" && r.Concurrency == concurrency).Figures;
            Console.WriteLine(FormattableString.Invariant($"| {concurrency} | {e.P50 / s.P50:F2} | {e.P99 / s.P99:F2} | {e.PerSecond / s.PerSecond:F2} |"));
        }
        return rows.Sum(r => r.Figures.Errors) == 0 ? 0 : 1;
    }

    const string Row = "serve-load row: ";

    /// <summary>One configuration: the server in this process, warmed up, then each concurrency; one <see cref="Row"/> line per concurrency.</summary>
    static int Child(RunLayout run, int requests, string work, EnsembleModels models)
    {
        var (classes, images) = Sample(run, work);
        Console.WriteLine($"serve-load {models.ToString().ToLowerInvariant()}: {run.Root}, {requests} requests per concurrency, classes {string.Join(",", classes)}; images in {work}");
        using var ensemble = ExpertEnsemble.Open(run.Root, new EnsembleOptions { Models = models });
        var server = ClassifyServer.StartAsync(ensemble, new ServeOptions { Port = 0 }).GetAwaiter().GetResult();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency.Max() }) { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(5) };
        // warm-up: every image and the class names' embeddings once, then a tenth of the requests at the highest
        // concurrency, so that the thread pool, the connection pool and the GC's budgets reach their working size
        Load(client, classes, images, images.Count, 1);
        Load(client, classes, images, Math.Max(images.Count, requests / 10), Concurrency.Max());
        long warm = Rss();
        foreach (int concurrency in Concurrency)
        {
            var f = Load(client, classes, images, requests, concurrency);
            Console.WriteLine(Row + FormattableString.Invariant($"{concurrency} {f.Requests} {f.Errors} {f.P50} {f.P99} {f.PerSecond} {f.RssEnd} {f.Peak} {warm}"));
        }
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Console.WriteLine($"  {models}: {server.Batches} batches encoded");
        return 0;
    }

    sealed record Figures(int Requests, int Errors, double P50, double P99, double PerSecond, long RssEnd, long Peak)
    {
        public long RssWarm { get; init; }
    }

    /// <summary>The first task of the run with at least 10 classes: its first 10 class names, and one image of each as PNG.</summary>
    static (List<string> Classes, List<byte[]> Images) Sample(RunLayout run, string work)
    {
        foreach (string folder in Directory.GetDirectories(run.TasksFolder).Order(StringComparer.Ordinal))
        {
            var task = TaskStore.Load(folder);
            if (task.Classes.Count < Classes) continue;
            var rows = Enumerable.Range(0, Classes).Select(c => Array.IndexOf(task.Labels, c)).ToList();
            var png = HeldOutSplit.Encode([.. rows.Select(r => task.Images.Image(r).ToArray())], task.Images.Width, task.Images.Height);
            var names = task.Classes.Take(Classes).ToList();
            Directory.CreateDirectory(work);
            for (int c = 0; c < Classes; c++) File.WriteAllBytes(Path.Combine(work, names[c].Replace(' ', '_') + ".png"), png[c]);
            task.Images.Dispose();
            return (names, png);
        }
        throw new InvalidDataException($"{run.TasksFolder}: no task with {Classes} classes");
    }

    /// <summary><paramref name="count"/> requests, <paramref name="concurrency"/> at a time, request i sending image i mod 10.</summary>
    static Figures Load(HttpClient client, List<string> classes, List<byte[]> images, int count, int concurrency)
    {
        var latencies = new double[count];
        int next = -1, errors = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                using var content = new MultipartFormDataContent();
                var image = new ByteArrayContent(images[i % images.Count]);
                image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                content.Add(image, "image", $"{i % images.Count}.png");
                content.Add(new StringContent(string.Join(",", classes)), "classes");
                long start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.PostAsync("/v1/classify", content);
                    await response.Content.ReadAsByteArrayAsync();
                    if (!response.IsSuccessStatusCode) Interlocked.Increment(ref errors);
                }
                catch (HttpRequestException) { Interlocked.Increment(ref errors); }
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })).ToArray();
        Task.WaitAll(workers);
        double seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        double Percentile(double p) => latencies[Math.Min(count - 1, (int)Math.Ceiling(p * count) - 1)];
        return new Figures(count, errors, Percentile(0.5), Percentile(0.99), count / seconds, Rss(), Process.GetCurrentProcess().PeakWorkingSet64);
    }

    /// <summary>The resident set after a full, compacting garbage collection: what the process holds on to, not the garbage it has yet to collect.</summary>
    static long Rss()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
