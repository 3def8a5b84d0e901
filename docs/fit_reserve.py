"""The marrow-reserve refit (docs/chemotherapy_full_model.md, "G-CSF on the mature marrow reserve only"; issue #17,
C7): G-CSF's speed-up of neutrophil maturation (the endogenous law and filgrastim's) on the last q x 80 post-mitotic
stages only (``neutrophil_gcsf_reserve_share`` q), q profiled on a grid, each point refitted in two blocks:

1. the docetaxel full-model slope, the mitotic transit (Craig 2016 prior) and the endogenous exponent beta on the
   Kloft 2006 and Quartino 2014 typical courses (:func:`hemasim.inference.docetaxel.gcsf_problem`, the objective D of
   the shipped G-CSF exponent fit, emergence term included);
2. block 1's values held: filgrastim's production EC50 (E_p derived from Wang 2001's 12.7-fold over rest, the
   shipped A2 law) and the speed-up's E_max and EC50 on Melhem 2017's typical course plus Price 1996's transit
   (2.9 d on days 6-14 of 300 ug/d) as one more log residual, F = [SSE + ln(T/2.9)^2] / (2 x 0.25^2).

The rule (grid, objective J = D + F, adoption bar) was committed before any of it was run: :func:`decide`.

Run: PYTHONPATH=src python docs/fit_reserve.py --share Q [--out FILE]   (one grid point, a few minutes of CPU)
     PYTHONPATH=src python docs/fit_reserve.py --decide FILE...          (the rule on the grid points' files)
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

from hemasim._confidence import LR_STEP_95  # the 95% likelihood-ratio step for one parameter

#: the grid of reserve shares (1: today's model, the whole chain; 0.41: Craig 2016's reserve share)
SHARE_GRID = (1.0, 0.7, 0.5, 0.41, 0.25)
#: Price 1996: post-mitotic transit on days 6-14 of 300 ug/day filgrastim (d)
PRICE_TRANSIT_DAYS = 2.9
#: the SD of a log residual of block 2 (Melhem's values and Price's transit): the filgrastim set's RMS bar (assumed)
BLOCK2_SD_LOG = 0.25
#: block 2's start: the unrounded A2 fit (docs/fit_filgrastim_anc.py) of filgrastim_wang2001's production EC50,
#: speed-up E_max and speed-up EC50 (the drug set carries them rounded: 0.503, 16.09, 0.637), kept so the recorded
#: grid points (docs/images/chemo_reserve_fit.json) rerun from the same start
A2_START = (0.5026327821309143, 16.08506031981284, 0.6366500335412822)
MAXFEV = 390
SHARE = "neutrophil_gcsf_reserve_share"


def _filgrastim_script() -> Any:
    """docs/fit_filgrastim_anc.py (Melhem's course, the drug-set files, Price's check): this script's neighbour, on
    the path when it runs."""
    import fit_filgrastim_anc  # type: ignore[import-not-found]

    return fit_filgrastim_anc


def block1(share: float, n_starts: int = 2) -> dict[str, Any]:
    """Slope, mitotic transit and beta on the two docetaxel courses at reserve share ``share``."""
    from hemasim.inference import Objective, fit
    from hemasim.inference.docetaxel import COURSES, GCSF_FIT_STRUCTURE, emergence_term, gcsf_problem

    obj = Objective(gcsf_problem(COURSES, held={SHARE: share}))
    res = fit(obj, n_starts=n_starts, seed=1)
    _, emergence = emergence_term(GCSF_FIT_STRUCTURE[0])
    return {"objective": float(res.fun) + emergence, "estimates": {k: float(v) for k, v in res.natural.items()},
            "n_converged": int(res.n_converged)}


def beta_profile(share: float, betas: Sequence[float] = (0.05, 0.1, 0.234)) -> dict[str, Any]:
    """A companion (reported, never used to choose): block 1's objective D at fixed exponents beta, the slope and the
    mitotic transit refitted, at reserve share ``share``."""
    from hemasim.inference import Objective, fit
    from hemasim.inference.docetaxel import COURSES, GCSF_FIT_STRUCTURE, emergence_term, gcsf_problem

    _, emergence = emergence_term(GCSF_FIT_STRUCTURE[0])
    out: dict[str, Any] = {}
    for b in betas:
        res = fit(Objective(gcsf_problem(COURSES, beta_free=False, beta=b, held={SHARE: share})), n_starts=2, seed=1)
        out[str(b)] = {"objective": float(res.fun) + emergence,
                       "estimates": {k: float(v) for k, v in res.natural.items()}}
        print(json.dumps({"share": share, "beta": b, **out[str(b)]}), flush=True)
    return out


def block2_terms(fg: Any, log_p: np.ndarray, held: Mapping[str, float]) -> dict[str, Any]:
    """Block 2's objective and its parts at log (K_p, E_s, K_s), the model values ``held``."""
    kp, es, ks = (float(v) for v in np.exp(log_p))
    ep = float(fg.a2_production_emax(kp))
    if not (ep <= 100.0 and es <= 100.0):  # the schema's E_max range ends at 100
        return {"objective": 1e3}
    with tempfile.TemporaryDirectory() as tmp:
        path = str(fg.drug_set_file(Path(tmp), es, ks, True, (ep, kp), shared=True))
        fold = fg.model_fold(path, parameters=dict(held))
        price = fg.price_check(path, parameters=dict(held))
    sse = float(np.sum((np.log(fold) - np.log(fg.melhem_fold())) ** 2))
    price_res = math.log(price["post_mitotic_transit_days"] / PRICE_TRANSIT_DAYS)
    return {"objective": (sse + price_res**2) / (2.0 * BLOCK2_SD_LOG**2), "sse_melhem": sse,
            "rms_log_melhem": math.sqrt(sse / fold.size), "price_transit_days": price["post_mitotic_transit_days"],
            "price_mean_speed_up": price["mean_speed_up_days_6_14"],
            "peak_fold_days_0_5": float(fold[fg.TIMES <= 5].max()),
            "melhem_peak_fold_days_0_5": float(fg.melhem_fold()[fg.TIMES <= 5].max()),
            "production_ec50_ng_per_mL": kp, "production_emax": ep, "speed_emax": es, "speed_ec50_ng_per_mL": ks}


