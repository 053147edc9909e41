using System.Diagnostics;

namespace MoDE.Storage;

/// <summary>
/// Progress of one long step with an ETA: a bar redrawn in place on a terminal, plain lines (about every 10%,
/// at most one every 5 seconds, and the last) when output goes to a file or a pipe.
/// </summary>
public sealed class ConsoleProgress
{
    readonly string _label;
    readonly long _total;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly TextWriter _out;
    readonly bool _interactive;
    TimeSpan _lastDraw = TimeSpan.Zero;
    long _lastLinePercent = -1;

    public ConsoleProgress(string label, long total, TextWriter output)
    {
        _label = label;
        _total = Math.Max(1, total);
        _out = output;
        _interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
    }

    /// <summary>Reports <paramref name="done"/> of the total; <paramref name="detail"/> is shown after the ETA.</summary>
    public void Report(long done, string detail = "")
    {
        var elapsed = _clock.Elapsed;
        bool finished = done >= _total;
        long percent = done * 100 / _total;
        string eta = done > 0 && !finished ? Format(elapsed * ((double)(_total - done) / done)) : "--:--";
        if (_interactive)
        {
            if (!finished && elapsed - _lastDraw < TimeSpan.FromMilliseconds(200)) return;
            _lastDraw = elapsed;
            int filled = (int)(30 * done / _total);
            string line = $"{_label,-16} [{new string('#', filled)}{new string('.', 30 - filled)}] {percent,3}% {done}/{_total} " +
                          $"{Format(elapsed)} ETA {eta} {detail}";
            int width = Console.IsOutputRedirected ? 120 : Math.Max(40, Console.WindowWidth - 1);
            _out.Write("\r" + (line.Length > width ? line[..width] : line.PadRight(width)));
            if (finished) _out.WriteLine();
            return;
        }
        bool step = percent / 10 > _lastLinePercent / 10 && elapsed - _lastDraw >= TimeSpan.FromSeconds(5);
        if (!finished && !step && _lastLinePercent >= 0) return;
        if (finished && _lastLinePercent == 100) return;
        _lastDraw = elapsed;
        _lastLinePercent = percent;
        _out.WriteLine($"{_label}: {percent}% ({done}/{_total}) elapsed {Format(elapsed)} ETA {eta} {detail}".TrimEnd());
    }

    static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"mm\:ss");
}
