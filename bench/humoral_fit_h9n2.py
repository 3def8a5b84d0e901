"""Fit of humoral parameters on the H9N2 dose-ranging antibody course (branch humfit36; issue 17; rule committed first:
docs/sensitivity.md, "Humoral fit (branch humfit36)").

Data (data/h9n2_vaccine_dose_course/mn_gmt.csv): Aichinger 2015 (Clin Vaccine Immunol 22:46, PMC4278922 Table 4),
healthy adults 18-49 y, two doses of a non-adjuvanted whole-virus H9N2 vaccine 21 days apart at 3.75, 7.5, 15, 30 or
45 ug HA; microneutralisation GMT (95% CI) on study days 21, 42 and 180 (15 values; day 0 is the assay's floor, not
fitted). The study is the source of no validation target.

Read-outs, unit-free: the model's antigen-specific IgG (AU) times one common factor c per study (one assay), c
profiled out in closed form at every evaluation (the weighted mean of log(GMT / IgG)), so only ratios between time
points and between dose groups enter. Objective: sum over the 15 values of (log GMT - log(c IgG))^2 / (2 se^2), se the
log-scale SE from the 95% CI, ln(hi/lo) / 3.92 (the engine's lognormal likelihood with fixed sigma per value).
The engine: hemasim.inference (Objective, fit, profile_likelihood, identifiability) on the problem this script writes
to bench/humoral_fit/ (a scenario per dose group; 15 ug = 1 standard dose).

Amendment (branch humfit36b, committed before its fit was run; docs/sensitivity.md, "Amendment"): the fit is
conditional and joint. Conditional: the parameters the first fit could not identify are held at their shipped values
(HELD) while the others are estimated, so the adopted values are the optimum of the model users get; a freed parameter
found not identifiable joins HELD at its shipped value and the fit and profiles are rerun without it. Joint: the
objective adds I3's datum (Halliley 2010; Cox 1994: plasmablast peak day 7-8 after a dose; the reference man's one
tetanus dose, bench/humoral_fit/i3_tetanus_one_dose.yaml), day 7.5 with SE 0.25 d (the band's half-width as ~2 SE),
normal, the peak read continuously (parabola through the largest of a 0.05-day grid), and frees the two parameters I3
calibrates (vaccine_antigen_half_life_days, vaccine_b_differentiation_per_day). I2 is not in the objective (its band
is a project judgement; docs/sensitivity.md says why).

    python bench/humoral_fit_h9n2.py [--starts 4] [--out bench/results/humoral_fit_h9n2.json] [--no-profiles]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data/h9n2_vaccine_dose_course/mn_gmt.csv"
WORK = ROOT / "bench/humoral_fit"
OBSERVABLE = "h9n2_ha_igg_au"
STANDARD_DOSE_UG = 15.0  # HA per strain of a seasonal inactivated influenza vaccine: 1 standard dose
FIRST_DOSE_DAY = 1.0  # study day 0 is model day 1 (the second dose: study day 21, model day 22)
Z975 = 1.959963984540054

#: the parameters freed (pre-registered, branch humfit36): the greedy prefix of the Fisher screen at the shipped values
#: (``--screen``, bench/results/humoral_fit_h9n2_screen.json) whose largest marginal SE stays <= 0.5 log10; bounds:
#: the records' own, the lower ones above 0 for the log10 scale
FIRST_FREED = [
    ("vaccine_b_expansion_per_day", 0.05, 10.0),
    ("vaccine_memory_fraction", 1e-3, 1.0),
    ("recall_long_lived_plasma_cell_fraction", 1e-4, 1.0),
    ("long_lived_plasma_cell_fraction", 1e-4, 1.0),
    ("vaccine_antigen_half_saturation_au", 1e-4, 10.0),
]
#: the amendment (branch humfit36b): held at their shipped values (the first fit found them not identifiable)
HELD = ["recall_long_lived_plasma_cell_fraction", "vaccine_antigen_half_saturation_au"]
#: ... and freed with the first fit's identifiable three: the two parameters I3 calibrates (the joint fit)
I3_CALIBRATED = [
    ("vaccine_antigen_half_life_days", 0.1, 60.0),
    ("vaccine_b_differentiation_per_day", 0.05, 10.0),
]
FREED = [f for f in FIRST_FREED if f[0] not in HELD] + I3_CALIBRATED
#: the values main shipped before any humoral fit (the first fit's three, all assumed then; the two I3-calibrated)
MAIN_VALUES = {"vaccine_b_expansion_per_day": 1.0, "vaccine_memory_fraction": 0.1,
               "long_lived_plasma_cell_fraction": 0.01, "vaccine_antigen_half_life_days": 2.0,
               "vaccine_b_differentiation_per_day": 1.0}

#: the start of the amended fit's first round (its run, commit after the amendment): the values the branch shipped then,
#: the first fit's three (so a rerun after they were withdrawn starts where the recorded run did; and off the held
#: recall share 0.01, which an equal primary share would merge into one pool: another model structure)
AMENDED_START = {"vaccine_b_expansion_per_day": 1.174, "vaccine_memory_fraction": 0.01797,
                 "long_lived_plasma_cell_fraction": 0.03091}

#: I3 (Halliley 2010 Vaccine 28:3582; Cox 1994 Vaccine 12:993): the plasmablast peak 7-8 days after a dose; in the
#: objective as day 7.5, SE 0.25 d (the band's half-width as ~2 SE; the sources give no interval of their own)
I3_CONDITION = "i3_tetanus_one_dose"
I3_OBSERVABLE = "i3_plasmablast_peak_day"
I3_PEAK_DAY, I3_SE_DAYS = 7.5, 0.25
I3_DOSE_DAY = 7.0  # the dose day of the validation scenario vaccine_one_dose.yaml, kept in the short copy
I3_GRID = np.concatenate([[0.0], I3_DOSE_DAY + np.arange(1.0, 20.0 + 1e-9, 0.05)])


def profile_records(profiles: list) -> list[dict]:
    """Each profile as the result JSON keeps it (its grid on the natural scale, objective, 95% interval, status)."""
    return [{"name": p.name, "grid": list(map(float, p.natural)), "objective": list(map(float, p.objective)),
             "ci_low": p.ci_lower, "ci_high": p.ci_upper, "status": p.status, "at_bound": p.at_bound}
            for p in profiles]


def peak_day(plasmablasts: np.ndarray) -> np.ndarray:
    """The peak day after the dose of each row (B, len(I3_GRID)), continuous in the parameters: the parabola
    through the grid's largest value and its two neighbours."""
    y = plasmablasts[:, 1:]
    t = I3_GRID[1:] - I3_DOSE_DAY
    i = np.clip(np.argmax(y, axis=1), 1, y.shape[1] - 2)
    rows = np.arange(len(y))
    y0, y1, y2 = y[rows, i - 1], y[rows, i], y[rows, i + 1]
    den = y0 - 2 * y1 + y2
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.where(den < 0, 0.5 * (y0 - y2) / den, 0.0)
    return t[i] + np.clip(off, -1.0, 1.0) * (t[1] - t[0])
