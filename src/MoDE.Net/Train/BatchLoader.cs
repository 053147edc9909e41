using System.Buffers;
using MoDE.Data;
using MoDE.Model;

namespace MoDE.Train;

/// <summary>
/// Prepares training batches ahead of the optimizer: worker threads gather each step's pairs (<see cref="PassSampler"/>;
/// the images through <see cref="IImageRows.CopyImages"/>: a copy from the stored pixels, or the source's images decoded
/// in parallel, as open_clip's loader workers decode their shards),
/// crop them (<see cref="RandomResizedCrop"/>, unless the scale is 1), normalize them to float channel x height x width
/// as <see cref="ClipImageTransform"/> does, and copy their tokens, at most <see cref="Capacity"/> steps ahead of the
/// one the training loop takes. The loop takes batches in step order with <see cref="Take"/>. Batches are plain arrays:
/// the tensors are made on the training thread, inside its dispose scope, so no tensor crosses threads. Every choice is a
/// pure function of (seed, step, position in batch), so any worker count, and a resumed run, gives the same batches.
/// <see cref="Dispose"/> stops and joins the workers, also when training throws; a worker's exception reaches
/// <see cref="Take"/> of its step.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    /// <summary>Batches prepared ahead: enough to hide a slow batch behind the optimizer, few enough to keep memory small.</summary>
    public const int Capacity = 4;

    /// <summary>One step's batch: images [count, 3, height, width] normalized, tokens [count, context length].</summary>
    public sealed record Batch(int Step, int Count, float[] Images, long[] Tokens);

    readonly TrainingData _data;
    readonly int _batchSize, _seed, _first, _until;
    readonly RandomResizedCrop? _crop;
    readonly TaskCompletionSource<Batch>[] _ring; // step s is in _ring[(s - first) % Capacity]: at most Capacity steps are out
    readonly SemaphoreSlim _slots = new(Capacity);
    readonly CancellationTokenSource _stop = new();
    readonly Thread[] _workers;
    int _nextToPrepare, _nextToTake;

    /// <summary>Starts <paramref name="workers"/> threads preparing the batches of steps
    /// <paramref name="firstStep"/>..<paramref name="untilStep"/>-1.</summary>
    public BatchLoader(TrainingData data, int batchSize, int seed, double cropScale, int firstStep, int untilStep, int workers)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(firstStep);
        ArgumentOutOfRangeException.ThrowIfLessThan(untilStep, firstStep);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _ = new PassSampler(data, batchSize, seed); // checks the data fills a batch before any thread starts
        _data = data;
        _batchSize = batchSize;
        _seed = seed;
        _crop = cropScale < 1 ? new RandomResizedCrop { MinScale = cropScale }.Validate() : null;
        _first = firstStep;
        _until = untilStep;
        _ring = new TaskCompletionSource<Batch>[Capacity];
        for (int i = 0; i < _ring.Length; i++) _ring[i] = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _nextToPrepare = _nextToTake = firstStep;
        _workers = new Thread[Math.Min(workers, Math.Max(1, untilStep - firstStep))];
        for (int w = 0; w < _workers.Length; w++)
        {
            _workers[w] = new Thread(Work) { IsBackground = true, Name = $"mode-batches-{w}" };
            _workers[w].Start();
        }
    }

    /// <summary>The batch of <paramref name="step"/>, waiting until it is ready; steps must be taken in order.</summary>
    public Batch Take(int step)
    {
        if (step < _first || step >= _until) throw new ArgumentOutOfRangeException(nameof(step), step, $"must lie in {_first}..{_until - 1}");
        if (step != _nextToTake) throw new InvalidOperationException($"batches are taken in step order: step {_nextToTake} comes next, not {step}");
        int slot = (step - _first) % Capacity;
        var task = _ring[slot].Task;
        try { task.Wait(_stop.Token); }
        catch (AggregateException e) when (e.InnerException is not null) { throw e.InnerException; }
        // The slot passes to step + Capacity: a fresh promise, published to its worker by the semaphore's release.
        _ring[slot] = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _nextToTake++;
        _slots.Release();
        return task.Result;
    }

    void Work()
    {
        var sampler = new PassSampler(_data, _batchSize, _seed); // not thread-safe: one per worker
        var token = _stop.Token;
        try
        {
            while (true)
            {
                _slots.Wait(token);
                int step = Interlocked.Increment(ref _nextToPrepare) - 1;
                if (step >= _until) return;
                var slot = _ring[(step - _first) % Capacity];
                try { slot.SetResult(Prepare(sampler, step)); }
                catch (Exception e) { slot.SetException(e); }
            }
        }
        catch (OperationCanceledException) { } // Dispose: training stopped
    }

    Batch Prepare(PassSampler sampler, int step)
    {
        var rows = sampler.Batch(step);
        var images = _data.Images;
        int pixels = images.Height * images.Width, size = images.ImageBytes;
        int context = _data.Tokens[rows[0]].Length;
        var chw = new float[(long)rows.Length * ImageSet.Channels * pixels];
        var tokens = new long[(long)rows.Length * context];
        var cropped = _crop is null ? null : new byte[size];
        var batch = ArrayPool<byte>.Shared.Rent(rows.Length * size);
        try
        {
            images.CopyImages(rows, batch);
            for (int i = 0; i < rows.Length; i++) Normalize(batch.AsSpan(i * size, size), cropped, step, i, chw.AsSpan(i * ImageSet.Channels * pixels, ImageSet.Channels * pixels));
        }
        finally { ArrayPool<byte>.Shared.Return(batch); }
        for (int i = 0; i < rows.Length; i++) _data.Tokens[rows[i]].CopyTo(tokens, (long)i * context);
        return new Batch(step, rows.Length, chw, tokens);
    }

    /// <summary>Crops image <paramref name="index"/> of the batch of <paramref name="step"/> (unless the scale is 1) and normalizes it into <paramref name="chw"/>.</summary>
    void Normalize(ReadOnlySpan<byte> hwc, byte[]? cropped, int step, int index, Span<float> chw)
    {
        int height = _data.Images.Height, width = _data.Images.Width, pixels = height * width;
        if (cropped is not null)
        {
            _crop!.Apply(hwc, height, width, cropped, RandomResizedCrop.Seed(_seed, step, index));
            hwc = cropped;
        }
        for (int c = 0; c < ImageSet.Channels; c++)
        {
            float mean = (float)ClipImageTransform.Mean[c], std = (float)ClipImageTransform.Std[c];
            var plane = chw.Slice(c * pixels, pixels);
            for (int p = 0; p < pixels; p++) plane[p] = (hwc[p * ImageSet.Channels + c] / 255f - mean) / std;
        }
    }

    /// <summary>Stops the workers and waits for them.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        foreach (var worker in _workers) worker.Join();
        _stop.Dispose();
        _slots.Dispose();
    }
}
