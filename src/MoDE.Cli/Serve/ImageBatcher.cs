using System.Threading.Channels;
using MoDE.Classify;
using MoDE.Data;

namespace MoDE.Cli.Serve;

/// <summary>
/// Requests' images through the models together: each request queues its images (a <see cref="Channel"/>), and one
/// worker takes everything queued while the models were busy, up to <see cref="ServeOptions.BatchImages"/> images, as
/// one batch per model (<see cref="ExpertEnsemble.ImageFeatures"/>), then hands each request the features of its own
/// images. A request cancelled while queued is dropped before its images are encoded.
/// </summary>
public sealed class ImageBatcher : IAsyncDisposable
{
    sealed record Job(ImageSet Images, TaskCompletionSource<float[][][]> Done, CancellationToken Cancel);

    readonly Channel<Job> queue = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    readonly ExpertEnsemble ensemble;
    readonly int batchImages;
    readonly Task worker;

    public ImageBatcher(ExpertEnsemble ensemble, int batchImages)
    {
        this.ensemble = ensemble;
        this.batchImages = batchImages;
        worker = Task.Run(Work);
    }

    /// <summary>Batches the models have encoded, and the images in them (for the tests and the benchmark).</summary>
    public long Batches { get; private set; }
    public long Images { get; private set; }

    /// <summary>Each model's features of <paramref name="images"/>: [model][image][d].</summary>
    public Task<float[][][]> Encode(ImageSet images, CancellationToken cancel)
    {
        var job = new Job(images, new TaskCompletionSource<float[][][]>(TaskCreationOptions.RunContinuationsAsynchronously), cancel);
        if (!queue.Writer.TryWrite(job)) throw new ObjectDisposedException(nameof(ImageBatcher), "the server is stopping");
        return job.Done.Task.WaitAsync(cancel);
    }

    async Task Work()
    {
        var batch = new List<Job>();
        while (await queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            int count = 0;
            // A request larger than a batch is encoded alone; otherwise take what fits.
            while (count < batchImages && queue.Reader.TryPeek(out var next) && (batch.Count == 0 || count + next.Images.Count <= batchImages) && queue.Reader.TryRead(out next))
            {
                if (next.Cancel.IsCancellationRequested) { next.Done.TrySetCanceled(next.Cancel); continue; }
                batch.Add(next);
                count += next.Images.Count;
            }
            if (batch.Count == 0) continue;
            try
            {
                var first = batch[0].Images;
                var pixels = new byte[(long)count * first.ImageBytes];
                int at = 0;
                foreach (var job in batch)
                {
                    job.Images.CopyImages([.. Enumerable.Range(0, job.Images.Count)], pixels.AsSpan(at * first.ImageBytes, job.Images.Count * first.ImageBytes));
                    at += job.Images.Count;
                }
                using var all = new ImageSet(count, first.Height, first.Width, pixels);
                var features = ensemble.ImageFeatures(all);
                Batches++;
                Images += count;
                at = 0;
                foreach (var job in batch)
                {
                    int start = at, end = at + job.Images.Count;
                    job.Done.TrySetResult([.. features.Select(model => model[start..end])]);
                    at = end;
                }
            }
            catch (Exception e)
            {
                foreach (var job in batch) job.Done.TrySetException(e);
            }
        }
    }

    /// <summary>Encodes what is queued, then stops the worker.</summary>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await worker.ConfigureAwait(false);
    }
}
