"""Why the blood CD34+ peak under filgrastim comes too late (G6), diagnosed (sixteenth session, branch `mobpeak`,
issue 17 point 5; the findings are in docs/mobilisation.md, "The late CD34+ peak: diagnosis"). An exploration, not
a fit of the model: no shipped value is changed and no validation target is run.

For each candidate the egress drive's E_max and delay T are refitted on G1's data only (Transfus Med 1997 days
4/5/6, weighted least squares as docs/fit_mobilisation.py; bounded to E_max <= 990, T in 0.3-15 days) and the
course is read out: days 4/5/6 of 10 ug/kg/d x5, its highest count and course day (day 1 = first dose), and the
same for a continued course (10 daily doses) with its counts on course days 8 and 10, and for a continuous
administration (10 ug/kg/d for 7 days as 12 doses a day, which has no swings within the day). The candidates that need a
structural change are patched in here only (the shipped model is untouched):
- ``delay``: the present structure, T profiled (E_max refitted for each T);
- ``residence``: a shorter blood residence of circulating HSPCs (0.1 day instead of the assumed 1 day);
- ``stages``: a one-stage delay (n = 1);
- ``product``: egress = k s M (1 + E_max f(S_n) f(C)): the delayed drive times the current stimulation f(C) (Wang's
  EC50 and Hill for both), so the neutrophils' clearance of the drug acts without the delay;
- ``exhaustion``: homed HSPCs rejoin the mobilisable MPP pool only after a reserve with mean time ``tau`` days, so
  the egress drains the pool; its strength is set by the blood residence and the resting blood share, both assumed.

Run: PYTHONPATH=src python docs/mobilisation_peak_diagnosis.py (about half a minute of CPU).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from scipy.optimize import least_squares

import hemasim.biology.marrow as marrow
import hemasim.biology.mobilisation as mobilisation
from hemasim.interventions.apheresis import filgrastim_run
from hemasim.model.core import Feedback, FeedbackKind, Module, Observable, Signal
from hemasim.parameters import healthy_adult_parameters
from hemasim.parameters.core import ParameterSet
from hemasim.simulation import Result

#: a continuous administration of 10 ug/kg/d for 7 days, as 12 s.c. doses a day (no swings within the day)
CONTINUOUS = tuple(i / 12.0 for i in range(12 * 7))
#: (run day of the sample, mean cells/uL, SD, n): Transfus Med 1997;7(1):19-24, as docs/fit_mobilisation.py
G1 = ((3.0, 60.7, 40.2, 22), (4.0, 128.0, 136.0, 22), (5.0, 107.0, 104.0, 22))
BOUNDS = (np.log([1.0, 0.3]), np.log([990.0, 15.0]))


def run(params: ParameterSet, days: tuple[float, ...], duration: float, every: float = 0.25,
        dose: float = 10.0) -> Result:
    """Filgrastim s.c., ``dose`` ug/kg on each of ``days`` (day 0 = first dose), healthy 75-kg man (every state kept)."""
    return filgrastim_run(dose, days, duration, params, every)


def at(result: Result, day: float, name: str = "cd34_blood_per_uL") -> float:
    return float(result.observable(name)[np.argmin(np.abs(result.times - day))])


def fit(base: ParameterSet, start: tuple[float, float], delay: float | None = None) -> tuple[float, float, float]:
    """E_max and T (T held at ``delay`` when given) fitted on G1; returns (E_max, T, weighted SSE)."""
    def residuals(log_p: np.ndarray) -> np.ndarray:
        t = delay if delay is not None else float(np.exp(log_p[1]))
        p = base.with_values(gcsf_mobilisation_max_fold=float(np.exp(log_p[0])), gcsf_mobilisation_delay_days=t)
        r = run(p, (0, 1, 2, 3, 4), 6.0)
        return np.array([(at(r, d) - m) / (sd / np.sqrt(n)) for d, m, sd, n in G1])

    if delay is None:
        f = least_squares(residuals, np.log(start), diff_step=1e-3, bounds=BOUNDS)
        return float(np.exp(f.x[0])), float(np.exp(f.x[1])), float(np.sum(f.fun**2))
    f = least_squares(residuals, np.log(start[:1]), diff_step=1e-3, bounds=(BOUNDS[0][:1], BOUNDS[1][:1]))
    return float(np.exp(f.x[0])), delay, float(np.sum(f.fun**2))


def row(label: str, base: ParameterSet, emax: float, delay: float, sse: float) -> str:
    p = base.with_values(gcsf_mobilisation_max_fold=emax, gcsf_mobilisation_delay_days=delay)
    five, ten = run(p, (0, 1, 2, 3, 4), 12.0), run(p, tuple(range(10)), 12.0)
    steady = run(p, CONTINUOUS, 10.0, dose=10.0 / 12.0)
    c5, c10, cc = (r.observable("cd34_blood_per_uL") for r in (five, ten, steady))
    i5, i10, ic = int(np.argmax(c5)), int(np.argmax(c10)), int(np.argmax(cc))
    return (f"| {label} | {emax:.1f} | {delay:.2f} | {sse:.2f} | {at(five, 3):.1f} / {at(five, 4):.1f} / "
            f"{at(five, 5):.1f} | {c5[i5]:.0f} on {five.times[i5] + 1:.2f} | {c10[i10]:.0f} on {ten.times[i10] + 1:.2f}"
            f" | {at(ten, 7):.0f} / {at(ten, 9):.0f} | {cc[ic]:.0f} on {steady.times[ic] + 1:.2f} |")


@contextmanager
def patched(owner: Any, name: str, value: Callable[..., Any]) -> Iterator[None]:
    old = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, old)


def product_extend(self: mobilisation.GcsfMobilisation, ctx: Any) -> tuple[Module, dict[str, tuple[str, ...]]]:
    """The drive as shipped, but it multiplies the current stimulation f(C) instead of acting alone."""
    d = self.drug
    m = Module(f"gcsf_mobilisation_{d}")
    stages = int(ctx.p_shared("gcsf_mobilisation_delay_stages"))
    delay = ctx.p("gcsf_mobilisation_delay_days")
    drive = m.chain(f"{d}_mobilising_drive", "delayed concentration (ng/mL)", stages, delay, 0.0, None, "drug",
                    "mobilising_drive", kind="signalling")
    m.flow(f"{d}_mobilising_input", "signalling", f"{d}_central", drive[0], stages / delay / self.central_volume_L,
           consume=0.0)
    m.signals += [Signal(f"{d}_delayed_c", {drive[-1]: 1.0}), Signal(f"{d}_current_c", {f"{d}_central": 1.0 /
                                                                                          self.central_volume_L})]
    ec50, hill = ctx.p("gcsf_mobilisation_ec50_ng_per_mL"), ctx.p("gcsf_mobilisation_hill")
    slow = Feedback(f"{d}_priming", FeedbackKind.EMAX, (ctx.p("gcsf_mobilisation_max_fold"), ec50, hill),
                    signal=f"{d}_delayed_c", offset=-1.0)  # E_max f(S_n)
    fast = Feedback(f"{d}_current", FeedbackKind.EMAX, (1.0, ec50, hill), signal=f"{d}_current_c", offset=-1.0)
    m.feedbacks += [slow, fast]
    k_share = ctx.p("hspc_blood_share_of_mpp") / ctx.p("hspc_blood_residence_days")
    m.flow(f"{d}_mobilised_egress", "egress", "mpp", "blood_hspc", k_share, feedbacks=(slow.name, fast.name))
    return m, {}


def exhaustion_circulation(tau: float) -> Callable[..., Observable]:
    """Circulating HSPCs whose homed cells wait in a marrow reserve (mean ``tau`` days) before they can leave again."""
    def circulating(ctx: Any, m: Module, mpp: str, hsc_output_per_day: Any) -> Observable:
        k_back = 1.0 / ctx.p("hspc_blood_residence_days")
        resting = marrow.resting_blood_hspc(ctx, hsc_output_per_day)
        blood = m.compartment("blood_hspc", "circulating HSPCs", resting, "blood", "progenitor_circulating")
        reserve = m.compartment("homed_hspc_reserve", "homed HSPCs not yet mobilisable", resting * k_back * tau,
                                "marrow")
        m.flow("hspc_egress", "egress", mpp, blood, k_back * ctx.p("hspc_blood_share_of_mpp"))
        m.flow("hspc_homing", "homing", blood, reserve, k_back)
        m.flow("hspc_reserve_return", "homing", reserve, mpp, 1.0 / tau)
        ctx.blood_share[blood] = 1.0
        return Observable("cd34_blood_per_uL", "cells/uL", "circulating CD34+ cells",
                          {blood: ctx.p("cd34_blood_baseline_per_uL") / resting})
    return circulating


def main() -> None:
    base = healthy_adult_parameters()
    shipped = base.value("gcsf_mobilisation_max_fold"), base.value("gcsf_mobilisation_delay_days")
    r = run(base, tuple(range(10)), 11.0, every=0.5)
    print("shipped model, 10 ug/kg/d x10, by course day: ANC 12 h after the dose (1e9/L), plasma filgrastim 12 h after"
          " it (ng/mL), AUC of the dosing day (ng h/mL), the delayed drive S_n at the next dose (ng/mL)")
    for day in range(10):
        auc = at(r, day + 1, "filgrastim_auc_ng_h_per_mL") - at(r, day, "filgrastim_auc_ng_h_per_mL")
        drive = float(r.state("filgrastim_mobilising_drive_3")[np.argmin(np.abs(r.times - day - 1))])
        print(f"  {day + 1}: ANC {at(r, day + 0.5, 'anc_1e9_per_L'):5.1f}, "
              f"C {at(r, day + 0.5, 'filgrastim_concentration_ng_per_mL'):.2f}, AUC {auc:4.0f}, S_n {drive:.2f}")
    print("\n| variant | E_max | T (day) | weighted SSE | days 4 / 5 / 6 | x5: highest, course day | x10: highest, "
          "course day | x10: days 8 / 10 | continuous x7: highest, course day |\n|---|---|---|---|---|---|---|---|---|")
    print(row("shipped (G1 fit)", base, *shipped, fit(base, (shipped[0],), shipped[1])[2]))
    for delay in (1.0, 2.0, 3.0, 4.0):
        print(row(f"delay T held at {delay}", base, *fit(base, (50.0,), delay)))
    short = base.with_values(hspc_blood_residence_days=0.1)
    print(row("blood residence 0.1 day", short, *fit(short, (50.0, 4.0))))
    one = base.with_values(gcsf_mobilisation_delay_stages=1.0)
    print(row("one delay stage", one, *fit(one, (50.0, 3.0))))
    with patched(mobilisation.GcsfMobilisation, "extend", product_extend):
        print(row("product: delayed drive x current f(C)", base, *fit(base, (150.0, 4.0))))
    for residence, share, tau in ((1.0, 1e-3, 30.0), (0.1, 1e-3, 5.0), (0.1, 1e-3, 30.0), (1.0, 1e-2, 30.0)):
        varied = base.with_values(hspc_blood_residence_days=residence, hspc_blood_share_of_mpp=share)
        with patched(marrow, "_circulating_hspc", exhaustion_circulation(tau)):
            print(row(f"exhaustion: residence {residence} d, share {share:g}, reserve {tau:g} d", varied,
                      *fit(varied, (80.0, 4.0))))


if __name__ == "__main__":
    main()
