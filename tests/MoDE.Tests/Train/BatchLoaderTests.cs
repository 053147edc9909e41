using MoDE.Model;
using MoDE.Tokenizer;
using MoDE.Train;

using static TorchSharp.torch;

namespace MoDE.Tests.Train;

public class BatchLoaderTests
{
    static List<BatchLoader.Batch> Batches(TrainingData data, int workers, int first, int until, double cropScale = 0.5)
    {
        using var loader = new BatchLoader(data, batchSize: 16, seed: 3, cropScale, first, until, workers);
        return Enumerable.Range(first, until - first).Select(loader.Take).ToList();
    }

    [Fact]
    public void MappedImagesGiveTheSameBatches()
    {
        var (data, _) = SyntheticPairs.Data(48);
        string folder = Path.Combine(Directory.CreateTempSubdirectory("mode-batches-").FullName, "images");
        data.Images.SaveRows([.. Enumerable.Range(0, data.Images.Count)], folder, shardBytes: 5 * data.Images.ImageBytes); // 10 shards
        using var mapped = MoDE.Data.ImageSet.Open(folder);
        var fromMemory = Batches(data, workers: 2, 0, 6);
        var fromMap = Batches(data with { Images = mapped }, workers: 2, 0, 6);
        for (int i = 0; i < 6; i++) Assert.Equal(fromMemory[i].Images, fromMap[i].Images);
    }

    [Fact]
    public void AnyWorkerCountGivesTheSameBatches()
    {
        var (data, _) = SyntheticPairs.Data(48); // 3 steps per pass: 10 steps cross passes
        var one = Batches(data, workers: 1, 0, 10);
        var three = Batches(data, workers: 3, 0, 10);
        var resumed = Batches(data, workers: 2, 4, 10);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(one[i].Images, three[i].Images);
            Assert.Equal(one[i].Tokens, three[i].Tokens);
            if (i >= 4) Assert.Equal(one[i].Images, resumed[i - 4].Images);
        }
        Assert.NotEqual(one[0].Images, one[3].Images); // same pairs next pass, another order and other crops
    }

    [Fact]
    public void WithoutCropTheBatchesAreThePlainTransform()
    {
        var (data, _) = SyntheticPairs.Data(32);
        var batch = Batches(data, workers: 2, 0, 1, cropScale: 1)[0];
        var rows = new PassSampler(data, 16, 3).Batch(0).ToArray();
        using var scope = NewDisposeScope();
        var plain = ClipImageTransform.ToTensor(data.Images, rows).data<float>().ToArray();
        Assert.Equal(plain, batch.Images);
        Assert.Equal(CaptionTokenizer.ToTensor(data.Tokens, rows).data<long>().ToArray(), batch.Tokens);
    }

    [Fact]
    public async Task DisposeStopsWorkersWaitingForRoom()
    {
        var (data, _) = SyntheticPairs.Data(32);
        var loader = new BatchLoader(data, 16, 3, 0.9, 0, 1000, workers: 3); // far more steps than the queue holds
        loader.Take(0);
        var disposed = Task.Run(loader.Dispose);
        Assert.True(await Task.WhenAny(disposed, Task.Delay(TimeSpan.FromSeconds(10))) == disposed, "workers did not stop");
    }

    [Fact]
    public void BatchesAreTakenInStepOrder()
    {
        var (data, _) = SyntheticPairs.Data(32);
        using var loader = new BatchLoader(data, 16, 3, 0.9, 5, 20, workers: 2);
        Assert.Equal(5, loader.Take(5).Step);
        Assert.Throws<InvalidOperationException>(() => loader.Take(7)); // a skipped step would get another step's batch
        Assert.Equal(6, loader.Take(6).Step);
    }

    [Fact]
    public void TrainingThatThrowsStopsItsWorkers()
    {
        var (data, tokenizer) = SyntheticPairs.Data(64);
        var options = new TrainOptions { BatchSize = 32, WarmupSteps = 1, Seed = 1, Threads = 1, CropScale = 0.9 };
        using var state = TrainState.Create(SyntheticPairs.Config(tokenizer.VocabSize), options, totalSteps: 50);
        Assert.Throws<InvalidOperationException>(() =>
            Trainer.Train(state, data, untilStep: 50, p => { if (p.Step == 2) throw new InvalidOperationException("stop"); }));
        Assert.Equal(2, state.Step);
    }
}
