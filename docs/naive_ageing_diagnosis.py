"""Why the naive T-cell pools fall slowly with age, and what holds naive CD8 up at 100 (targets R1, R2, A4, A6;
eighteenth session, branch naiveage, issue 17; the findings are in docs/model.md, "Naive pools with age: diagnosis").
An exploration: it changes no shipped value.

For the shipped parameters and for the law before this branch (each pool's decline at the reference age, delta, at
0) it settles the reference man at ages 20-100 (one cohort, age frozen, a year: the validation's settled patient)
and reads naive CD4 and CD8 per uL (CD8 scaled like CD4, as the read-outs), and naive CD8's per-cell thymic export,
division and loss per year. From the closed form of the history law (hemasim.biology.lymphoid.naive_history_factor)
it splits each pool at 100 y into the cells kept by self-renewal of the pool present at the reference age
(exp(-k T)) and those the thymus added since (and their progeny), with what-ifs (no thymic output after the
reference age; the thymic share at AN2's upper 20%). It also runs the reference man from 35 to 100 with ageing on
(the model as a scenario runs it, not as the validation settles it) to show the IL-7-like compensation there.

Run: PYTHONPATH=src python docs/naive_ageing_diagnosis.py [--figure docs/images/naive_ageing_diagnosis.png]
(a few minutes of CPU).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from hemasim.biology.lymphoid import NAIVE_DECLINE_PARAMETER, naive_history_factor
from hemasim.parameters import ParameterSet, healthy_adult_parameters

AGES = np.arange(20.0, 101.0, 5.0)
DAYS_PER_YEAR = 365.25
HALF_LIVES = {"naive CD4": "naive_cd4_half_life_years", "naive CD8": "naive_cd8_half_life_years"}
#: Fagnoni 2000 (R1, R2), drawn for comparison only (no fit uses it)
FAGNONI_CENTENARIAN_NAIVE_CD8 = (13.0, 4.0)
FIGURE = Path(__file__).with_name("images") / "naive_ageing_diagnosis.png"


def parameter_sets() -> dict[str, ParameterSet]:
    shipped = healthy_adult_parameters()
    return {"shipped (delta fitted)": shipped,
            "delta 0 (law before this branch)": shipped.with_values(**{p: 0.0 for p in NAIVE_DECLINE_PARAMETER.values()})}


def settled_over_ages(params: ParameterSet) -> dict[str, np.ndarray]:
    """The reference man settled at each of AGES (a cohort, age frozen, one year)."""
    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.simulation import Simulation

    n = len(AGES)
    model = healthy_human_model(Covariates(AGES, np.array(["male"] * n), np.full(n, 70.0), np.full(n, 175.0)),
                                params, aging=False)
    r = Simulation(model).run(DAYS_PER_YEAR, output_every_days=DAYS_PER_YEAR / 4)
    n4, n8 = r.state("naive_cd4")[:, -1], r.state("naive_cd8")[:, -1]
    per_cell = r.observable("naive_cd4_per_uL")[:, -1] / n4
    yearly = DAYS_PER_YEAR / n8
    return {"naive_cd4_per_uL": n4 * per_cell, "naive_cd8_per_uL": n8 * per_cell,
            "cd8_thymic_per_year": r.flux("thymic_export_cd8")[:, -1] * yearly,
            "cd8_division_per_year": r.flux("naive_cd8_proliferation")[:, -1] * yearly,
            "cd8_loss_per_year": (r.flux("naive_cd8_death")[:, -1] + r.flux("naive_cd8_to_memory")[:, -1]) * yearly,
            "cd8_settling_drift": n8 / r.state("naive_cd8")[:, 0],
            "trec_per_naive_cd4": r.state("trec_cd4")[:, -1] / n4}


def ageing_run(params: ParameterSet) -> dict[str, np.ndarray]:
    """The reference man from 35 to 100 with ageing on (thymic output involutes within the run)."""
    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.simulation import Simulation

    model = healthy_human_model(Covariates(35.0, "male", 70.0, 175.0), params, aging=True)
    r = Simulation(model).run(65 * DAYS_PER_YEAR, output_every_days=5 * DAYS_PER_YEAR)
    n8 = r.state("naive_cd8")
    per_cell = r.observable("naive_cd4_per_uL") / r.state("naive_cd4")
    return {"age": 35.0 + r.times / DAYS_PER_YEAR, "naive_cd8_per_uL": n8 * per_cell,
            "cd8_division_per_year": r.flux("naive_cd8_proliferation") / n8 * DAYS_PER_YEAR}


def _reader(params: ParameterSet, **overrides: float) -> Callable[[str], float]:
    p = params.with_values(**overrides) if overrides else params
    return lambda name: p[name].value


def decomposition(params: ParameterSet, age: float = 100.0) -> dict[str, dict[str, float]]:
    """Per pool at ``age``: H, the part kept by self-renewal of the reference-age pool (also H with no thymic output
    after the reference age), the thymic part, the net loss k, and H with the thymic share at 20%."""
    value = _reader(params)
    span = age - value("lymphocyte_reference_age_years")
    out = {}
    for pool, half_life in HALF_LIVES.items():
        k = (value("thymic_share_of_naive_production") * math.log(2) / value(half_life)
             + value(NAIVE_DECLINE_PARAMETER[half_life]))
        h = float(naive_history_factor(value, half_life, age))
        kept = math.exp(-k * span)
        # kept is also the pool a thymus that stopped at the reference age would leave (the floor of the law)
        out[pool] = {"H": h, "self_renewed": kept, "thymic": h - kept, "net_loss_per_year": k,
                     "H_thymic_share_0.2": float(naive_history_factor(
                         _reader(params, thymic_share_of_naive_production=0.2), half_life, age))}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--figure", type=Path, help="write the figure here (PNG)")
    args = ap.parse_args()
    results = {}
    for label, params in parameter_sets().items():
        settled, ageing, parts = settled_over_ages(params), ageing_run(params), decomposition(params)
        results[label] = (settled, ageing, parts)
        print(f"== {label}")
        print(" age  naiveCD4/uL naiveCD8/uL  CD8 thymic/div/loss per cell-year  settling drift")
        for i, a in enumerate(AGES):
            print(f" {a:4.0f} {settled['naive_cd4_per_uL'][i]:10.1f} {settled['naive_cd8_per_uL'][i]:10.1f}"
                  f"   {settled['cd8_thymic_per_year'][i]:.4f} {settled['cd8_division_per_year'][i]:.4f}"
                  f" {settled['cd8_loss_per_year'][i]:.4f}   {settled['cd8_settling_drift'][i]:.4f}")
        total = settled["naive_cd4_per_uL"] + settled["naive_cd8_per_uL"]
        trec = settled["trec_per_naive_cd4"]
        print(f" TREC-like marker per naive CD4 cell, 60 y over 25 y (Naylor 2005: a fall of >95% of TREC, 25->60 y):"
              f" {float(np.interp(60.0, AGES, trec) / np.interp(25.0, AGES, trec)):.3f}")
        print(f" naive T 100/30 (R1): {float(np.interp(100.0, AGES, total) / np.interp(30.0, AGES, total)):.3f}; naive CD8 at 100 (R2): "
              f"{float(settled['naive_cd8_per_uL'][-1]):.1f}/uL")
        print(f" ageing run 35->100: naive CD8 {ageing['naive_cd8_per_uL'][0]:.1f} -> {ageing['naive_cd8_per_uL'][-1]:.1f}"
              f"/uL, CD8 division per cell-year {ageing['cd8_division_per_year'][0]:.4f} -> "
              f"{ageing['cd8_division_per_year'][-1]:.4f}")
        for pool, d in parts.items():
            print(f" {pool} at 100: H {d['H']:.3f} = self-renewed {d['self_renewed']:.3f} + thymic {d['thymic']:.3f}"
                  f" (net loss {100 * d['net_loss_per_year']:.2f}%/y); thymic share 0.2: {d['H_thymic_share_0.2']:.3f}")
    if args.figure:
        draw(results, args.figure)


def draw(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    colours = ("C0", "C1")
    for (label, (settled, ageing, _)), c in zip(results.items(), colours, strict=True):
        axes[0].plot(AGES, settled["naive_cd8_per_uL"], "-", color=c, label=f"naive CD8, settled: {label}")
        axes[0].plot(AGES, settled["naive_cd4_per_uL"], ":", color=c, label=f"naive CD4, settled: {label}")
        axes[0].plot(ageing["age"], ageing["naive_cd8_per_uL"], "--", color=c, alpha=0.7,
                     label=f"naive CD8, one run ageing 35->100: {label}")
    m, se = FAGNONI_CENTENARIAN_NAIVE_CD8
    axes[0].errorbar([100.0], [m], yerr=[1.96 * se], fmt="ks", label="Fagnoni 2000 centenarians (R2; not fitted)")
    axes[0].set(xlabel="age (years)", ylabel="cells/uL", yscale="log", title="naive T cells by age")
    axes[0].legend(fontsize=6)
    base = results["delta 0 (law before this branch)"][0]
    for key, style in (("cd8_division_per_year", "-"), ("cd8_loss_per_year", "--"), ("cd8_thymic_per_year", ":")):
        axes[1].plot(AGES, base[key], style, color="C1", label=key.replace("cd8_", "").replace("_", " "))
    shipped = results["shipped (delta fitted)"][0]
    axes[1].plot(AGES, shipped["cd8_division_per_year"], "-", color="C0", label="division per year (shipped)")
    axes[1].set(xlabel="age (years)", ylabel="per naive CD8 cell per year", yscale="log",
                title="naive CD8: per-cell fluxes, settled")
    axes[1].legend(fontsize=7)
    labels, kept, thymic = [], [], []
    for label, (_, _, parts) in results.items():
        for pool, d in parts.items():
            labels.append(f"{pool}\n{label.split(' (')[0]}")
            kept.append(d["self_renewed"])
            thymic.append(d["thymic"])
    x = np.arange(len(labels))
    axes[2].bar(x, kept, color="0.6", label="self-renewal of the pool present at 35")
    axes[2].bar(x, thymic, bottom=kept, color="C2", label="thymic emigrants since 35 (and progeny)")
    axes[2].set_xticks(x, labels, fontsize=7)
    axes[2].set(ylabel="pool at 100 over pool at 35", title="what the pool at 100 is made of")
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(path)  # atomic


if __name__ == "__main__":
    main()