def block2(share: float, est: Mapping[str, float]) -> dict[str, Any]:
    """Filgrastim's K_p, E_s, K_s on Melhem 2017 + Price 1996 with block 1's values held: Nelder-Mead from A2, then
    one restart from its end point, the lower taken."""
    fg = _filgrastim_script()
    held = {SHARE: share, "neutrophil_mitotic_transit_days": est["mitotic_days"],
            "neutrophil_transit_gcsf_exponent": est["beta"]}

    def objective(x: np.ndarray) -> float:
        return float(block2_terms(fg, x, held)["objective"])

    start = block2_terms(fg, np.log(A2_START), held)
    runs = []
    x0 = np.log(A2_START)
    for _ in range(2):
        r = minimize(objective, x0, method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-6, "maxfev": MAXFEV})
        runs.append({"objective": float(r.fun), "nfev": int(r.nfev), "x": r.x.tolist()})
        print(json.dumps({"share": share, "block2_run": runs[-1]}), flush=True)
        x0 = r.x
    best = min(runs, key=lambda r: r["objective"])
    return {"held": held, "at_start_A2": start, "runs": runs, **block2_terms(fg, np.asarray(best["x"]), held)}


def grid_point(share: float) -> dict[str, Any]:
    b1 = block1(share)
    print(json.dumps({"share": share, "block1": b1}), flush=True)
    b2 = block2(share, b1["estimates"])
    return {"share": share, "block1": b1, "block2": b2, "J": b1["objective"] + b2["objective"]}


def decide(points: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The committed rule: q* = argmin J over the grid; adopted only if q* != 1 and (1) J(q*) < J(1) - 1.92,
    (2) D(q*) <= D(1) + 1.92, (3) Melhem RMS log <= 0.25 and peak fold on days 0-5 within +-30% of Melhem's,
    (4) |ln(T(q*)/2.9)| < |ln(T(1)/2.9)|; (5), the calibration targets' veto, is read afterwards on the card."""
    by_share = {float(p["share"]): p for p in points}
    if 1.0 not in by_share:
        raise ValueError("the grid point q = 1 (today's model) is needed as the reference")
    best = min(points, key=lambda p: p["J"])
    ref = by_share[1.0]
    b2 = best["block2"]
    checks = {
        "1_J_drop": ref["J"] - best["J"] > LR_STEP_95,
        "2_docetaxel_no_worse": best["block1"]["objective"] <= ref["block1"]["objective"] + LR_STEP_95,
        "3_melhem_bar": b2["rms_log_melhem"] <= 0.25
        and abs(b2["peak_fold_days_0_5"] / b2["melhem_peak_fold_days_0_5"] - 1.0) <= 0.30,
        "4_price_closer": abs(math.log(b2["price_transit_days"] / PRICE_TRANSIT_DAYS))
        < abs(math.log(ref["block2"]["price_transit_days"] / PRICE_TRANSIT_DAYS)),
    }
    adopt = float(best["share"]) != 1.0 and all(checks.values())
    return {"best_share": float(best["share"]), "J": {str(k): v["J"] for k, v in sorted(by_share.items())},
            "D": {str(k): v["block1"]["objective"] for k, v in sorted(by_share.items())},
            "F": {str(k): v["block2"]["objective"] for k, v in sorted(by_share.items())},
            "checks": checks, "adopt_pending_veto": adopt}


def _write(path: Path, text: str) -> None:
    """The result file, whole or not at all (a killed run leaves no half-written JSON)."""
    from hemasim.io import atomic_write_file

    atomic_write_file(path, lambda p: p.write_text(text, encoding="utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--share", type=float, default=None, help="run one grid point")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--beta-profile", type=float, default=None, metavar="Q",
                    help="a companion: D at fixed exponents 0.05, 0.1, 0.234 at reserve share Q")
    ap.add_argument("--decide", type=Path, nargs="*", default=None, help="apply the rule to grid points' JSON files")
    args = ap.parse_args(argv)
    if args.decide is not None:
        points = [json.loads(p.read_text(encoding="utf-8")) for p in args.decide]
        out = {"points": points, "decision": decide(points)}
        print(json.dumps(out["decision"], indent=1))
        if args.out:
            _write(args.out, json.dumps(out, indent=1))
        return 0
    if args.beta_profile is not None:
        prof = {"share": args.beta_profile, "beta_profile": beta_profile(args.beta_profile)}
        if args.out:
            _write(args.out, json.dumps(prof, indent=1))
        return 0
    if args.share is None:
        ap.error("give --share Q or --decide FILE...")
    point = grid_point(args.share)
    text = json.dumps(point, indent=1)
    if args.out:
        _write(args.out, text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
