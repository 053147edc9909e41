namespace MoDE.Eval;

/// <summary>
/// The Wilson score interval of a binomial proportion (E. B. Wilson, "Probable inference, the law of succession, and
/// statistical inference", JASA 1927): the proportions p for which the observed one lies within z standard errors,
/// with the standard error taken at p rather than at the observation. Unlike the normal-approximation (Wald)
/// interval it stays inside [0, 1] and keeps close to its nominal coverage on small test sets and near 0 or 1
/// (R. G. Newcombe, "Two-sided confidence intervals for the single proportion", Statistics in Medicine 1998,
/// whose Table II this implementation reproduces). It is not centred on the observation but pulled towards 1/2.
/// </summary>
/// <param name="Low">Lower bound, a proportion in [0, 1].</param>
/// <param name="High">Upper bound, a proportion in [0, 1].</param>
public readonly record struct WilsonInterval(double Low, double High)
{
    /// <summary>The two-sided 95% quantile of the standard normal distribution.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>Half the interval's width: the "±" of a score.</summary>
    public double HalfWidth => (High - Low) / 2;

    /// <summary>The interval of <paramref name="proportion"/> observed over <paramref name="trials"/> trials.</summary>
    public static WilsonInterval Of(double proportion, int trials, double z = Z95)
    {
        if (trials < 1) throw new ArgumentOutOfRangeException(nameof(trials), trials, "needs at least one trial");
        if (!(proportion >= 0 && proportion <= 1)) throw new ArgumentOutOfRangeException(nameof(proportion), proportion, "must lie in [0, 1]");
        double z2n = z * z / trials;
        double center = (proportion + z2n / 2) / (1 + z2n);
        double half = z / (1 + z2n) * Math.Sqrt(proportion * (1 - proportion) / trials + z2n / (4.0 * trials));
        return new WilsonInterval(Math.Max(0, center - half), Math.Min(1, center + half));
    }

    /// <summary>The ± of a mean over independent estimates with these half-widths: their root sum of squares
    /// divided by their count, as the standard error of a mean of independent estimates is.</summary>
    public static double MeanHalfWidth(IReadOnlyCollection<double> halfWidths) =>
        halfWidths.Count == 0 ? 0 : Math.Sqrt(halfWidths.Sum(h => h * h)) / halfWidths.Count;
}
