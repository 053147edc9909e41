#!/usr/bin/env python3
"""How well a run's clusters follow the built-in generator's domains and labels, for each run folder given.

    /usr/bin/python3 bench/cluster_purity.py RUN...

Reads pairs/pairs.jsonl (each pair's "domain" and "label"), cluster/fine_assignment.npy and cluster/fine_to_coarse.npy.
Prints per run: m and n, the fine clusters' label purity and domain purity (the share of captions whose cluster's
most common label or domain is their own), the coarse clusters' domain purity, the normalised mutual information
between expert and domain (0: independent, 1: each domain one expert), the fine imbalance (k-means' sum of squared
sizes over the even split's), the share of noisy captions (no domain) in each expert, and the coarse step's objective:
the mean cosine distance of the fine centers to their expert's coarse center. Noisy pairs have no domain and are left
out of the purities.
"""
import collections
import json
import math
import os
import sys

import numpy as np


def purity(groups, values):
    """Share of items whose group's most common value is their own."""
    counts = collections.defaultdict(collections.Counter)
    for g, v in zip(groups, values):
        counts[g][v] += 1
    return sum(c.most_common(1)[0][1] for c in counts.values()) / len(values)


def nmi(a, b):
    """Normalised mutual information, arithmetic mean of the entropies (scikit-learn's default)."""
    n = len(a)
    joint = collections.Counter(zip(a, b))
    pa, pb = collections.Counter(a), collections.Counter(b)
    mi = sum(c / n * math.log(c * n / (pa[x] * pb[y])) for (x, y), c in joint.items())
    ha = -sum(c / n * math.log(c / n) for c in pa.values())
    hb = -sum(c / n * math.log(c / n) for c in pb.values())
    return mi / ((ha + hb) / 2) if ha + hb > 0 else 1.0


def main(runs):
    print("| run | m | n | fine label purity | fine domain purity | coarse domain purity | NMI(expert, domain) | fine imbalance | noisy share per expert | coarse objective |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for run in runs:
        pairs = [json.loads(line) for line in open(os.path.join(run, "pairs", "pairs.jsonl"), encoding="utf-8")]
        fine = np.load(os.path.join(run, "cluster", "fine_assignment.npy"))
        to_coarse = np.load(os.path.join(run, "cluster", "fine_to_coarse.npy"))
        coarse = to_coarse[fine]
        clean = [i for i, p in enumerate(pairs) if not p.get("noisy") and p.get("domain")]
        domains = [pairs[i]["domain"] for i in clean]
        labels = [(pairs[i]["domain"], pairs[i]["label"]) for i in clean]
        m, n = len(to_coarse), int(to_coarse.max()) + 1
        sizes = np.bincount(fine, minlength=m).astype(np.float64)
        imbalance = m * (sizes ** 2).sum() / sizes.sum() ** 2
        noisy = np.array([bool(p.get("noisy")) for p in pairs])
        noisy_share = " / ".join(f"{noisy[coarse == e].mean():.2f}" for e in range(n))
        fine_centers = np.load(os.path.join(run, "cluster", "fine_centers.npy"))
        coarse_centers = np.load(os.path.join(run, "cluster", "coarse_centers.npy"))
        unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)
        objective = float((1 - (unit(fine_centers) * unit(coarse_centers)[to_coarse]).sum(axis=1)).mean())
        print(f"| {os.path.basename(os.path.normpath(run))} | {m} | {n} | {purity(fine[clean], labels):.3f} | "
              f"{purity(fine[clean], domains):.3f} | {purity(coarse[clean], domains):.3f} | "
              f"{nmi(list(coarse[clean]), domains):.3f} | {imbalance:.2f} | {noisy_share} | {objective:.4f} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