#: the screen's other candidates (issue 17's 12 humoral movers), with bounds for the screen's problem only
OTHERS = [
    ("short_lived_plasma_cell_fraction", 1e-4, 0.5),
    ("recall_short_lived_plasma_cell_fraction", 1e-4, 0.5),
    ("vaccine_memory_recall_per_au_day", 0.05, 500.0),
]


def rows() -> list[dict]:
    with DATA.open() as fh:
        return [r for r in csv.DictReader(fh) if r["use"] == "fit"]


def dose_id(dose_ug: str) -> str:
    return "dose_" + dose_ug.replace(".", "p") + "ug"


def write_problem(freed: list[tuple[str, float, float]], nominal: dict[str, float], joint: bool = False,
                  fixed: dict[str, float] | None = None) -> Path:
    """The scenarios, measurements and problem under bench/humoral_fit/ (regenerated from the data file); ``joint``:
    with I3's datum (the amendment)."""
    base = (WORK / "h9n2_two_doses.yaml").read_text()
    data = rows()
    doses = list(dict.fromkeys(r["dose_ug"] for r in data))
    conditions = []
    for d in doses:
        rel = float(d) / STANDARD_DOSE_UG
        text = base.replace("dose: 1.0}", f"dose: {rel!r}}}")
        (WORK / f"scenario_{dose_id(d)}.yaml").write_text(text)
        conditions.append(f"  - {{id: {dose_id(d)}, scenario: scenario_{dose_id(d)}.yaml}}")
    observables, meas = [], ["condition,time_days,observable,value"]
    for r in data:
        se = math.log(float(r["gmt_ci_high"]) / float(r["gmt_ci_low"])) / (2 * Z975)
        oid = f"mn_{dose_id(r['dose_ug'])}_d{r['study_day']}"
        observables.append(f"  - {{id: {oid}, hemasim: {OBSERVABLE}, noise: {{model: lognormal, sigma: {se:.6f}}}}}")
        meas.append(f"{dose_id(r['dose_ug'])},{FIRST_DOSE_DAY + float(r['study_day'])},{oid},{r['gmt']}")
    if joint:  # one row whose value free_scale_objective replaces by the peak day read from a dense run
        conditions.append(f"  - {{id: {I3_CONDITION}, scenario: {I3_CONDITION}.yaml}}")
        observables.append(f"  - {{id: {I3_OBSERVABLE}, hemasim: h9n2_ha_plasmablasts_au, "
                           f"noise: {{model: additive, sigma: {I3_SE_DAYS}}}}}")
        meas.append(f"{I3_CONDITION},{I3_DOSE_DAY + I3_PEAK_DAY},{I3_OBSERVABLE},{I3_PEAK_DAY}")
    (WORK / "measurements.csv").write_text("\n".join(meas) + "\n")
    # the recall shares start 0.1% off the primary ones: equal shares merge the recall pools into the primary ones
    # (hemasim.biology.vaccine), another model structure, which one batch cannot mix; the dynamics are the same
    start = {n: min(max(nominal[n], lo), hi) * (1.001 if n.startswith("recall_") else 1.0) for n, lo, hi in freed}
    params = [f"  - {{id: {n}, target: {n}, lower: {lo}, upper: {hi}, nominal: {start[n]!r}, scale: log10}}"
              for n, lo, hi in freed]
    params += [f"  - {{id: {n}, target: {n}, lower: {v / 2!r}, upper: {v * 2!r}, nominal: {v!r}, "
               "estimate: false}" for n, v in (fixed or {}).items()]  # bounds unread: fixed at nominal
    problem = WORK / "problem.yaml"
    problem.write_text("# written by bench/humoral_fit_h9n2.py from data/h9n2_vaccine_dose_course/mn_gmt.csv\n"
                       "name: humoral parameters on the H9N2 dose-ranging antibody course (Aichinger 2015)\n"
                       "measurements: measurements.csv\nconditions:\n" + "\n".join(conditions) +
                       "\nobservables:\n" + "\n".join(observables) + "\nparameters:\n" + "\n".join(params) +
                       "\nsolver: {rtol: 1.0e-6}\n")
    return problem


