#!/usr/bin/python3
"""Tables of bench/converged.sh: the held-out curve with the flatness criterion, and the comparison of MoDE-4 and
MoDE-2 with single, the equal-compute baselines and the wide model, per task and on average, with each routing's
sharpness (mean over tasks of the largest expert weight). Usage: bench/converged_table.py ROOT"""
import json
import re
import sys
from pathlib import Path

root = Path(sys.argv[1])


def results(run):
    path = root / run / "eval" / "results.json"
    return json.loads(path.read_text()) if path.exists() else None


def average(method):
    return 100 * sum(method["Accuracy"]) / len(method["Accuracy"])


# Held-out curve: lines "  NAME FILE STEP TOTAL LOSS" of MoDE.Bench held-out-curve.
curve = {}
log = root / "curve.log"
if log.exists():
    for line in log.read_text().splitlines():
        m = re.match(r"\s+(\w+) (\S+)\s+(\d+)\s+(\d+)\s+([\d.]+)$", line)
        if m:
            curve.setdefault(m[1], {})[int(m[3])] = float(m[5])
for name, points in curve.items():
    steps = sorted(points)
    print(f"held-out loss, {name}: " + ", ".join(f"{s}: {points[s]:.3f}" for s in steps))
if "seed" in curve:
    points = curve["seed"]
    last = max(points)
    before = max(s for s in points if s <= 0.9 * last)
    gain = (points[before] - points[last]) / points[before]
    print(f"seed: held-out loss {points[before]:.4f} at step {before}, {points[last]:.4f} at step {last}: "
          f"{100 * gain:.2f}% lower over the last {last - before} steps ({100 * (last - before) / last:.0f}% of the seed's)")

# Comparison.
four, two, wide = results("mode4"), results("mode2"), results("wide-eval")
if four is None:
    sys.exit(0)
tasks = four["Tasks"]
rows = []


def add(label, res, name):
    if res is None:
        return
    method = next((m for m in res["Methods"] if m["Name"] == name), None)
    if method is not None:
        rows.append((label, [100 * a for a in method["Accuracy"]], average(method)))


for routing in ["calibrated", "paper", "code"]:
    add(f"MoDE-4, {routing} routing", four, f"MoDE ({routing})")
add("MoDE-4 uniform", four, "uniform")
add("MoDE-4 oracle", four, "oracle")
for routing in ["calibrated", "paper", "code"]:
    add(f"MoDE-2, {routing} routing", two, f"MoDE ({routing})")
add("single", four, "single")
add("equal compute of MoDE-4 (baseline)", four, "baseline")
add("equal compute of MoDE-2 (baseline)", two, "baseline")
add("wide model at MoDE-4's cost", wide, "baseline")
for m in four["Methods"]:
    if m["Name"].startswith("expert "):
        add(f"MoDE-4 {m['Name']}", four, m["Name"])
print("| method | " + " | ".join(tasks) + " | average |")
print("|---|" + "---:|" * (len(tasks) + 1))
for label, accuracy, avg in rows:
    print(f"| {label} | " + " | ".join(f"{a:.1f}" for a in accuracy) + f" | {avg:.1f} |")

for name, res in [("MoDE-4", four), ("MoDE-2", two)]:
    if res is None:
        continue
    sharp = []
    for routing in ["code", "paper", "calibrated", "code, coarse", "paper, coarse", "calibrated, coarse"]:
        weights = [w for key, w in res["RoutedWeights"].items() if key.endswith(f"({routing})")]
        if weights:
            sharp.append(f"{routing} {sum(max(w) for w in weights) / len(weights):.2f}")
    print(f"{name} sharpness (mean largest weight): " + ", ".join(sharp))

# Wall times.
for time_file in sorted(root.glob("*.time")):
    walls = re.findall(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", time_file.read_text())
    print(f"wall {time_file.stem}: " + " + ".join(walls))
