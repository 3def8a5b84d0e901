"""Calibration of the alloreactive kill on chimerism data outside X1-X5 (docs/chimerism.md, "Calibrating the kill
on chimerism data outside X1-X5"; issue 17).

The datum (Baron 2004, Blood 104:2254, abstract): after 2 Gy TBI with or without fludarabine and mycophenolate +
ciclosporin, most patients remained mixed chimeras up to day 180. The model's condition is ``flu_tbi_2gy``, a PBSC
graft of 5e6 CD34+/kg on day 4 and ciclosporin + mycophenolate under the related (full dose to day +35, off by
+56) or unrelated (full dose to day +100, off by +180) Seattle schedule. The objective is minus the censored
log-likelihood (the inference engine's additive-normal term, sd 0.05) of the donor myeloid and T shares on day 180
lying below 0.95, for both schedules. Free: ``graft_versus_host_kill_rate_per_day`` (log10) and
``immunosuppression_alloreactivity_inhibition``.

    PYTHONPATH=src python docs/allochim_fit.py fit          # grid, refinement, profile of k, early shares
    PYTHONPATH=src python docs/allochim_fit.py fit 0.9 0.1  # the same with another threshold and sd (sensitivity)
    PYTHONPATH=src python docs/allochim_fit.py diagnostic K  # X1/X3 read-outs at kill rate K (after the rule)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from importlib import resources

import numpy as np

from hemasim._yaml_limits import load_yaml_text
from hemasim.assembly import run_scenario
from hemasim.biology import reference_adult_model
from hemasim.biology.alloreactivity import ALLOREACTIVE_POOLS
from hemasim.inference.noise import negative_log_likelihood
from hemasim.scenario import parse_scenario
from hemasim.simulation import Result
from hemasim.validation.chimerism import donor_share

K = "graft_versus_host_kill_rate_per_day"
INHIBITION = "immunosuppression_alloreactivity_inhibition"
CURRENT = {K: 0.1, INHIBITION: 0.8}
GRAFT_DAY = 4.0
#: ciclosporin + mycophenolate: (full dose to day after graft, taper days), the Seattle related and unrelated
#: schedules (assumed: not read in a source here)
SCHEDULES: Mapping[str, tuple[float, float]] = {"related": (35.0, 21.0), "unrelated": (100.0, 80.0)}
LINEAGES = ("myeloid", "t")
READ_DAY = 180.0  # days after the graft: "most remained mixed ... for up to 180 days"
MIXED_BELOW = 0.95  # the model's full-donor convention (hemasim.interventions.chimerism.FULL_DONOR)
SD = 0.05  # assumed: sets the sharpness of the censored bound only
REPORT_DAYS = (28.0, 84.0, 180.0)
LOG10_K_GRID = np.linspace(-2.0, 1.0, 13)
INHIBITION_GRID = np.array([0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99])


def seattle(schedule: str, values: Mapping[str, float]) -> Result:
    """The model's run of the Seattle non-myeloablative transplant under ``schedule`` with ``values``."""
    full_days, taper = SCHEDULES[schedule]
    data = {
        "name": f"Flu/TBI 2 Gy + PBSC, {schedule} schedule",
        "description": "Baron 2004 condition (docs/chimerism.md)",
        "patient": {"age_years": 55, "sex": "male", "weight_kg": 75, "height_cm": 178},
        "duration_days": GRAFT_DAY + READ_DAY + 2, "aging": False, "output": {"every_days": 1},
        "parameters": {k: float(v) for k, v in values.items()},
        "interventions": [
            {"kind": "conditioning", "regimen": "flu_tbi_2gy", "start_day": 0},
            {"kind": "transplant", "day": GRAFT_DAY, "source": "peripheral_blood", "donor": "allogeneic",
             "cd34_per_kg": 5.0e6},
            {"kind": "immunosuppression", "agent": "ciclosporin_mycophenolate", "start_day": GRAFT_DAY - 1,
             "end_day": GRAFT_DAY + full_days, "taper_days": taper}]}
    return run_scenario(parse_scenario(data, f"Seattle {schedule}"))