def free_scale_objective(problem_path: Path):
    """The engine's Objective with the common assay factor c profiled out in closed form."""
    from hemasim.inference import Objective, load_problem

    class FreeScaleObjective(Objective):
        def predict(self, theta):
            theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
            raw = super().predict(theta)
            titre = np.asarray(self.problem.measurements.condition != I3_CONDITION)
            if not titre.all():  # I3's row: the peak day of a dense run of its scenario (the amendment's joint fit)
                cond = next(c for c in self.problem.conditions if c.id == I3_CONDITION)
                targets = [self._targets(v) for v in self.all_values(theta)]
                sim = self.engine.simulate(cond.source, targets, I3_GRID, ("h9n2_ha_plasmablasts_au",))
                raw[:, ~titre] = peak_day(sim[:, :, 0])[:, None]
            sig, _ = self._sigmas(self.all_values(theta))
            w = np.where(titre[None], 1.0 / sig ** 2, 0.0)  # the assay factor c scales the titres only
            with np.errstate(divide="ignore", invalid="ignore"):
                log_c = np.sum(np.where(titre[None], w * (np.log(self.data)[None] - np.log(raw)), 0.0), axis=1) \
                    / np.sum(w, axis=1)
            self.last_log_c = log_c
            return np.where(titre[None], raw * np.exp(log_c)[:, None], raw)

    return FreeScaleObjective(load_problem(problem_path))


#: every humoral mover the screen considers (issue 17's 12; bounds for the screen's problem only)
CANDIDATES = FIRST_FREED + OTHERS + [
    ("memory_b_maturation_days", 0.5, 365.0),
    ("antibody_feedback_half_max_au", 1.0, 1e6),
    ("vaccine_b_help_half_saturation_per_uL", 0.1, 1000.0),
    ("vaccine_cd4_help_half_saturation_per_uL", 1.0, 2000.0),
]


