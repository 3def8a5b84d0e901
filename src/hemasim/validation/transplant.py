"""Read-outs of transplantation (targets T1-T9, D3), each on a validation scenario (``scenarios/*.yaml``)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from hemasim.endpoints import DID_NOT_FALL, engraftment_days
from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.months import CALENDAR_MONTH_DAYS
from hemasim.validation.scenario_runs import cached_scenario_run, endpoints_of, scenario_run, value_after_graft

# High-dose melphalan and an autologous graft on day 2 (T5): the man of 30 in the file, the age varied as data;
# his state before conditioning is the same file without interventions, one day long.
_AUTO_GRAFT_DAY = 2.0
_AUTO = {age: cached_scenario_run("auto_hsct_melphalan", {"patient": {"age_years": age}}) for age in (30, 60)}
_AUTO_BASELINE_30 = cached_scenario_run("auto_hsct_melphalan", {"duration_days": 1, "interventions": []})


def _auto_value(age: int, observable: str, day_after_graft: float) -> float:
    return value_after_graft(_AUTO[age], observable, day_after_graft, _AUTO_GRAFT_DAY)


def _thymic_output_recovery_day100() -> float:
    """Thymic export 100 days after the graft over the same man's export before conditioning (age 30)."""
    return _auto_value(30, "thymic_output_per_day", 100.0) / float(
        _AUTO_BASELINE_30().observable("thymic_output_per_day")[0])


def _auto_ratio(observable: str, age: int, day: float, reference_age: int, reference_day: float) -> Readout:
    """``observable`` at (``age``, ``day`` after the graft) over the same at the reference age and day."""
    return OwnRun(lambda: _auto_value(age, observable, day) / _auto_value(reference_age, observable, reference_day))


# Myeloablative Cy/TBI and a PBSC graft on day 6 (T1, T2, T3, T6): the graft and the duration varied as data.
_HSCT_GRAFT_DAY = 6.0


def _hsct_run(cd34_per_kg: float, donor: str, days: float) -> Callable[[], Result]:
    return cached_scenario_run("cy_tbi_pbsc", {
        "duration_days": days, "interventions": {1: {"donor": donor, "cd34_per_kg": cd34_per_kg}}})


_ALLO_SHORT = {d: _hsct_run(d, "allogeneic", 120) for d in (0.5e6, 2e6, 5e6)}
_AUTO_SHORT = {d: _hsct_run(d, "autologous", 120) for d in (7.5e6, 11.5e6, 15e6)}
_AUTO_LABELS = {7.5e6: "7p5e6", 15e6: "15e6"}
_ALLO_LONG = _hsct_run(5e6, "allogeneic", 5 * 365.25 + 7)
# T7: two cord-blood units dosed by total nucleated cells (Barker 2005's median dose), same patient and conditioning
_DOUBLE_CORD_TNC = cached_scenario_run("cy_tbi_pbsc", {"interventions": {1: {
    "source": "double_cord_blood", "cd34_per_kg": None, "tnc_per_kg": 3.5e7}}})


def _endpoint(run: Callable[[], Result], name: str) -> float:
    """One endpoint of a run grafted on day 6; an engraftment whose count never fell counts as day 0, a recovery
    not reached as the end of the run (a lower bound)."""
    values = endpoints_of(run)
    value = values[name]
    if value is None and values.get(f"{name}{DID_NOT_FALL}") == 1.0:
        return 0.0
    return float(run().times[-1] - _HSCT_GRAFT_DAY) if value is None else float(value)


def _recovery_day(run: Callable[[], Result], observable: str, threshold: float, run_days: int) -> float:
    """First of ``run_days`` days with ``observable`` >= ``threshold`` after its post-graft fall below it (days
    after the graft); 0 when it never fell below, the end of the run (a lower bound) when it did not recover."""
    r = run()
    after = r.times >= _HSCT_GRAFT_DAY - 1e-9
    values = r.observable(observable)[after]
    if (values >= threshold).all():
        return 0.0
    day = engraftment_days(r.times[after] - _HSCT_GRAFT_DAY, values[None, :], threshold, run_days)[0]
    return float(r.times[-1] - _HSCT_GRAFT_DAY) if np.isnan(day) else float(day)


