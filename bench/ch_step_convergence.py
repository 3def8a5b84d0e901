"""Convergence of the CH read-outs in the clone step length (docs/performance_clonal.md, "ninth session, branch
chstep"): each step runs the same seeds as cohorts of 1,000 lifespans; every read-out is computed per cohort, its
standard error SE_1000 is the spread of the reference step's cohorts, and each step's bias against the reference
is judged by the rule fixed there (|bias| < 1 SE_1000 on every read-out).

Run: ``python bench/ch_step_convergence.py [--competition midpoint|held] [--cohorts 40] [--steps 0.125 0.25 1]
[--first-seed 1000] [--out bench/results/ch_step_convergence.json.gz] [--reference "held 0.25"] [--se-from "held 0.25"]
[--figure docs/images/ch_step_convergence.png]``. Cohorts already in ``--out`` are kept (the run can be stopped and
resumed, and runs of both schemes share a file); the table is printed from what is there (``--report-only``).
The results of the ninth session: bench/results/ch_step_convergence.json.gz (seeds 1000-1039, both schemes) and
ch_step_convergence_confirm.json.gz (seeds 2000-2039, midpoint 1/8 and 1 year).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

BANDS = ((20, 30), (30, 40), (40, 50), (50, 60), (60, 70), (70, 80), (80, 90), (90, 101))
SNAPSHOT_AGES = (50.0, 70.0, 90.0)
VAF_LEVELS = (0.001, 0.02, 0.1, 0.2)
COHORT = 1000
FIRST_SEED = 1000
REFERENCE = "held 0.25"  # the quarter-year step with the competition held over it (main's default until chstep)


def readouts(res) -> dict[str, float]:  # res: hemasim.clonal.ch.CHCohortResult
    """Every CH read-out of one cohort (names: what, band or age)."""
    from hemasim.clonal.ch import CH_VAF_THRESHOLD
    from hemasim.clonal.vaf_fit import STUDIES, study_bin_edges

    out: dict[str, float] = {}
    for lo, hi in BANDS:
        cols = (res.ages_years >= lo) & (res.ages_years < hi)
        band = f"{lo}-{hi - 1}"
        out[f"A1 CH prevalence {band}"] = res.prevalence(lo, hi)
        out[f"any driver clone >= 2% {band}"] = float((res.max_driver_vaf[:, cols] >= CH_VAF_THRESHOLD).mean())
        out[f"driver share of the pool {band}"] = float(res.driver_share[:, cols].mean())
    snaps = res.snapshots
    for age in SNAPSHOT_AGES:
        vaf = snaps["vaf"][snaps["age_years"] == age]
        for level in VAF_LEVELS:
            out[f"clones per person at VAF >= {level:g}, age {age:g}"] = float((vaf >= level).sum()) / res.n_people
    edges = study_bin_edges(STUDIES["Coombs2017"].detection_limit_vaf)
    vaf70 = snaps["vaf"][snaps["age_years"] == 70.0]
    counts = np.histogram(vaf70[(vaf70 >= edges[0]) & (vaf70 < 0.5)], bins=edges)[0]
    for k in range(len(counts)):
        out[f"Coombs-range share, VAF {edges[k]:.3f}-{edges[k + 1]:.3f}, age 70"] = float(counts[k] / max(counts.sum(), 1))
    return out


def load(path: Path) -> dict:
    """A results file (gzipped JSON where its name ends in .gz)."""
    return json.loads(gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_text())


def _save(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, separators=(",", ":")).encode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(gzip.compress(text, mtime=0) if path.suffix == ".gz" else text)
    os.replace(tmp, path)  # atomic


def run(steps: list[float], cohorts: int, out: Path, competition: str, first_seed: int = FIRST_SEED) -> dict:
    from hemasim.clonal.ch import simulate_ch_cohort

    data = load(out) if out.exists() else {"cohort_size": COHORT, "steps": {}}
    for c in range(cohorts):  # interleaved over steps, so a stopped run has every step at about the same count
        for h in steps:
            key = f"{competition} {h!r}"
            done = data["steps"].setdefault(key, {"seeds": [], "readouts": [], "cpu_s": []})
            seed = first_seed + c
            if seed in done["seeds"]:
                continue
            c0 = time.process_time()
            res = simulate_ch_cohort(COHORT, seed=seed, step_years=h, snapshot_ages=SNAPSHOT_AGES, workers=1,
                                     competition=competition)
            done["cpu_s"].append(time.process_time() - c0)
            done["seeds"].append(seed)
            done["readouts"].append(readouts(res))
            _save(out, data)
            print(f"{competition} step {h:.4g} seed {seed}: {done['cpu_s'][-1]:.1f} s CPU", flush=True)
    return data


def _order(key: str) -> tuple[str, float]:
    competition, step = key.split()
    return competition, float(step)


def table(data: dict, reference: str = REFERENCE, se_from: str = REFERENCE
          ) -> tuple[list[str], dict[str, dict[str, tuple[float, float, float]]], int, dict[str, bool], dict[str, float]]:
    """Per scheme-and-step and read-out: (mean, bias against ``reference``, SE of the bias), the SE_1000 per read-out
    (the spread of the cohorts of ``se_from``), and whether each meets the rule."""
    ref = data["steps"][reference]
    names = list(ref["readouts"][0])
    common = set(ref["seeds"])
    for d in data["steps"].values():
        common &= set(d["seeds"])

    def values(d: dict, name: str) -> np.ndarray:
        return np.array([r[name] for s, r in zip(d["seeds"], d["readouts"], strict=True) if s in common])

    se1000 = {n: float(values(data["steps"][se_from], n).std(ddof=1)) for n in names}
    result: dict[str, dict[str, tuple[float, float, float]]] = {}
    verdict: dict[str, bool] = {}
    for key, d in sorted(data["steps"].items(), key=lambda kv: _order(kv[0])):
        rows = {}
        ok = True
        for n in names:
            x, y = values(d, n), values(ref, n)
            bias = float(x.mean() - y.mean())
            se = float(np.sqrt((x.var(ddof=1) + y.var(ddof=1)) / len(common)))
            rows[n] = (float(x.mean()), bias, se)
            ok &= abs(bias) < se1000[n] if se1000[n] > 0 else abs(bias) < 1e-3
        result[key] = rows
        verdict[key] = ok
    return names, result, len(common), verdict, se1000


def report(data: dict, reference: str = REFERENCE, se_from: str = REFERENCE) -> None:
    names, result, n, verdict, se1000 = table(data, reference, se_from)
    keys = list(result)
    print(f"{n} cohorts of {COHORT} per step; bias against {reference} in units of SE_1000 (95% interval)")
    print("read-out | SE_1000 | " + " | ".join(f"{k} y" for k in keys))
    for name in names:
        cells = []
        for k in keys:
            mean, bias, se = result[k][name]
            z = bias / se1000[name] if se1000[name] > 0 else float("nan")
            cells.append(f"{mean:.4g} ({z:+.2f}, {(bias - 1.96 * se) / se1000[name] if se1000[name] else 0:+.2f}.."
                         f"{(bias + 1.96 * se) / se1000[name] if se1000[name] else 0:+.2f})")
        print(f"{name} | {se1000[name]:.3g} | " + " | ".join(cells))
    worst = {k: max((abs(result[k][nm][1]) / se1000[nm] for nm in names if se1000[nm] > 0), default=0.0) for k in keys}
    for k in keys:
        cpu = np.median(data["steps"][k]["cpu_s"]) / COHORT * 1e3
        print(f"{k} y: worst |bias| / SE_1000 = {worst[k]:.2f}; converged: {verdict[k]}; "
              f"median CPU {cpu:.2f} ms per lifespan")


def figure(data: dict, path: Path, reference: str = REFERENCE, se_from: str = REFERENCE) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names, result, n, _, se1000 = table(data, reference, se_from)
    picks = [nm for nm in names if nm.startswith("A1") and not nm.endswith("20-29")] + [
        "driver share of the pool 70-79", "driver share of the pool 80-89", "driver share of the pool 90-100",
        "clones per person at VAF >= 0.02, age 70", "clones per person at VAF >= 0.2, age 90"] + [
        nm for nm in names if nm.startswith("Coombs")][-1:]
    schemes = sorted({k.split()[0] for k in result})
    fig, axes = plt.subplots(1, len(schemes), figsize=(5 * len(schemes), 4.2), layout="constrained", sharey=True,
                             squeeze=False)
    for ax, scheme in zip(axes[0], schemes, strict=True):
        keys = [k for k in result if k.split()[0] == scheme]
        x = np.array([float(k.split()[1]) for k in keys])
        for i, nm in enumerate(picks):
            z = np.array([result[k][nm][1] / se1000[nm] for k in keys])
            err = np.array([1.96 * result[k][nm][2] / se1000[nm] for k in keys])
            ax.errorbar(x * (1 + 0.015 * (i - len(picks) / 2)), z, yerr=err, marker="o", ms=3, lw=1, capsize=2,
                        label=nm, color=f"C{i % 10}", ls="-" if i < 10 else "--")
        ax.axhspan(-1, 1, color="0.9", zorder=0)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_xscale("log")
        ax.set_xticks(x, [f"{v:.3g}" for v in x])
        ax.minorticks_off()
        ax.set_xlabel("clone step (years)")
        ax.set_title(f"competition {scheme}")
    axes[0][0].set_ylabel(f"bias against {reference} (SE of a 1,000-person cohort)")
    axes[0][-1].legend(fontsize=6, loc="upper left")
    fig.suptitle(f"CH read-outs against the clone step ({n} cohorts of {COHORT} per step; 95% intervals; grey: the "
                 "rule, |bias| < 1)", fontsize=9)
    fig.savefig(path, dpi=80)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cohorts", type=int, default=40)
    ap.add_argument("--steps", type=float, nargs="+", default=[0.125, 0.25, 1 / 3, 0.5, 1.0])
    ap.add_argument("--out", type=Path, default=Path("bench/results/ch_step_convergence.json.gz"))
    ap.add_argument("--figure", type=Path)
    ap.add_argument("--competition", choices=("midpoint", "held"), default="midpoint")
    ap.add_argument("--reference", default=REFERENCE, help="the scheme and step the biases are taken against")
    ap.add_argument("--se-from", default=REFERENCE, help="the scheme and step whose cohorts' spread is SE_1000")
    ap.add_argument("--first-seed", type=int, default=FIRST_SEED)
    ap.add_argument("--report-only", action="store_true")
    args = ap.parse_args()
    data = (load(args.out) if args.report_only
            else run(args.steps, args.cohorts, args.out, args.competition, args.first_seed))
    if args.reference in data["steps"] and args.se_from in data["steps"]:
        report(data, args.reference, args.se_from)
        if args.figure:
            figure(data, args.figure, args.reference, args.se_from)


if __name__ == "__main__":
    main()