def screen(defaults: dict[str, float]) -> None:
    """Local identifiability at the shipped values, before any fit: the sensitivities of the log read-outs (the
    common factor removed) to log10 of each candidate, weighted by 1/se, and what the Fisher information says of
    each alone and of sets of them. Reads no GMT, only the CIs' widths (the weights)."""
    from hemasim.inference import Objective, load_problem

    problem = write_problem(CANDIDATES, {**defaults, "memory_b_maturation_days": 0.5})
    obj = Objective(load_problem(problem))
    h = 0.05
    batch = np.repeat(obj.nominal[None], 1 + 2 * obj.n_parameters, axis=0)
    for j in range(obj.n_parameters):
        batch[1 + 2 * j, j] += h
        batch[2 + 2 * j, j] -= h
    logy = np.log(obj.predict(batch))
    sig, _ = obj._sigmas(obj.all_values(batch[:1]))
    w = 1.0 / sig[0] ** 2
    centred = logy - (np.sum(w * logy, axis=1) / np.sum(w))[:, None]  # the common factor c removed
    jac = ((centred[1::2] - centred[2::2]) / (2 * h)).T / sig[0][:, None]  # (n, p), per log10 unit
    fim = jac.T @ jac
    out = {"names": list(obj.names), "nominal": list(map(float, obj.natural(obj.nominal[None])[0])),
           "sensitivity_norm": dict(zip(obj.names, map(float, np.sqrt(np.diag(fim))), strict=True))}
    for name, norm in sorted(out["sensitivity_norm"].items(), key=lambda kv: -kv[1]):
        print(f"{name:45s} |J| {norm:8.3f}  (SE alone {1 / max(norm, 1e-12):.3g} log10)")
    # greedy: add the candidate that keeps the largest marginal SE smallest
    chosen, remaining = [], list(range(obj.n_parameters))
    steps = []
    while remaining:
        best = None
        for j in remaining:
            idx = chosen + [j]
            sub = fim[np.ix_(idx, idx)]
            eig = np.linalg.eigvalsh(sub)
            # a (near-)singular information matrix: some combination is not informed at all
            worst = (float(np.sqrt(np.max(np.diag(np.linalg.inv(sub))))) if eig.min() > 1e-9 * max(eig.max(), 1e-300)
                     else float("inf"))
            if best is None or worst < best[1]:
                best = (j, worst)
        chosen.append(best[0])
        remaining.remove(best[0])
        steps.append({"added": obj.names[best[0]], "largest_se_log10": best[1]})
        print(f"+ {obj.names[best[0]]:45s} largest SE {best[1]:.3g} log10")
    out["greedy"] = steps
    path = ROOT / "bench/results/humoral_fit_h9n2_screen.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")


