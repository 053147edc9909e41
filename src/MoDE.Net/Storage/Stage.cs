namespace MoDE.Storage;

/// <summary>
/// One step of the pipeline: a function from artifacts of a run directory to artifacts in it. It may start once the
/// stages it <see cref="Requires"/> have finished; it is finished when its marker exists, and a rerun with the same
/// options skips it. While it runs, its process holds it (<see cref="StageLock"/>), so no second process works on it,
/// and its options are never mixed with others (<see cref="StageMarker"/>). Each stage's type holds its <c>Stage</c>;
/// the orchestration keeps the ordered list.
/// </summary>
/// <param name="Name">The stage's folder in the run directory and its verb on the command line.</param>
/// <param name="Requires">The stages whose artifacts it reads.</param>
/// <param name="Outputs">The artifacts it writes for later stages.</param>
public sealed record Stage(string Name, IReadOnlyList<Stage> Requires, Func<RunLayout, IReadOnlyList<string>> Outputs)
{
    public bool IsDone(RunLayout run) => File.Exists(run.Done(Name));

    /// <summary>Every stage this one requires, directly or not, then this one: each once, a stage after those it requires.</summary>
    public IReadOnlyList<Stage> WithRequired()
    {
        var order = new List<Stage>();
        void Visit(Stage stage)
        {
            if (order.Contains(stage)) return;
            foreach (var needed in stage.Requires) Visit(needed);
            order.Add(stage);
        }
        Visit(this);
        return order;
    }

    /// <summary>
    /// The preamble every stage runs: null, after a log line, when the stage already finished with these options (an
    /// error when it finished with others). Otherwise, once every required stage has finished, the hold on the stage, or
    /// on its <paramref name="part"/> (<see cref="Hold"/>); an error, naming the fields, when the stage's unfinished
    /// work was started with other options. Dispose the hold when the stage ends.
    /// </summary>
    public StageLock? Begin<T>(RunLayout run, T options, TextWriter log, string? part = null) where T : notnull
    {
        StageLock? hold = null;
        try
        {
            if (!IsDoneWith(run, options)) hold = Hold(run, part);
            if (hold is not null && !IsDoneWith(run, options)) return hold; // not finished by a process that held it just before
        }
        catch
        {
            hold?.Dispose();
            throw;
        }
        hold?.Dispose();
        log.WriteLine($"{Name}: done already, skipped");
        return null;
    }

    /// <summary>
    /// True when the stage finished with these options; throws, naming the fields, when it finished with other options
    /// or has unfinished work started with other options.
    /// </summary>
    public bool IsDoneWith<T>(RunLayout run, T options) where T : notnull
    {
        if (StageMarker.IsDone(run, Name, options)) return true;
        StageMarker.RequireStartedWith(run, Name, options);
        return false;
    }

    /// <summary>
    /// Checks that every required stage has finished, takes the stage's lock (its <paramref name="part"/>'s, shared
    /// with the other parts, when given; <see cref="StageLock"/>), and removes the temporary files killed writers left
    /// in its folders: all of them when holding the whole stage, else those of gone processes on this machine.
    /// </summary>
    public StageLock Hold(RunLayout run, string? part = null)
    {
        Require(run);
        var hold = StageLock.Acquire(run, Name, part);
        AtomicFile.RemoveStale(Folders(run), all: part is null);
        return hold;
    }

    /// <summary>Records the options of the unfinished work the stage is about to write, which a rerun resumes
    /// (<see cref="StageMarker.MarkStarted"/>); a rerun with other options is then refused until the stage finishes.</summary>
    public void MarkStarted<T>(RunLayout run, T options) where T : notnull => StageMarker.MarkStarted(run, Name, options);

    /// <summary>The top folders of the run directory this stage writes in: its own and those of its outputs.</summary>
    public IReadOnlyList<string> Folders(RunLayout run) =>
        [.. Outputs(run).Select(o => Path.GetRelativePath(run.Root, o).Split(Path.DirectorySeparatorChar)[0]).Prepend(Name).Distinct()
            .Select(top => Path.Combine(run.Root, top))];

    /// <summary>Throws, naming the missing stage and the command that makes it, unless every required stage has finished.</summary>
    public void Require(RunLayout run)
    {
        foreach (var needed in Requires) StageMarker.Require(run, Name, needed.Name);
    }

    /// <summary>Records that the stage finished with <paramref name="options"/>.</summary>
    public void Finish<T>(RunLayout run, T options) where T : notnull => StageMarker.MarkDone(run, Name, options);

    public override string ToString() => Name;
}
