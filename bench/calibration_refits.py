"""The calibrations the reach screen's movers were held by, as refits (branch refit31; docs/sensitivity.md, "The
reach screen's calibration movers with their fits redone").

Each is a :class:`~hemasim.sensitivity.coupling.Coupling`: fitted parameters <- the fit at the held (assumed)
parameters' values. bench/targeted_screen.py applies them with ``--calibration-refits`` (beside the Morris screen's
couplings), so a screened assumed value is read with its calibration redone, not at points the calibration data
exclude.

- I1 (``inflammation_release_max_gain``; sources: the seven infection parameters the reach screen saw move I1) and
  D3 (``naive_infant_turnover_at_birth_per_day``; source: ``naive_infant_turnover_decay_years``) were hand choices
  on a threshold (I1: peak WBC > 12e9/L; D3: CD3 > 1000/uL at month 6). A threshold admits a half-line of values,
  so the threshold alone does not say which was chosen; what the choice fixed is the calibrated read-out's value at
  the shipped parameters (I1 15.74e9/L, D3 2371/uL, each recomputed here, not copied). The refit is the fitted value
  that restores that read-out to its shipped value at the held values: the identity at the shipped point (so the
  refit and the shipped fit agree there), and it keeps the calibration exactly as far from
  its threshold as the shipped one - the model on its calibration data unchanged, so whatever else moves is the
  assumed parameter's own effect. Root-finder (:func:`restore`): the record's bounds scanned, each change of sign
  refined by Brent's method, the root nearest the shipped value kept. Where no value within the bounds restores
  the read-out, the refit takes the value bringing it nearest and the row lists it (:data:`BOUND_HITS`): the point
  is then excluded by the calibration data only if no value within the bounds meets the target's band (I1: peak
  WBC > 12e9/L; D3: CD3 > 1000/uL at month 6). Seen while writing this rule (the calibrated read-outs alone, before
  any screen): I1's peak WBC is not monotone in the release gain - at the shipped values every gain in its bounds
  0-50 gives a peak above 12e9/L (lowest 15.3 at 2.8; a jump from 21.1 at 2.5 to 15.3 at 2.8, then a rise to 26 at
  50), so I1's threshold does not bound the gain at all and the shipped 3.0 sits just past the jump; D3's month-6
  CD3 rises with the turnover at birth (462/uL at 0, 2371 at the shipped 0.01, 3941 at the bound 0.1).
- G1 (``gcsf_mobilisation_max_fold``, ``gcsf_mobilisation_delay_days``; sources: ``cd34_blood_baseline_per_uL``,
  ``gcsf_mobilisation_delay_stages``): the fit of docs/fit_mobilisation.py, its objective (weighted least squares of
  blood CD34+ on days 4-6 of filgrastim against Transfus Med 1997) re-run from the shipped values with the held
  values set, within the records' bounds.

The screens run with them (pre-registered with this file, before they ran; results bench/results/
reach_screen_refit_*.json; each restricted to the validation groups that read the parameter, as bench/reach_screen.py
does, from bench/results/screen_reach.json):

    PYTHONPATH=src python bench/targeted_screen.py bacteria_growth_per_day innate_clearance_per_day \
        neutrophil_kill_rate_per_anc_day phagocytosis_half_saturation_cfu inflammation_half_max_au \
        inflammation_production_au_per_day inflammation_production_max_gain --groups infection_and_vaccines \
        --calibration-refits --json bench/results/reach_screen_refit_i1.json
    PYTHONPATH=src python bench/targeted_screen.py gcsf_mobilisation_delay_stages --groups gcsf_mobilisation,\
engraftment_and_pegfilgrastim,whole_blood_donation_and_autologous_engraftment,gcsf_after_allogeneic_graft,\
radiation_granulocytes_and_filgrastim_doses,filgrastim_schedule_mobilisation --calibration-refits --json bench/results/reach_screen_refit_g1_stages.json
    PYTHONPATH=src python bench/targeted_screen.py cd34_blood_baseline_per_uL naive_infant_turnover_decay_years \
        --calibration-refits --json bench/results/reach_screen_refit_all_groups.json     # all 33 groups read them (rerun in the twenty-eighth session for A8-A9, F1-F4, U6-U7, B1-B5, in the twenty-ninth for E1-E2 and in the thirtieth for J1-J4, a new group, and F5-F6: the earlier read-outs as before; in the thirty-first, branch predict35, the new group mrna_vaccine_prime_and_boost alone, --groups mrna_vaccine_prime_and_boost, the same refitted values to the last digit, Y7-Y9's changes 0, joined to the rows; in the thirty-second, branch reach36, predict36's new groups alone, --groups hpv_dose_count and then --groups nab_paclitaxel_150_qw, the same refitted values to the last digit, O1-O4's changes under 0.1%, joined to the rows)

(``inflammation_production_au_per_day``'s row was run again on ``--groups infection_and_vaccines,other_predictions``,
branch finalmend31: the re-traced other_predictions reads it too, a unit convention the vaccine endpoints' unit
scales read; none of its 23 read-outs moves, as none of the 7 did)

each at x0.5 and x2 its value (none has a sourced plausible range). Sensitivity analysis: no value changes, and the
read-outs screened include prediction targets' - read at varied values, they must not steer a later choice of these
values (a value chosen after reading them makes that prediction ``blind: false``). nk_lymphopenia_max_fold (no fit
holds it): its profile interval on T3 first (docs/fit_nk_lymphopenia.py), then, where T3 bounds it, over that interval
on all groups - a lower bound only, so the fold stays assumed with the interval as its plausible range (branch
mend31a), and this screen is its reach-screen row (bench/results/reach_screen.json, as bench/reach_screen.py screens a
parameter with a plausible range, at the range's ends):

    PYTHONPATH=src python bench/targeted_screen.py nk_lymphopenia_max_fold \
        --values nk_lymphopenia_max_fold=LOW,HIGH --json bench/results/reach_screen_nk_plausible_range.json
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: I1's fitted parameter and the assumed ones the reach screen saw move I1 (bench/results/reach_screen.json)
I1_FITTED = "inflammation_release_max_gain"
I1_HELD = ("bacteria_growth_per_day", "innate_clearance_per_day", "neutrophil_kill_rate_per_anc_day",
           "phagocytosis_half_saturation_cfu", "inflammation_half_max_au", "inflammation_production_au_per_day",
           "inflammation_production_max_gain")
D3_FITTED = "naive_infant_turnover_at_birth_per_day"
D3_HELD = ("naive_infant_turnover_decay_years",)
G1_FITTED = ("gcsf_mobilisation_max_fold", "gcsf_mobilisation_delay_days")
G1_HELD = ("cd34_blood_baseline_per_uL", "gcsf_mobilisation_delay_stages")

#: relative tolerance of a restored read-out
RELATIVE_TOLERANCE = 1e-4

#: points of the scan of a fitted value's bounds (geometric, from 1e-3 of the upper bound, or the lower bound)
GRID = 41

#: refits that could not restore the read-out: (fitted parameter, held values) -> (value taken, read-out there,
#: shipped read-out); for G1, (value at its bound, sum of squared weighted residuals, nan)
BOUND_HITS: dict[tuple[str, tuple[tuple[str, float], ...]], tuple[float, float, float]] = {}


def _i1_peak_wbc(values: Mapping[str, float]) -> float:
    """I1's read-out (peak WBC, 1e9/L) with ``values`` set (the validation scenario with them as its parameters)."""
    from hemasim.validation.scenario_runs import scenario_run

    run = scenario_run("bacterial_infection", {"parameters": dict(values)} if values else None)
    return float(run.observable("wbc_1e9_per_L").max())


