"""When does the model's marrow answer one whole-blood donation? (issue 17, branch `donation`; findings in
docs/model.md, "Timing of the erythroid answer to a donation"). Nothing here is fitted or chosen; no model value is
changed unless a sweep names it.

The validation scenario of P1 (blood_donation_550mL: a 30-year-old man, 77 kg, 550 mL on day 10) is run with the
values before branch donation (gain 4.43, exit rate 1/7 per day), with the exit rate swept at that gain, and with the
shipped values (the gain fitted on Falz 2014 with the exit rate placed at 10 per day). For each run it reads, over their values before the
donation: the red-cell mass, the EPO-like feedback g (the factor on the progenitors' self-renewal, instantaneous on
the red-cell mass), the EPO the model's Hb implies on Symeonidis 2016's line (log10 EPO = 3.05 - 0.131 Hb, the
source of the feedback's log slope), the progenitor pool's output into the erythroblasts and the erythroblasts'
release of red cells into the blood (the model has no reticulocyte stage: the release is what a reticulocyte count
corrected for its circulating maturation measures). "Rise" is the first day the output is 10% above its value before
the donation, "half" the day it reaches half its largest rise, "peak" the day of that largest value.

Run: PYTHONPATH=src python docs/donation_timing_diagnosis.py [--figure docs/images/donation_timing.png]
(about 1 min of CPU).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from hemasim.simulation import Result
from hemasim.validation.scenario_runs import scenario_run

SCENARIO = "blood_donation_550mL"
DONATION_DAY = 10.0
#: Symeonidis 2016: d log10(EPO) / d Hb (per g/dL), the slope inside erythroid_feedback_log_slope
EPO_LOG10_SLOPE = 0.131
EXIT_RATES = (1.0 / 7.0, 0.5, 1.0, 4.07, 10.0)  # per day: the assumed 1/7 before, faster pools to the bound
#: the log slope before branch donation: Symeonidis 2016's line with an assumed elasticity of 1
GAIN_BEFORE = 0.131 * 2.302585092994046 * 14.7
DAYS = (1, 3, 5, 7, 10, 14, 21, 28, 35, 42, 56)


def run(exit_rate: float | None = None, log_slope: float | None = None) -> Result:
    parameters: dict[str, float] = {}
    if exit_rate is not None:
        parameters["erythroid_progenitor_exit_rate_per_day"] = exit_rate
    if log_slope is not None:
        parameters["erythroid_feedback_log_slope"] = log_slope
    return scenario_run(SCENARIO, {"parameters": parameters} if parameters else None)


def courses(result: Result) -> dict[str, np.ndarray]:
    """Days after the donation and each read-out over its value just before it."""
    m, t = result.model, result.times
    fluxes = m.fluxes(t, result.states)

    def flux(name: str) -> np.ndarray:
        return np.asarray(fluxes[:, m.flow_names.index(name)])

    mass = result.observable("rbc_1e12_per_L") * result.volume_ratio[0] if result.volume_ratio is not None \
        else result.observable("rbc_1e12_per_L")
    hb_main = result.model.observables(t, result.states)[:, list(m.observable_names).index("hemoglobin_g_per_dL")]
    progenitors = result.state("erythroid_progenitor")
    # g = proliferation flux / (r k P) is the feedback factor; the ratio to its value before needs no r or k
    g = flux("erythroid_progenitor_proliferation") / np.maximum(progenitors, 1e-300)
    series = {"red-cell mass": mass, "feedback g": g, "progenitor output": flux("erythroid_progenitor_to_maturing"),
              "release to blood": flux("erythroid_maturing_3_out")}
    before = t < DONATION_DAY
    out = {name: v / v[before][-1] for name, v in series.items()}
    # the EPO main's Hb (red cells over the fixed blood volume, i.e. before any plasma refill) implies on the line
    out["EPO on Symeonidis' line"] = 10.0 ** (EPO_LOG10_SLOPE * (hb_main[before][-1] - hb_main))
    out["days"] = t - DONATION_DAY
    return out


def timing(days: np.ndarray, ratio: np.ndarray) -> dict[str, float]:
    after = days >= 0
    d, v = days[after], ratio[after]
    peak = int(np.argmax(v))
    rise = np.flatnonzero(v >= 1.10)
    half = np.flatnonzero(v - 1.0 >= 0.5 * (v[peak] - 1.0))
    return {"rise": float(d[rise[0]]) if rise.size else float("nan"), "half": float(d[half[0]]),
            "peak": float(d[peak]), "peak value": float(v[peak])}


def table(label: str, c: dict[str, np.ndarray]) -> list[str]:
    rows = [f"### {label}", "", "| read-out | " + " | ".join(f"day {d}" for d in DAYS) + " | rise / half / peak day (peak) |",
            "|---" * (len(DAYS) + 2) + "|"]
    for name in ("red-cell mass", "feedback g", "EPO on Symeonidis' line", "progenitor output", "release to blood"):
        vals = [float(np.interp(d, c["days"], c[name])) for d in DAYS]
        tm = timing(c["days"], c[name])
        when = "" if name in ("red-cell mass",) else \
            f"{tm['rise']:.1f} / {tm['half']:.1f} / {tm['peak']:.1f} ({tm['peak value']:.2f})"
        rows.append(f"| {name} | " + " | ".join(f"{v:.3f}" for v in vals) + f" | {when} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figure", type=Path, default=None)
    args = parser.parse_args()
    runs = {k: courses(run(exit_rate=k, log_slope=GAIN_BEFORE)) for k in EXIT_RATES}
    shipped = courses(run())
    for k, c in [*runs.items(), (None, shipped)]:
        label = "shipped (gain fitted on Falz 2014, exit rate 10/day)" if k is None else \
            f"gain 4.43, exit rate {k:.3g}/day" + (" (before branch donation)" if k == EXIT_RATES[0] else "")
        print("\n".join(table(label, c)), end="\n\n")
        release = c["release to blood"]
        lost = 1.0 - float(np.min(c["red-cell mass"]))
        regained = float(np.interp(28.0, c["days"], c["red-cell mass"])) - float(np.min(c["red-cell mass"]))
        print(f"mean release over days 0-7: {np.mean(release[(c['days'] >= 0) & (c['days'] <= 7)]):.3f}; "
              f"share of the loss regained by day 28: {regained / lost:.2f}\n")
    if args.figure is not None:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure

        fig = Figure(figsize=(11, 4.0))
        axes = fig.subplots(1, 3)
        main_c = runs[EXIT_RATES[0]]
        for name, style in (("feedback g", "-"), ("EPO on Symeonidis' line", "--"), ("progenitor output", "-."),
                            ("release to blood", ":")):
            axes[0].plot(main_c["days"], main_c[name], style, label=name)
        axes[0].axvspan(3, 7, color="0.9", label="reticulocyte rise, physiology")
        axes[0].set(xlim=(-2, 60), xlabel="days after a 550-mL donation", ylabel="over its value before",
                    title="before (gain 4.43, exit rate 1/7 per day)")
        axes[0].legend(fontsize=7)
        for k, c in runs.items():
            axes[1].plot(c["days"], c["release to blood"], label=f"exit {k:.3g}/d")
            axes[2].plot(c["days"], c["red-cell mass"], label=f"exit {k:.3g}/d")
        for ax, name in ((axes[1], "release to blood"), (axes[2], "red-cell mass")):
            ax.plot(shipped["days"], shipped[name], "k-", lw=2, label="shipped (gain 3.16, exit 10/d)")
        axes[1].set(xlim=(-2, 60), xlabel="days after the donation", ylabel="red cells released / before",
                    title="marrow output (gain 4.43 unless shipped)")
        axes[2].set(xlim=(-2, 120), xlabel="days after the donation", ylabel="red-cell mass / before",
                    title="red-cell mass")
        axes[1].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(args.figure, dpi=110)


if __name__ == "__main__":
    main()
