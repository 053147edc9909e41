using MoDE.Cluster;
using MoDE.Data.Ingest;

namespace MoDE.Storage;

/// <summary>
/// The one place that knows the file names inside a run directory. Every stage reads its inputs and writes
/// its outputs through these paths; a stage is finished when its <see cref="Done"/> marker exists.
/// </summary>
public sealed class RunLayout(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    string In(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Marker a stage writes last, holding the options it ran with.</summary>
    public string Done(string stage) => In(stage, "done.json");

    /// <summary>Marker a stage whose unfinished work a rerun resumes (train, embed) writes before that work, holding the
    /// options it runs with; removed when the stage finishes.</summary>
    public string Started(string stage) => In(stage, "started.json");

    /// <summary>The folder of the lock files: this process's, not the run's data.</summary>
    public string Locks => In("locks");

    /// <summary>The lock file of a unit of work (a stage, or "stage.part"), held while a process works on it (<see cref="StageLock"/>).</summary>
    public string Lock(string unit) => In("locks", $"{unit}.lock");

    /// <summary>Who holds a unit's lock: pid, machine, command line and start time, for the message a second process gets.</summary>
    public string LockHolder(string unit) => In("locks", $"{unit}.json");

    // ingest: the pairs (captions + images) and the zero-shot tasks
    public string Pairs => In("pairs", "pairs.jsonl");
    /// <summary>The images, a folder of .npy shards (Data.ImageSet), or of where each image lies in the source's .tar shards
    /// (Data.Ingest.SourceImageSet, ingest's --pixels source); runs before shards hold pairs/images.bin, converted on first read.</summary>
    public string Images => In("pairs", "images");
    public string Preview => In("pairs", "preview.png");
    /// <summary>What an ingest of a real source kept and skipped, by reason (the ingest stage's IngestReport).</summary>
    public string IngestReport => In("ingest", "report.json");
    public string TasksFolder => In("tasks");
    public string Task(string name) => In("tasks", name);

    // embed: one normalized caption vector per pair with a non-empty caption
    public string CaptionEmbeddings => In("embed", "captions.npy");
    public string EmbeddedPairs => In("embed", "pair_rows.npy");
    public string EmbedReport => In("embed", "report.json");
    /// <summary>Finished chunks of caption vectors (float32 .npy, rows in pair-row order), kept across a resume.</summary>
    public string EmbedChunksFolder => In("embed", "chunks");
    public string EmbedChunk(int index) => Path.Combine(EmbedChunksFolder, $"{index:D5}.npy");

    // cluster: fine (m) and coarse (n) centers, every embedded pair's fine cluster, each fine cluster's coarse parent
    public string FineCenters => In("cluster", "fine_centers.npy");
    public string CoarseCenters => In("cluster", "coarse_centers.npy");
    public string FineAssignment => In("cluster", "fine_assignment.npy");
    public string FineToCoarse => In("cluster", "fine_to_coarse.npy");
    public string Hierarchy => In("cluster", "hierarchy.json");
    public string ClusterReport => In("cluster", "report.json");

    // split: the pair rows of each data expert
    public string ExpertRows(int expert) => In("split", $"expert_{expert}.npy");
    public string SplitReport => In("split", "report.json");

    // train: tokenizer, then per model ("seed", "expert_0".., "single", "baseline") its final state, the state of an
    // unfinished run (resumed from), and its JSONL log. The tokenizer manifest names vocab.json and merges.txt beside it.
    public string Tokenizer => In("train", "tokenizer.json");
    public string Model(string model) => In("train", $"{model}.ckpt");
    public string UnfinishedModel(string model) => In("train", $"{model}.partial.ckpt");
    public string TrainLog(string model) => In("train", $"{model}.jsonl");
    /// <summary>The TensorBoard log folder of all models: <c>tensorboard --logdir</c> this.</summary>
    public string TensorBoardFolder => In("train", "tensorboard");
    /// <summary>One model's TensorBoard event file(s), so TensorBoard shows one run per model.</summary>
    public string TensorBoard(string model) => In("train", "tensorboard", model);

    // open_clip: the --logs folder of open_clip_train's runs of the models (sbatch files beside them), and a model's training
    // checkpoint as --resume reads it, in that folder's layout (NAME/checkpoints/epoch_K.pt).
    public string OpenClipFolder => In("open_clip");
    public string OpenClipCheckpoint(string model, int epoch) => In("open_clip", model, "checkpoints", $"epoch_{epoch}.pt");

    // eval: the results table
    public string ResultsJson => In("eval", "results.json");
    public string ResultsMarkdown => In("eval", "results.md");
    /// <summary>Results on tasks from disk (<c>mode eval --tasks</c>), beside the built-in tasks' table.</summary>
    public string TaskResultsJson => In("eval", "tasks.json");
    public string TaskResultsMarkdown => In("eval", "tasks.md");

    // report: Markdown and a self-contained HTML page, with the plots as PNG files
    public string ReportMarkdown => In("report", "report.md");
    public string ReportHtml => In("report", "report.html");
    public string ReportPlot(string name) => In("report", $"{name}.png");
}