def shares(values: Mapping[str, float]) -> dict[tuple[str, str, float], float]:
    """(schedule, lineage, day after graft) -> donor share."""
    out = {}
    for schedule in SCHEDULES:
        r = seattle(schedule, values)
        for lineage in LINEAGES:
            for day in REPORT_DAYS:
                out[schedule, lineage, day] = donor_share(lambda r=r: r, lineage, day, GRAFT_DAY)
    return out


def objective_from_shares(s: Mapping[tuple[str, str, float], float]) -> float:
    """Minus the censored log-likelihood of the four 'below 0.95 on day 180' measurements."""
    y = np.array([s[sch, lin, READ_DAY] for sch in SCHEDULES for lin in LINEAGES])
    return float(np.sum(negative_log_likelihood("additive", y, np.full_like(y, MIXED_BELOW),
                                                np.ones(y.shape, dtype=bool), np.full_like(y, SD))))


def objective(values: Mapping[str, float]) -> float:
    return objective_from_shares(shares(values))


def values_of(log10_k: float, inhibition: float) -> dict[str, float]:
    return {K: float(10.0**log10_k), INHIBITION: float(inhibition)}


def clamped(x: np.ndarray) -> dict[str, float]:
    """Values of an estimation-scale vector (log10 k, inhibition) held within the rule's bounds."""
    return values_of(float(np.clip(x[0], LOG10_K_GRID[0], LOG10_K_GRID[-1])), float(np.clip(x[1], 0.0, 0.99)))


def profile_upper_k(log10_k: np.ndarray, profile: np.ndarray, threshold: float) -> float:
    """The k where the profile first rises above ``threshold`` (linear in log10 k between grid points); the last
    grid value when it never does."""
    for i in range(1, log10_k.size):
        if profile[i] > threshold >= profile[i - 1]:
            f = (threshold - profile[i - 1]) / (profile[i] - profile[i - 1])
            return float(10.0 ** (log10_k[i - 1] + f * (log10_k[i] - log10_k[i - 1])))
    return float(10.0 ** log10_k[-1])


def fit() -> None:
    from scipy.optimize import minimize

    t0 = time.process_time()
    s0 = shares(CURRENT)
    f0 = objective_from_shares(s0)
    print(f"current values k = {CURRENT[K]} /day, inhibition = {CURRENT[INHIBITION]}: objective {f0:.4f}")
    print("| schedule | lineage | day 28 | day 84 | day 180 |\n|---|---|---|---|---|")
    for sch in SCHEDULES:
        for lin in LINEAGES:
            print(f"| {sch} | {lin} | " + " | ".join(f"{s0[sch, lin, d]:.3f}" for d in REPORT_DAYS) + " |")
    grid = np.full((LOG10_K_GRID.size, INHIBITION_GRID.size), np.nan)
    early = {}
    for i, lk in enumerate(LOG10_K_GRID):
        for j, inh in enumerate(INHIBITION_GRID):
            s = shares(values_of(lk, inh))
            grid[i, j] = objective_from_shares(s)
            early[i, j] = s
    print("\nobjective on the grid (rows log10 k, columns inhibition " + ", ".join(f"{x:g}" for x in INHIBITION_GRID)
          + ")")
    for i, lk in enumerate(LOG10_K_GRID):
        print(f"{lk:+.2f} (k {10**lk:.3g}): " + " ".join(f"{grid[i, j]:9.3f}" for j in range(INHIBITION_GRID.size)))
    i, j = np.unravel_index(int(np.nanargmin(grid)), grid.shape)
    res = minimize(lambda x: objective(clamped(x)), x0=[LOG10_K_GRID[i], INHIBITION_GRID[j]],
                   method="Nelder-Mead", options={"xatol": 0.02, "fatol": 1e-3, "maxfev": 40})
    best = clamped(res.x)
    print(f"\nbest: k = {best[K]:.4g} /day, inhibition = {best[INHIBITION]:.3f}, objective {res.fun:.4f}; "
          f"fall against the current values {f0 - res.fun:.4f} (bar 3.84)")
    fmin = min(float(res.fun), float(np.nanmin(grid)))
    print("\nprofile of k (minimum over the inhibition grid), threshold optimum + 1.92:")
    for i, lk in enumerate(LOG10_K_GRID):
        prof = float(np.nanmin(grid[i]))
        print(f"  k {10**lk:8.3g} /day: {prof:8.3f}  {'inside' if prof <= fmin + 1.92 else 'outside'}")
    jc = int(np.argmin(np.abs(INHIBITION_GRID - CURRENT[INHIBITION])))
    prof = np.nanmin(grid, axis=1)
    print(f"upper end of the 95% profile interval of k: {profile_upper_k(LOG10_K_GRID, prof, fmin + 1.92):.3g} /day")
    jc0 = int(np.argmin(np.abs(INHIBITION_GRID - CURRENT[INHIBITION])))
    print(f"largest k within optimum + 1.92 at inhibition {INHIBITION_GRID[jc0]:g}: "
          f"{profile_upper_k(LOG10_K_GRID, grid[:, jc0], fmin + 1.92):.3g} /day")
    print(f"\nat inhibition {INHIBITION_GRID[jc]:g}: objective and day-28 / day-180 donor shares (related schedule)")
    for i, lk in enumerate(LOG10_K_GRID):
        s = early[i, jc]
        print(f"  k {10**lk:8.3g}: {grid[i, jc]:8.3f}  myeloid {s['related', 'myeloid', 28.0]:.3f} / "
              f"{s['related', 'myeloid', 180.0]:.3f}  T {s['related', 't', 28.0]:.3f} / {s['related', 't', 180.0]:.3f}"
              f"   (unrelated: myeloid {s['unrelated', 'myeloid', 180.0]:.3f}, T {s['unrelated', 't', 180.0]:.3f})")
    print(f"\n{time.process_time() - t0:.0f} s CPU")