def figure(result_path: Path, out: Path) -> None:
    """The profiles of the fit's result file, one row per round of the amended (conditional) fit: objective minus its
    minimum against each freed value, with the 95% threshold (1.92), the estimate and main's value."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    result = json.loads(result_path.read_text())
    rounds = [r for r in result["rounds"] if r.get("profiles")]
    cols = max(len(r["profiles"]) for r in rounds)
    fig, axes = plt.subplots(len(rounds), cols, figsize=(3.0 * cols, 2.6 * len(rounds)), constrained_layout=True,
                             squeeze=False)
    for k, rnd in enumerate(rounds):
        main_value = {f["name"]: f["main"] for f in rnd["freed"]}
        for ax in axes[k][len(rnd["profiles"]):]:
            ax.axis("off")
        for ax, p in zip(axes[k], rnd["profiles"], strict=False):
            best = min(p["objective"])
            ax.plot(p["grid"], [v - best for v in p["objective"]], "o-", ms=3, color="C0")
            ax.axhline(1.92, color="grey", ls="--", lw=0.8)
            ax.axvline(rnd["estimates"][p["name"]], color="C0", lw=0.8)
            if main_value.get(p["name"]):
                ax.axvline(main_value[p["name"]], color="C3", lw=0.8, ls=":")
            lo, hi = min(p["grid"]), max(p["grid"])
            if hi / lo > 3:  # a narrow profile reads better on a linear axis (log minor labels overlap)
                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.set_ylim(0, 8)
            ax.set_title(f"round {k + 1}: {p['name']}\n{p['status']}", fontsize=7)
            ax.tick_params(labelsize=7)
        axes[k][0].set_ylabel("objective - minimum", fontsize=8)
    fig.suptitle("H9N2 course (Aichinger, NCT01320696) + I3, conditional rounds: profiles; dashed 1.92 (95%), blue "
                 "estimate, red main's value", fontsize=8)
    fig.savefig(out, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="bench/results/humoral_fit_h9n2.json")
    parser.add_argument("--no-profiles", action="store_true")
    parser.add_argument("--screen", action="store_true", help="the Fisher screen at the shipped values (no data read "
                        "but the CIs' widths, which weight it)")
    parser.add_argument("--figure", action="store_true", help="draw docs/images/humoral_fit_h9n2_profiles.png from "
                        "--out's result file and stop")
    parser.add_argument("--time-only", action="store_true", help="time one batch of evaluations, print no objective")
    args = parser.parse_args()
    from hemasim.inference import fit, identifiability, profile_likelihood
    from hemasim.parameters import healthy_adult_parameters

    defaults = {k: float(p.value) for k, p in healthy_adult_parameters().items()}
    start = {**defaults, **AMENDED_START}
    problem = write_problem(FREED, start, joint=True, fixed={n: defaults[n] for n in HELD})
    obj = free_scale_objective(problem)
    if args.figure:
        figure(ROOT / args.out, ROOT / "docs/images/humoral_fit_h9n2_profiles.png")
        return
    if args.screen:
        screen(defaults)
        return
    if args.time_only:
        import time
        t = time.perf_counter()
        obj(np.repeat(obj.nominal[None], 1 + 2 * obj.n_parameters, axis=0))
        print(f"one gradient batch ({1 + 2 * obj.n_parameters} vectors x {len(obj.problem.conditions)} conditions): "
              f"{time.perf_counter() - t:.1f} s")
        return
    titre = np.asarray(obj.problem.measurements.condition != I3_CONDITION)

    def parts(o, x) -> dict[str, float]:
        """The objective at x and its two parts: the H9N2 titres' terms and I3's."""
        terms = o.nll_terms(np.atleast_2d(x))[0]
        return {"total": float(terms.sum()), "h9n2": float(terms[titre].sum()), "i3": float(terms[~titre].sum()),
                "i3_peak_day": float(o.predict(np.atleast_2d(x))[0][~titre][0])}

    before = {"main_values": parts(obj, obj.scaled({**defaults, **MAIN_VALUES})),
              "first_fit_as_shipped": parts(obj, obj.nominal)}
    print("objective before:", before, flush=True)
    # the amendment's conditional rounds: a freed parameter found not identifiable is held at main's value (the one
    # shipped before any humoral fit) and the rest are refitted, until every freed one is identifiable
    freed, held, rounds = list(FREED), {n: defaults[n] for n in HELD}, []
    while True:
        problem = write_problem(freed, start, joint=True, fixed=held)
        obj = free_scale_objective(problem)
        res = fit(obj, n_starts=args.starts, seed=args.seed, progress=lambda i, n: print(f"start {i}/{n}", flush=True))
        best = res.runs[0].x
        print("best", res.runs[0].fun, res.natural, flush=True)
        rnd = {"freed": [{"name": n, "lower": lo, "upper": hi, "start": start[n], "main": MAIN_VALUES.get(n)}
                         for n, lo, hi in freed], "held": dict(held), "objective": float(res.runs[0].fun),
               "parts": parts(obj, best), "estimates": res.natural,
               "starts": [{"objective": float(r.fun),
                           "x": dict(zip(obj.names, map(float, obj.natural(r.x[None])[0]), strict=True))}
                          for r in res.runs]}
        obj(best[None])
        rnd["log_assay_factor"] = float(obj.last_log_c[0])
        rnd["predictions"] = dict(zip([f"{c},{t}" for c, t in zip(obj.problem.measurements.condition,
                                                                  obj.problem.measurements.time_days, strict=True)],
                                      map(float, obj.predict(best[None])[0]), strict=True))
        rnd["observed"] = list(map(float, obj.data))
        rounds.append(rnd)
        if args.no_profiles:
            break
        profiles = profile_likelihood(obj, best, max_points=30,
                                      progress=lambda i, n: print(f"profile {i}/{n}", flush=True))
        rnd["profiles"] = profile_records(profiles)
        rnd["identifiability"] = identifiability(profiles)
        out_now = [p.name for p in profiles if p.status != "identifiable"]
        print("not identifiable:", out_now, flush=True)
        if not out_now:
            break
        held.update({n: MAIN_VALUES[n] for n in out_now})
        freed = [f for f in freed if f[0] not in out_now]
        if not freed:
            break
    last = rounds[-1]
    report = {"data": [str(DATA.relative_to(ROOT)), "I3: plasmablast peak day 7.5, SE 0.25 (Halliley 2010; Cox 1994)"],
              "problem": str(problem.relative_to(ROOT)), "held_first_fit": {n: defaults[n] for n in HELD},
              "objective_before": before, "rounds": rounds,
              # the last round's, read by the records, the tests and the figure
              "freed": last["freed"], "objective": last["objective"], "estimates": last["estimates"],
              "profiles": last.get("profiles", []), "identifiability": last.get("identifiability", [])}
    out = ROOT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, default=str) + "\n")
    print(json.dumps({k: report[k] for k in ("objective_before", "objective", "estimates")}, indent=1, default=str))


if __name__ == "__main__":
    main()
