namespace MoDE.Storage;

/// <summary>
/// One step of the pipeline: a function from artifacts of a run directory to artifacts in it. It may start once the
/// stages it <see cref="Requires"/> have finished; it is finished when its marker exists, and a rerun with the same
/// options skips it. Each stage's type holds its <c>Stage</c>; the orchestration keeps the ordered list.
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
    /// The preamble every stage runs: true, after a log line, when the stage already finished with these options
    /// (an error when it finished with others); otherwise false, after checking that every required stage has finished.
    /// </summary>
    public bool SkipIfDone<T>(RunLayout run, T options, TextWriter log) where T : notnull
    {
        if (StageMarker.IsDone(run, Name, options)) { log.WriteLine($"{Name}: done already, skipped"); return true; }
        Require(run);
        return false;
    }

    /// <summary>Throws, naming the missing stage and the command that makes it, unless every required stage has finished.</summary>
    public void Require(RunLayout run)
    {
        foreach (var needed in Requires) StageMarker.Require(run, Name, needed.Name);
    }

    /// <summary>Records that the stage finished with <paramref name="options"/>.</summary>
    public void Finish<T>(RunLayout run, T options) where T : notnull => StageMarker.MarkDone(run, Name, options);

    public override string ToString() => Name;
}
