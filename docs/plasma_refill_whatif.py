"""What-if of the plasma-refill rule (docs/model.md, "Plasma refill after a whole-blood loss", committed before this
script ran): the haemoglobin read-outs of every blood-loss target, recomputed from main's red-cell courses with the
blood volume short by the unrefilled share of each loss.

The rule changes the read-out only (cells lost and the erythroid feedback stay main's), so applying it to main's runs
is exact: with x(t) = Hb(t) / Hb before the first loss (main's Hb is proportional to the red cells),

    Vb(t)/Vb0 = 1 - (1 - c)(1 - x(t)) - U(t),   dU/dt = -U/tau,   U += f_i (1 - (1 - c) x_i-) at a loss f_i = v_i/Vb0,
    Hb_read(t)/Hb0 = x(t) / (Vb(t)/Vb0).

c = 1 gives main's values back (checked). Usage (a few minutes on one core):

    PYTHONPATH=src python docs/plasma_refill_whatif.py [c ...]

prints one table row per read-out: its band, main's value and the rule's value for each c (default 1.0, 0.77, 0.73,
0.88: main, the rule's value and its sourced range).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from hemasim.simulation import Result
from hemasim.validation.scenario_runs import scenario_run, validation_scenario

#: Refill time constant, days (Ruttman 2003: autodilution takes 6-8 h, read as 95% at 7 h).
TAU_DAYS = 7.0 / 24.0 / 3.0
FIRST_LOSS_DAY = 10.0  # every blood-loss validation scenario's first loss


@dataclass(frozen=True)
class Course:
    """One run's times, main's Hb and the rule's blood-volume inputs."""

    times: np.ndarray
    hb: np.ndarray
    losses: tuple[tuple[float, float], ...]  # (day, share of Vb0)


def course(name: str, variation: dict | None = None) -> Course:
    scenario = validation_scenario(name, variation)
    r: Result = scenario_run(name, variation)
    bv_mL = float(np.asarray(r.model.info.blood_volume_L)) * 1000.0
    losses = tuple((float(i.day), float(i.volume_mL) / bv_mL) for i in scenario.interventions
                   if i.kind == "blood_donation")
    return Course(r.times, r.observable("hemoglobin_g_per_dL"), losses)


def read_hb(c: Course, completeness: float, tau: float = TAU_DAYS) -> np.ndarray:
    """The rule's Hb course (g/dL) of one run."""
    hb0 = float(c.hb[c.times < FIRST_LOSS_DAY][-1])
    x = c.hb / hb0
    unrefilled = np.zeros_like(x)
    for day, share in c.losses:
        x_before = float(x[c.times < day][-1])
        jump = share * (1.0 - (1.0 - completeness) * x_before)
        after = c.times >= day
        unrefilled[after] += jump * np.exp(-(c.times[after] - day) / tau)
    volume = 1.0 - (1.0 - completeness) * (1.0 - x) - unrefilled
    return hb0 * x / volume


def before(times: np.ndarray, values: np.ndarray, day: float) -> float:
    return float(values[times < day][-1])


def at(times: np.ndarray, values: np.ndarray, day: float) -> float:
    return float(np.interp(day, times, values))


def days_to_regain(times: np.ndarray, values: np.ndarray, event_day: float, share: float) -> float:
    """As predictions_misc._days_to_regain: days until ``share`` of the fall (to the lowest output after the event)
    is regained."""
    start = before(times, values, event_day)
    keep = times >= event_day
    t, v = times[keep], values[keep]
    low = int(np.argmin(v))
    level = v[low] + share * (start - v[low])
    above = np.nonzero(v[low:] >= level)[0]
    if above.size == 0:
        return float(times[-1]) - event_day
    k = low + int(above[0])
    if k == low:
        return float(t[k]) - event_day
    t0, t1, v0, v1 = t[k - 1], t[k], v[k - 1], v[k]
    return float(t0 + (level - v0) * (t1 - t0) / (v1 - v0)) - event_day


Reader = Callable[[float], float]


def readouts() -> list[tuple[str, str, tuple[float, float], Reader]]:
    woman = {"patient": {"sex": "female", "weight_kg": 60, "height_cm": 163}}
    man450 = course("blood_donation_450mL_man")
    woman450 = course("blood_donation_450mL_woman")
    weekly = [(course("autologous_donation_3_units_weekly"), 9),
              (course("autologous_donation_3_units_weekly", woman), 10)]
    short = [(course("autologous_donation_3_units_short_interval"), 11),
             (course("autologous_donation_3_units_short_interval", woman), 10)]
    eleven = course("autologous_donation_3_units_11_days")
    d500 = course("blood_donation_500mL")
    rca = course("red_cell_apheresis_2_units")

    def ratio(cs: Course, days_after: float) -> Reader:
        return lambda k: at(cs.times, read_hb(cs, k), FIRST_LOSS_DAY + days_after) / before(
            cs.times, read_hb(cs, k), FIRST_LOSS_DAY)

    def mixed(runs: Sequence[tuple[Course, int]], days_after: float) -> Reader:
        def value(k: float) -> float:
            num = sum(n * at(cs.times, read_hb(cs, k), FIRST_LOSS_DAY + days_after) for cs, n in runs)
            den = sum(n * before(cs.times, read_hb(cs, k), FIRST_LOSS_DAY) for cs, n in runs)
            return num / den
        return value

    def before_loss(cs: Course, day: float) -> Reader:
        return lambda k: before(cs.times, read_hb(cs, k), day) / before(cs.times, read_hb(cs, k), FIRST_LOSS_DAY)

    return [
        ("V1", "man, 450 mL, Hb day 3", (0.895, 0.955), ratio(man450, 3.0)),
        ("V2", "man, 450 mL, Hb day 28", (0.946, 1.009), ratio(man450, 28.0)),
        ("V3", "woman, 450 mL, Hb day 3", (0.897, 0.961), ratio(woman450, 3.0)),
        ("W4", "3 x 450 mL weekly, day 28", (0.873, 0.982), mixed(weekly, 28.0)),
        ("W4", "3 x 450 mL weekly, day 35", (0.873, 0.982), mixed(weekly, 35.0)),
        ("W5", "days 0/3/7, day 28", (0.911, 1.005), mixed(short, 28.0)),
        ("W5", "days 0/3/7, day 35", (0.911, 1.005), mixed(short, 35.0)),
        ("W6", "11 days apart, before 2nd", (0.888, 0.988), before_loss(eleven, FIRST_LOSS_DAY + 11.0)),
        ("W6", "11 days apart, before 3rd", (0.852, 0.953), before_loss(eleven, FIRST_LOSS_DAY + 22.0)),
        ("P2", "500 mL, days to 80% Hb", (29.0, 33.0),
         lambda k: days_to_regain(d500.times, read_hb(d500, k), FIRST_LOSS_DAY, 0.8)),
        ("P17", "2-unit RBC apheresis, day 7", (0.825, 0.947), ratio(rca, 7.0)),
        ("P17", "2-unit RBC apheresis, day 60", (0.98, 1.02), ratio(rca, 60.0)),
    ]


def main(argv: list[str]) -> None:
    values = [float(a) for a in argv] or [1.0, 0.77, 0.73, 0.88]
    print("| target | read-out | band | " + " | ".join(f"c = {k:g}" for k in values) + " |")
    print("|---|---|---|" + "---|" * len(values))
    for target, what, (lo, hi), read in readouts():
        cells = []
        for k in values:
            v = read(k)
            cells.append(f"{v:.3f} {'pass' if lo <= v <= hi else 'FAIL'}")
        print(f"| {target} | {what} | {lo:g}-{hi:g} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
