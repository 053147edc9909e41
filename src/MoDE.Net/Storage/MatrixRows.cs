namespace MoDE.Storage;

/// <summary>
/// A matrix of float vectors read a block of rows at a time, so a pass over millions of rows never holds them all
/// in managed memory: an array in memory (<see cref="InMemory"/>) or a memory-mapped .npy file (<see cref="NpyMatrix"/>).
/// </summary>
public abstract class MatrixRows : IDisposable
{
    public abstract int Rows { get; }
    public abstract int Columns { get; }

    /// <summary>
    /// Rows [<paramref name="start"/>, start + <paramref name="count"/>) as float32, row after row: a view of the
    /// storage when it holds float32, else the values converted into <paramref name="buffer"/>, which must then hold
    /// count x <see cref="Columns"/> floats. The view is valid until the next call or disposal.
    /// </summary>
    public abstract ReadOnlySpan<float> Read(int start, int count, Span<float> buffer);

    /// <summary>Copies the given rows, in the given order, into a new array.</summary>
    public float[] Gather(IReadOnlyList<int> rows)
    {
        var result = new float[rows.Count * Columns];
        var buffer = new float[Columns];
        for (int i = 0; i < rows.Count; i++) Read(rows[i], 1, buffer).CopyTo(result.AsSpan(i * Columns, Columns));
        return result;
    }

    /// <summary>The whole matrix as one array when it is held as one (<see cref="InMemory"/>), else null.</summary>
    public virtual float[]? Array => null;

    public virtual void Dispose() => GC.SuppressFinalize(this);

    /// <summary>A view over rows of <paramref name="columns"/> floats held in <paramref name="values"/>.</summary>
    public static MatrixRows InMemory(float[] values, int columns) => new ArrayRows(values, columns);

    sealed class ArrayRows : MatrixRows
    {
        readonly float[] _values;

        public ArrayRows(float[] values, int columns)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
            if (values.Length % columns != 0) throw new ArgumentException($"{values.Length} floats are not rows of {columns}", nameof(values));
            _values = values;
            Columns = columns;
            Rows = values.Length / columns;
        }

        public override int Rows { get; }
        public override int Columns { get; }

        public override ReadOnlySpan<float> Read(int start, int count, Span<float> buffer) => _values.AsSpan(start * Columns, count * Columns);

        public override float[] Array => _values;
    }
}