def _d3_cd3_month6(values: Mapping[str, float]) -> float:
    """D3's calibrated read-out (blood CD3/uL 6 months after the unconditioned graft) with ``values`` set."""
    from hemasim.validation.months import CALENDAR_MONTH_DAYS
    from hemasim.validation.scenario_runs import scenario_run, value_at

    run = scenario_run("xscid_unconditioned", {"parameters": dict(values)} if values else None)
    return value_at(run, "cd3_per_uL", 7.0 + 6 * CALENDAR_MONTH_DAYS)  # the graft on day 7 (the scenario file)


@cache
def _shipped_readout(which: str) -> float:
    return {"I1": _i1_peak_wbc, "D3": _d3_cd3_month6}[which]({})


def restore(readout: Callable[[Mapping[str, float]], float], fitted: str, held: Mapping[str, float],
            goal: float) -> float:
    """The value of ``fitted`` at which ``readout`` equals ``goal`` with ``held`` set: of the roots within its
    record's bounds, the one nearest its shipped value. The read-out need not be monotone in it (I1's peak WBC is
    not: it jumps near the shipped release gain), so the bounds are scanned (:data:`GRID` points, geometric, and the
    lower bound) and each change of sign refined by Brent's method, kept only where the read-out there is within
    :data:`RELATIVE_TOLERANCE` of ``goal`` (a jump of the read-out is a change of sign but no root). Where there is no root,
    the scanned value whose read-out is nearest ``goal`` (refined between its neighbours), recorded in
    :data:`BOUND_HITS` with the read-out there: not restored (at a bound or inside)."""
    import numpy as np
    from scipy.optimize import brentq, minimize_scalar

    from hemasim.parameters import healthy_adult_parameters

    record = healthy_adult_parameters()[fitted]
    lo, hi = record.bounds
    x0 = record.value

    def gap(x: float) -> float:
        return readout({**held, fitted: x}) / goal - 1.0

    if abs(gap(x0)) <= RELATIVE_TOLERANCE:
        return x0
    grid = np.unique(np.r_[lo, x0, np.geomspace(max(lo, hi * 1e-3), hi, GRID)])
    gaps = np.array([gap(float(x)) for x in grid])
    roots = []
    for i in np.flatnonzero(gaps[:-1] * gaps[1:] <= 0):
        x = float(brentq(gap, grid[i], grid[i + 1], rtol=1e-6, maxiter=60))
        if abs(gap(x)) <= RELATIVE_TOLERANCE:
            roots.append(x)
    if roots:
        return min(roots, key=lambda x: abs(x - x0))
    i = int(np.argmin(np.abs(gaps)))
    best = minimize_scalar(lambda x: abs(gap(x)), bounds=(grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]),
                           method="bounded", options={"xatol": 1e-6 * hi})
    x, g = (float(best.x), float(best.fun)) if best.fun < abs(gaps[i]) else (float(grid[i]), float(abs(gaps[i])))
    if g <= RELATIVE_TOLERANCE:  # restored where the read-out touches the goal without crossing it (no change of sign)
        return x
    value = readout({**held, fitted: x})
    BOUND_HITS[(fitted, tuple(sorted(held.items())))] = (x, value, goal)
    print(f"refit {fitted}: not restored at {dict(held)}: nearest {value:.4g} (shipped {goal:.4g}) at {x:.4g}"
          f"{' (a bound)' if x in (lo, hi) else ''}", file=sys.stderr, flush=True)
    return x