def _endpoint_difference(run: Callable[[], Result], reference: Callable[[], Result], name: str) -> Readout:
    return OwnRun(lambda: _endpoint(run, name) - _endpoint(reference, name))


def _half_normal_day(run: Callable[[], Result], lineage: str) -> float:
    """Day after the graft the lineage reaches half its normal count."""
    return _endpoint(run, f"{lineage}_50pct_normal_day")


def _half_normal_day_ratio(late: str, early: str) -> float:
    return _half_normal_day(_ALLO_LONG, late) / _half_normal_day(_ALLO_LONG, early)


_RECOVERY_ORDER = ("nk", "cd8", "b", "cd4")

# A child after Cy/TBI and a T-depleted marrow graft on day 6 (T4). "Normal" is half the reference count for age.
_TCD_CHILD = cached_scenario_run("tcd_child_marrow")


def _half_normal_months(run: Callable[[], Result], lineage: str) -> float:
    return _half_normal_day(run, lineage) / CALENDAR_MONTH_DAYS


def _cd4_cd8_inverted_until_months() -> float:
    """Last time (months after the graft) the child's CD4:CD8 ratio is below 1."""
    r = _TCD_CHILD()
    after = r.times >= _HSCT_GRAFT_DAY
    inverted = r.times[after][(r.observable("cd4_per_uL") < r.observable("cd8_per_uL"))[after]]
    return float((inverted.max() - _HSCT_GRAFT_DAY) / CALENDAR_MONTH_DAYS) if inverted.size else 0.0


def _cd4_cd8_ratio_month6() -> float:
    return (value_after_graft(_TCD_CHILD, "cd4_per_uL", 6 * CALENDAR_MONTH_DAYS, _HSCT_GRAFT_DAY)
            / value_after_graft(_TCD_CHILD, "cd8_per_uL", 6 * CALENDAR_MONTH_DAYS, _HSCT_GRAFT_DAY))


# An IL2RG-SCID infant given an unconditioned T-depleted marrow graft on day 7 (D3); the healthy infant of the
# same age is the same file with a healthy genotype and no intervention, one day long.
_SCID_GRAFT_DAY = 7.0
_SCID_UNCONDITIONED = cached_scenario_run("xscid_unconditioned")


def _scid_cd3_per_uL(months: float) -> Readout:
    return OwnRun(lambda: value_after_graft(_SCID_UNCONDITIONED, "cd3_per_uL", months * CALENDAR_MONTH_DAYS,
                                            _SCID_GRAFT_DAY))


def _scid_trec_per_naive_cd4_ratio_to_healthy() -> float:
    """TREC-like marker per naive CD4 cell a year after the graft over that of a healthy infant of the same age
    (near 1: the T cells are recent thymic emigrants, not expanded graft cells)."""
    r = _SCID_UNCONDITIONED()
    healthy = scenario_run("xscid_unconditioned",
                           {"patient": {"genotype": "healthy"}, "duration_days": 1, "interventions": []})
    per_cell = r.observable("trec_cd4_per_uL")[-1] / r.observable("naive_cd4_per_uL")[-1]
    return float(per_cell / (healthy.observable("trec_cd4_per_uL")[0] / healthy.observable("naive_cd4_per_uL")[0]))


