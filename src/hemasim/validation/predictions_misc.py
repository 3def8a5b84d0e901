"""Read-outs of the other predictions (targets P1-P10, P18): recovery after whole-blood donation, a volunteer
influenza challenge, antibody waning after one vaccine dose, the vaccine response by age (one patient, and the
seroconversion of two virtual cohorts), lymphocyte recovery after an antibody depletion (alemtuzumab) and hepatitis B
vaccine schedules, each on a validation scenario (``scenarios/*.yaml``).

A recovery not reached within its run counts as the end of the run (a lower bound), as the transplant read-outs do.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

from hemasim.interventions.viral_infection import VIRUS_DETECTION_TCID50
from hemasim.model.compiled import DAYS_PER_YEAR
from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.immunity import _VACCINE, _VACCINE_DAY  # the one-dose run of I2-I4, simulated once
from hemasim.validation.months import CALENDAR_MONTH_DAYS
from hemasim.validation.scenario_runs import cached_scenario_run, endpoints_of, varied_scenario_data


def _first_time_at_or_above(times: np.ndarray, values: np.ndarray, level: float) -> float | None:
    """The first time ``values`` reach ``level`` (linear between outputs), or None if they never do."""
    above = np.flatnonzero(values >= level)
    if above.size == 0:
        return None
    i = int(above[0])
    if i == 0:
        return float(times[0])
    v0, v1 = float(values[i - 1]), float(values[i])
    return float(times[i - 1] + (times[i] - times[i - 1]) * (level - v0) / (v1 - v0))


def _days_to_regain(run: Callable[[], Result], observable: str, event_day: float, share: float,
                    mass: bool = False) -> float:
    """Days from ``event_day`` until ``observable`` has regained ``share`` of its fall (from its last output before
    the event to its lowest after it; the output on the event day already carries the event). ``mass``: the
    concentration times the blood volume over its value before the loss (the plasma refill's ratio), i.e. the
    cells in the blood, not their concentration."""
    r = run()
    values = r.observable(observable)
    if mass and r.volume_ratio is not None:
        values = values * r.volume_ratio[0]
    before = float(values[r.times < event_day][-1])
    after = r.times >= event_day
    times, values = r.times[after], values[after]
    low = int(np.argmin(values))
    level = float(values[low]) + share * (before - float(values[low]))
    reached = _first_time_at_or_above(times[low:], values[low:], level)
    return (reached if reached is not None else float(r.times[-1])) - event_day


# Whole-blood donation on day 10 (P1: 550 mL, a man; P2: 500 mL, the woman of examples/blood_donation.yaml).
_DONATION_DAY = 10.0
_DONATION_550 = cached_scenario_run("blood_donation_550mL")
_DONATION_500 = cached_scenario_run("blood_donation_500mL")

# A volunteer influenza challenge on day 1 (P3, P4).
_INFECTION_DAY = 1.0
_CHALLENGE = cached_scenario_run("influenza_challenge")


def _shedding_days_above_detection() -> float:
    """Total time the free virus spends at or above the culture detection limit after the inoculation."""
    r = _CHALLENGE()
    above = (r.observable("influenza_viral_load") >= VIRUS_DETECTION_TCID50)[:-1]
    return float(np.sum(np.diff(r.times)[above & (r.times[:-1] >= _INFECTION_DAY)]))


def _clearance_day() -> float:
    day = endpoints_of(_CHALLENGE)["influenza_clearance_day"]
    return float(_CHALLENGE().times[-1] - _INFECTION_DAY) if day is None else float(day)


def _peak_viral_load_day() -> float:
    r = _CHALLENGE()
    return float(r.times[int(np.argmax(r.observable("influenza_viral_load")))] - _INFECTION_DAY)


def _igg_half_life_two_point(t0_days: float, t1_days: float) -> float:
    """Half-life (days) of specific IgG between ``t0_days`` and ``t1_days`` after the one dose of I2-I4: ln 2 times
    the interval over the log of the fall."""
    r = _VACCINE()
    igg = r.observable("tetanus_igg_au")
    at0, at1 = (float(np.interp(_VACCINE_DAY + t, r.times, igg)) for t in (t0_days, t1_days))
    return math.log(2) * (t1_days - t0_days) / math.log(at0 / at1)


# One influenza vaccine dose on day 7 at 25 and at 80 (P6): the age varied as data.
_VACCINE_BY_AGE_DAY = 7.0
_VACCINE_BY_AGE = {age: cached_scenario_run("influenza_vaccine_by_age", {"patient": {"age_years": age}})
                   for age in (25, 80)}


def _igg_day28(age: int) -> float:
    r = _VACCINE_BY_AGE[age]()
    return float(np.interp(_VACCINE_BY_AGE_DAY + 28.0, r.times, r.observable("influenza_igg_au")))


# One influenza dose in two virtual cohorts, 18-60 and 60-80 y (P18), each patient with its vaccine-response factor.
#: fold-rise of the HI titre of the typical young adult after one dose: the geometric mean of the three strains' mean
#: geometric increases in never-vaccinated adults 18-60 y (7.4, 8.5, 4.9; BMC Infect Dis 2014;14:133, Table 3),
#: fitted with vaccine_response_sd_log by the rule in docs/immunity.md (bench/vaccine_response_spread_fit.py)
INFLUENZA_YOUNG_FOLD_RISE = 6.7548
SEROCONVERSION_FOLD_RISE = 4.0  # seroconversion: a 4-fold rise of the HI titre
_SEROCONVERSION_COHORT = 2000  # patients per age group (about 5 s each)
_SEROCONVERSION_SEED = 18


@functools.cache
def influenza_seroconversion(age_min: float, age_max: float, n: int = _SEROCONVERSION_COHORT,
                             seed: int = _SEROCONVERSION_SEED) -> float:
    """Share of a virtual cohort aged ``age_min``-``age_max`` (scenario influenza_vaccine_seroconversion.yaml, the
    ages varied as data) that seroconverts after one influenza dose: :data:`INFLUENZA_YOUNG_FOLD_RISE` times the
    relative response (IgG 28 days after the dose over the healthy 35-year-old's) at least
    :data:`SEROCONVERSION_FOLD_RISE`."""
    from hemasim.cohort import simulate_partition  # the cohort machinery only when this read-out runs

    data = varied_scenario_data("influenza_vaccine_seroconversion",
                                {"population": {"age_years": {"min": age_min, "max": age_max}}})
    rel = simulate_partition(data, 0, 0, n, seed, None, False).endpoints["influenza_relative_response"].to_numpy()
    return float(np.mean(INFLUENZA_YOUNG_FOLD_RISE * rel >= SEROCONVERSION_FOLD_RISE))


# Peripheral lymphocytes depleted to 5% on day 10 (P7, P8).
_DEPLETION_DAY = 10.0
_ALEMTUZUMAB = cached_scenario_run("alemtuzumab_lymphodepletion")


def _months_to_reach(observable: str, level: float) -> Readout:
    """Months from the depletion until ``observable`` is back at ``level`` (0 if it never fell below it)."""
    def value() -> float:
        r = _ALEMTUZUMAB()
        after = r.times >= _DEPLETION_DAY
        times, values = r.times[after], r.observable(observable)[after]
        below = np.flatnonzero(values < level)
        if below.size == 0:
            return 0.0
        start = int(below[0])
        reached = _first_time_at_or_above(times[start:], values[start:], level)
        return ((reached if reached is not None else float(r.times[-1])) - _DEPLETION_DAY) / CALENDAR_MONTH_DAYS

    return OwnRun(value)


# Hepatitis B vaccine schedules (P9, P10): doses on day 7 and months later (calendar months of 365.25/12 d, the dose
# days rounded to 0.01 d; the scenario file's own days, months of 30.44 d, are replaced).
_HEPB_FIRST_DAY = 7.0
_HEPB_FOLLOW_UP_DAYS = 12 * DAYS_PER_YEAR  # P10: twelve years after the first dose


def _hepb_day(months: float) -> float:
    return _HEPB_FIRST_DAY + months * CALENDAR_MONTH_DAYS


def _hepb_run(dose_months: tuple[float, ...], until_day: float) -> Callable[[], Result]:
    """The schedule of ``dose_months`` (after the first dose), run until ``until_day``."""
    doses = [{"kind": "vaccine", "day": round(_hepb_day(m), 2), "antigen": "hepatitis_b"} for m in dose_months]
    return cached_scenario_run("hepatitis_b_vaccine_schedule", {"interventions": doses, "duration_days": until_day})


_HEPB_SERIES = {third: _hepb_run((0, 1, third), _hepb_day(third) + 29.0) for third in (3, 6, 12)}
_HEPB_PERSISTENCE = {doses: _hepb_run(months, _HEPB_FIRST_DAY + _HEPB_FOLLOW_UP_DAYS + 1.0)
                     for doses, months in ((3, (0, 1, 6)), (2, (0, 6)))}


def _hepb_igg(run: Callable[[], Result], day: float) -> float:
    r = run()
    return float(np.interp(day, r.times, r.observable("hepatitis_b_igg_au")))


def _hepb_series_ratio(third: int) -> float:
    """IgG 28 days after a third dose at ``third`` months over the same after a third dose at 3 months."""
    def after_series(months: int) -> float:
        return _hepb_igg(_HEPB_SERIES[months], round(_hepb_day(months), 2) + 28.0)

    return after_series(third) / after_series(3)


def _hepb_persistence_ratio() -> float:
    """IgG twelve years after the first dose, three doses (0-1-6 months) over two (0-6 months)."""
    day = _HEPB_FIRST_DAY + _HEPB_FOLLOW_UP_DAYS
    return _hepb_igg(_HEPB_PERSISTENCE[3], day) / _hepb_igg(_HEPB_PERSISTENCE[2], day)


PREDICTIONS_MISC: dict[str, Readout] = {
    "donation_550mL_days_to_regain_90pct_red_cell_mass": OwnRun(
        lambda: _days_to_regain(_DONATION_550, "rbc_1e12_per_L", _DONATION_DAY, 0.9, mass=True)),
    "donation_500mL_days_to_80pct_hb_recovery": OwnRun(
        lambda: _days_to_regain(_DONATION_500, "hemoglobin_g_per_dL", _DONATION_DAY, 0.8)),
    "influenza_challenge_shedding_days_above_detection": OwnRun(_shedding_days_above_detection),
    "influenza_challenge_clearance_day": OwnRun(_clearance_day),
    "influenza_challenge_peak_viral_load_day": OwnRun(_peak_viral_load_day),
    "vaccine_igg_half_life_months_1_to_12": OwnRun(
        lambda: _igg_half_life_two_point(CALENDAR_MONTH_DAYS, 12 * CALENDAR_MONTH_DAYS) / CALENDAR_MONTH_DAYS),
    "vaccine_igg_half_life_days_months_1_to_18": OwnRun(
        lambda: _igg_half_life_two_point(CALENDAR_MONTH_DAYS, 18 * CALENDAR_MONTH_DAYS)),
    "influenza_vaccine_igg_day28_ratio_80_to_25": OwnRun(lambda: _igg_day28(80) / _igg_day28(25)),
    "influenza_vaccine_seroconversion_ratio_60_80_to_18_60": OwnRun(
        lambda: influenza_seroconversion(60, 80) / influenza_seroconversion(18, 60)),
    "alemtuzumab_months_to_b_cells_100_per_uL": _months_to_reach("b_cells_per_uL", 100.0),
    "alemtuzumab_months_to_lymphocytes_1e9_per_L": _months_to_reach("lymphocytes_1e9_per_L", 1.0),
    "alemtuzumab_months_to_cd4_400_per_uL": _months_to_reach("cd4_per_uL", 400.0),
    "alemtuzumab_months_to_cd8_200_per_uL": _months_to_reach("cd8_per_uL", 200.0),
    "hepatitis_b_igg_ratio_0_1_6_to_0_1_3_months": OwnRun(lambda: _hepb_series_ratio(6)),
    "hepatitis_b_igg_ratio_0_1_12_to_0_1_3_months": OwnRun(lambda: _hepb_series_ratio(12)),
    "hepatitis_b_igg_ratio_3_to_2_doses_year_12": OwnRun(_hepb_persistence_ratio),
}