def refit_i1(held: Mapping[str, float]) -> dict[str, float]:
    """I1's release gain restoring the peak WBC of its scenario to its shipped value at ``held``."""
    return {I1_FITTED: restore(_i1_peak_wbc, I1_FITTED, held, _shipped_readout("I1"))}


def refit_d3(held: Mapping[str, float]) -> dict[str, float]:
    """D3's infant naive turnover at birth restoring month-6 CD3 to its shipped value at ``held``."""
    return {D3_FITTED: restore(_d3_cd3_month6, D3_FITTED, held, _shipped_readout("D3"))}


def refit_g1(held: Mapping[str, float]) -> dict[str, float]:
    """G1's egress maximum and delay: docs/fit_mobilisation.py's weighted least squares at ``held``, from the
    shipped values, within the records' bounds (the record's 0 lower bound of the maximum taken as 1e-3)."""
    import numpy as np
    from scipy.optimize import least_squares

    from hemasim.parameters import healthy_adult_parameters

    if str(ROOT / "docs") not in sys.path:
        sys.path.insert(0, str(ROOT / "docs"))
    import fit_mobilisation

    table = healthy_adult_parameters()
    start = np.log([table.value(n) for n in G1_FITTED])
    lows = np.log([max(table[n].bounds[0], 1e-3) for n in G1_FITTED])
    highs = np.log([table[n].bounds[1] for n in G1_FITTED])
    fit = least_squares(lambda p: fit_mobilisation.residuals(p, held), start, diff_step=1e-3, x_scale=1.0,
                        bounds=(lows, highs))
    out = dict(zip(G1_FITTED, (float(v) for v in np.exp(fit.x)), strict=True))
    at_bound = [n for n, v, lo, hi in zip(G1_FITTED, fit.x, lows, highs, strict=True)
                if math.isclose(v, lo, abs_tol=1e-6) or math.isclose(v, hi, abs_tol=1e-6)]
    for n in at_bound:
        BOUND_HITS[(n, tuple(sorted(held.items())))] = (out[n], float(np.sum(fit.fun ** 2)), math.nan)
        print(f"refit {n}: bound reached at {dict(held)}", file=sys.stderr, flush=True)
    print(f"refit G1 at {dict(held)}: {out}, weighted residuals {np.round(fit.fun, 2)}", file=sys.stderr, flush=True)
    return out


#: each calibration's id -> (the assumed parameters it held, its fitted parameters), as the couplings pair them
CALIBRATIONS = {"I1": (I1_HELD, (I1_FITTED,)), "D3": (D3_HELD, (D3_FITTED,)), "G1": (G1_HELD, G1_FITTED)}


def calibration_of(name: str) -> tuple[str, tuple[str, ...]] | None:
    """The calibration (target id, fitted parameters) whose fit held the assumed parameter ``name``; None if none."""
    return next(((cal, fitted) for cal, (held, fitted) in CALIBRATIONS.items() if name in held), None)


def calibration_couplings() -> tuple:
    """The three calibrations as couplings (targets <- fit of sources)."""
    from hemasim.sensitivity.coupling import Coupling

    return (Coupling(I1_HELD, (I1_FITTED,), refit_i1), Coupling(D3_HELD, (D3_FITTED,), refit_d3),
            Coupling(G1_HELD, G1_FITTED, refit_g1))
