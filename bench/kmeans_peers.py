#!/usr/bin/python3
"""k-means benchmark: MoDE.NET vs faiss 1.7.3 vs scikit-learn 1.2.1 on the same points and initial centers.

Run with Debian's Python, which sees python3-faiss and python3-sklearn (install libopenblas0-pthread too):
    /usr/bin/python3 bench/kmeans_peers.py [n] [k] [iterations] [threads]
It writes the points and initial centers as .npy files, times faiss and scikit-learn on them, runs the C# side
(bench/MoDE.Bench kmeans-fit) on the same files, and prints seconds per iteration, GFLOP/s, the final objective
of each (sum of squared distances to the nearest final center, computed the same way for all three) and the
ratio to faiss.
"""
import os, subprocess, sys, tempfile, time

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
k = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
iterations = int(sys.argv[3]) if len(sys.argv) > 3 else 10
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
d = 384

import numpy as np
import faiss
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_info, threadpool_limits

# Unit vectors around 2,000 random directions, like caption embeddings (clustered, not uniform).
rng = np.random.default_rng(1)
directions = rng.standard_normal((2000, d)).astype(np.float32)
points = directions[rng.integers(0, 2000, n)] + 0.6 * rng.standard_normal((n, d)).astype(np.float32)
points /= np.linalg.norm(points, axis=1, keepdims=True)
init = points[rng.choice(n, k, replace=False)].copy()
folder = tempfile.mkdtemp(prefix="mode-kmeans-")
np.save(os.path.join(folder, "points.npy"), points)
np.save(os.path.join(folder, "init.npy"), init)

index = faiss.IndexFlatL2(d)
def objective(centers):
    index.reset()
    index.add(np.ascontiguousarray(centers, dtype=np.float32))
    distances, _ = index.search(points, 1)
    return float(distances.sum())

gflop = 2.0 * n * k * d * iterations / 1e9
rows = []

faiss.omp_set_num_threads(threads)
km = faiss.Kmeans(d, k, niter=iterations, seed=1, max_points_per_centroid=n, min_points_per_centroid=1)
start = time.perf_counter()
km.train(points, init_centroids=init)
seconds = time.perf_counter() - start
rows.append(("faiss 1.7.3", seconds, objective(km.centroids)))

with threadpool_limits(limits=threads):
    blas = [f"{i['internal_api']} {i.get('threading_layer', '')}".strip() for i in threadpool_info() if i["user_api"] == "blas"]
    sk = KMeans(n_clusters=k, init=init, n_init=1, max_iter=iterations, tol=0, algorithm="lloyd")
    start = time.perf_counter()
    sk.fit(points)
    seconds = time.perf_counter() - start
rows.append(("scikit-learn 1.2.1", seconds, objective(sk.cluster_centers_)))

# The machine's matmul rate through the peers' BLAS, as the C# side reports libtorch's: best of 5, output reused.
def blas_rate(m, inner, n_out):
    a = rng.standard_normal((m, inner)).astype(np.float32)
    b = rng.standard_normal((inner, n_out)).astype(np.float32)
    c = np.empty((m, n_out), np.float32)
    with threadpool_limits(limits=threads):
        np.matmul(a, b, out=c)
        best = min(timed(lambda: np.matmul(a, b, out=c)) for _ in range(5))
    return 2.0 * m * inner * n_out / best / 1e9
def timed(f):
    start = time.perf_counter(); f(); return time.perf_counter() - start
blas_square, blas_chunk = blas_rate(4096, 4096, 4096), blas_rate(16384, d, k)

root = os.path.dirname(os.path.abspath(__file__))
out = subprocess.run(["dotnet", "run", "--project", os.path.join(root, "MoDE.Bench"), "-c", "Release", "--",
                      "kmeans-fit", folder, str(k), str(iterations)], capture_output=True, text=True, check=True).stdout
matmul = [l for l in out.splitlines() if l.startswith("matmul rate")][0]
for line in [l for l in out.splitlines() if l.startswith("MoDE.NET")]:
    ours_seconds = float(line.split()[2]) * iterations
    ours_objective = float(line.split("objective")[1].split()[0])
    rows.append((f"MoDE.NET ({line.split()[1].replace('-', ' ')})", ours_seconds, ours_objective))

print(f"k-means, {n:,} x {d} unit vectors, k = {k}, {iterations} iterations, {threads} threads, same initial centers; BLAS for numpy/sklearn: {', '.join(blas)}")
print(f"{'':26} {'s/iteration':>11} {'GFLOP/s':>8} {'objective':>12} {'time vs faiss':>14}")
faiss_seconds = rows[0][1]
for name, seconds, obj in rows:
    print(f"{name:26} {seconds / iterations:11.3f} {gflop / seconds:8.1f} {obj:12.2f} {seconds / faiss_seconds:13.2f}x")
spread = (max(r[2] for r in rows) - min(r[2] for r in rows)) / min(r[2] for r in rows)
print(f"objectives agree within {100 * spread:.3f}%")
print(matmul)
print(f"matmul rate through {', '.join(blas)}: 4096x4096x4096 {blas_square:.1f} GFLOP/s; one chunk (16384x{d} by {d}x{k}) {blas_chunk:.1f} GFLOP/s")
