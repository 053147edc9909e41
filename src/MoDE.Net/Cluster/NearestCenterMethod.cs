namespace MoDE.Cluster;

/// <summary>
/// How <see cref="KMeans"/> finds each point's nearest center, chosen by the caller as faiss's clustering takes its
/// index. All three give the same assignment up to float near-ties, so the choice never enters a stage's marker.
/// </summary>
public enum NearestCenterMethod
{
    /// <summary><see cref="Kernel"/> where the CPU runs it (AVX-512, or AVX2 with FMA), <see cref="Gemm"/> elsewhere.</summary>
    Auto,

    /// <summary><see cref="NearestCenterKernel"/>: no points x centers matrix is written. Fails on a CPU that cannot run it.</summary>
    Kernel,

    /// <summary>One libtorch GEMM fused with the norm add (addmm) and a row-wise min per chunk of points.</summary>
    Gemm,
}