def diagnostic(k: float) -> None:
    """The X1-X3 read-outs on ``ric_flu_bu2`` at kill rate ``k`` (the rule's diagnostic; no adoption), with the
    donor memory T load against the reference adult's and the host and donor stem cells early after the graft."""
    text = resources.files("hemasim.validation").joinpath("scenarios", "ric_flu_bu2.yaml").read_text("utf-8")
    data = load_yaml_text(text, "validation scenario ric_flu_bu2", "scenario")
    assert isinstance(data, dict)
    data["parameters"] = {K: k}
    r = run_scenario(parse_scenario(data, "ric_flu_bu2"))
    ref = reference_adult_model()
    d_ref = sum(ref.x0[ref.index(p)] for p in ALLOREACTIVE_POOLS)
    names = list(r.model.state_names)
    states = r.values[0] if r.values.ndim == 3 else r.values
    for day in (1.0, 10.0, 20.0, 30.0):
        x = [np.interp(10.0 + day, r.times, states[:, names.index(n)]) for n in names]
        donor_t = sum(x[names.index(f"{p}__donor")] for p in ALLOREACTIVE_POOLS)
        print(f"  day {day:g} after the graft: donor memory T / reference {donor_t / d_ref:.4f}, HSCs host "
              f"{x[names.index('hsc__host')]:.0f}, donor {x[names.index('hsc__donor')]:.0f}")
    print(f"k = {k:g} /day: X1 myeloid day 30 {donor_share(lambda: r, 'myeloid', 30, 10.0):.3f}, "
          f"X2 T day 30 {donor_share(lambda: r, 't', 30, 10.0):.3f}, "
          f"X3 T day 60 {donor_share(lambda: r, 't', 60, 10.0):.3f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["fit"] and len(sys.argv) in (2, 4):
        if len(sys.argv) == 4:  # sensitivity to the assumed threshold and sd: fit MIXED_BELOW SD
            MIXED_BELOW, SD = float(sys.argv[2]), float(sys.argv[3])
            print(f"threshold {MIXED_BELOW}, sd {SD}")
        fit()
    elif sys.argv[1:2] == ["diagnostic"] and len(sys.argv) == 3:
        diagnostic(float(sys.argv[2]))
    else:
        sys.exit("usage: allochim_fit.py fit [MIXED_BELOW SD] | diagnostic K")