def _hsct_readouts() -> dict[str, Readout]:
    engraftment, platelets = "neutrophil_engraftment_day", "platelet_engraftment_day"
    return {
        "allo_pbsc_neutrophil_engraftment_day_5e6": OwnRun(lambda: _endpoint(_ALLO_SHORT[5e6], engraftment)),
        "allo_pbsc_neutrophil_engraftment_day_2e6": OwnRun(lambda: _endpoint(_ALLO_SHORT[2e6], engraftment)),
        "allo_pbsc_neutrophil_engraftment_delay_2e6_vs_5e6_days": _endpoint_difference(
            _ALLO_SHORT[2e6], _ALLO_SHORT[5e6], engraftment),
        "allo_pbsc_platelet_engraftment_day_5e6": OwnRun(lambda: _endpoint(_ALLO_SHORT[5e6], platelets)),
        "double_cord_neutrophil_engraftment_day_tnc_3p5e7": OwnRun(lambda: _endpoint(_DOUBLE_CORD_TNC, engraftment)),
        **{f"auto_anc_1e9_recovery_day_{label}": OwnRun(functools.partial(
            _recovery_day, _AUTO_SHORT[dose], "anc_1e9_per_L", 1.0, 3)) for dose, label in _AUTO_LABELS.items()},
        **{f"auto_platelet_50_recovery_day_{label}": OwnRun(functools.partial(
            _recovery_day, _AUTO_SHORT[dose], "platelets_1e9_per_L", 50.0, 1)) for dose, label in _AUTO_LABELS.items()},
        **{f"auto_neutrophil_engraftment_day_{label}": OwnRun(functools.partial(_endpoint, _AUTO_SHORT[dose],
                                                                                engraftment))
           for dose, label in {**_AUTO_LABELS, 11.5e6: "11p5e6"}.items()},
        "auto_platelet_engraftment_day_11p5e6": OwnRun(lambda: _endpoint(_AUTO_SHORT[11.5e6], platelets)),
        "allo_pbsc_primary_graft_failure_0p5e6": OwnRun(lambda: _endpoint(_ALLO_SHORT[0.5e6], "primary_graft_failure")),
        "allo_pbsc_primary_graft_failure_5e6": OwnRun(lambda: _endpoint(_ALLO_SHORT[5e6], "primary_graft_failure")),
        "auto_platelet_engraftment_day_7p5e6": OwnRun(lambda: _endpoint(_AUTO_SHORT[7.5e6], platelets)),
        "auto_platelet_engraftment_day_15e6": OwnRun(lambda: _endpoint(_AUTO_SHORT[15e6], platelets)),
        "auto_platelet_engraftment_gap_7p5e6_vs_15e6_days": _endpoint_difference(
            _AUTO_SHORT[7.5e6], _AUTO_SHORT[15e6], platelets),
        "allo_pbsc_cd4_per_uL_day100": OwnRun(
            lambda: value_after_graft(_ALLO_LONG, "cd4_per_uL", 100.0, _HSCT_GRAFT_DAY)),
        **{f"allo_pbsc_50pct_normal_day_ratio_{late}_to_{early}": OwnRun(
            functools.partial(_half_normal_day_ratio, late, early))
           for early, late in zip(_RECOVERY_ORDER, _RECOVERY_ORDER[1:], strict=False)},
        **{f"allo_pbsc_{lineage}_50pct_normal_day": OwnRun(functools.partial(_half_normal_day, _ALLO_LONG, lineage))
           for lineage in _RECOVERY_ORDER},
    }


def _auto_and_child_readouts() -> dict[str, Readout]:
    auto: dict[str, Readout] = {
        "auto_hsct_thymic_output_ratio_day100_to_baseline_age30": OwnRun(_thymic_output_recovery_day100)}
    for o in ("naive_cd4_per_uL", "trec_cd4_per_uL"):
        auto[f"auto_hsct_{o}_ratio_day100_to_day7_age30"] = _auto_ratio(o, 30, 100.0, 30, 7.0)
        auto[f"auto_hsct_{o}_day100_ratio_60_to_30"] = _auto_ratio(o, 60, 100.0, 30, 100.0)
    return {
        **auto,
        **{f"tcd_child_{lineage}_50pct_normal_months": OwnRun(
            functools.partial(_half_normal_months, _TCD_CHILD, lineage)) for lineage in ("cd8", "b", "cd4")},
        "tcd_child_cd4_cd8_inverted_until_months": OwnRun(_cd4_cd8_inverted_until_months),
        "tcd_child_cd4_cd8_ratio_month6": OwnRun(_cd4_cd8_ratio_month6),
        "scid_unconditioned_cd3_per_uL_month6": _scid_cd3_per_uL(6),
        "scid_unconditioned_cd3_per_uL_month4": _scid_cd3_per_uL(4),
        "scid_unconditioned_trec_per_naive_cd4_ratio_to_healthy_month12": OwnRun(
            _scid_trec_per_naive_cd4_ratio_to_healthy),
    }


TRANSPLANT: dict[str, Readout] = {**_hsct_readouts(), **_auto_and_child_readouts()}
