"""Per-cycle endpoints of a chemotherapy course of two or more cycles: each cycle's ANC nadir, its day counted from
the cycle's first dose and the days of grade 4 neutropenia in it; the cycles a dose rule delayed or reduced; and
each drug's relative dose intensity. What Friberg-type papers and the drug labels report by cycle (cycle-1 nadir,
time to nadir, duration of grade 4 neutropenia): the run's nadir of a three-cycle docetaxel cohort fell in cycle 3 for
most patients (median day 50.5; report36), which is not what a reader means by "the ANC nadir day".

The cycles are the run's (:func:`hemasim.endpoints.chemotherapy_cycle_plan`), each patient's on his own timeline after
a delay (:func:`hemasim.endpoints.chemotherapy_cycle_starts`): one reading for the single run's per-cycle rows and a
cohort's endpoints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from hemasim.endpoints import (
    DID_NOT_FALL,
    NADIR_FALL,
    chemotherapy_cycle_plan,
    chemotherapy_cycle_starts,
    chemotherapy_doses,
    cycle_days_below,
    cycle_nadirs,
)
from hemasim.interventions.base import EndpointColumn, EndpointContext, EndpointFamily

if TYPE_CHECKING:
    from hemasim.scenario import Scenario

__all__ = ["CycleEndpoints", "cycle_endpoints"]

ANC = "anc_1e9_per_L"
#: CTCAE v5 grade 4 neutropenia, ANC < 0.5e9/L (as the run's ``days_anc_below_0p5``)
GRADE4_ANC = 0.5


def cycle_nadir_name(k: int) -> str:
    return f"anc_nadir_cycle{k}"


def cycle_nadir_day_name(k: int) -> str:
    return f"anc_nadir_day_cycle{k}"


def cycle_grade4_name(k: int) -> str:
    return f"days_anc_below_0p5_cycle{k}"


def cycle_delayed_name(k: int) -> str:
    return f"chemotherapy_cycle{k}_delayed"


def cycle_reduced_name(k: int) -> str:
    return f"chemotherapy_cycle{k}_dose_reduced"


def rdi_name(drug: str) -> str:
    return f"{drug}_relative_dose_intensity"


#: unit of a nadir's day counted from the cycle's first dose: "day" would read as a day of the run
CYCLE_DAY_UNIT = "day of the cycle"
_NOT_GIVEN = "none for a cycle not given within the run (delays pushed it past the run's end)"


class CycleEndpoints(EndpointFamily):
    """The per-cycle endpoints of the scenario's chemotherapy (:func:`cycle_endpoints`: two or more cycles)."""

    def __init__(self, n_cycles: int, drugs: Sequence[str], delays: bool, reductions: bool,
                 plan: Mapping[str, tuple[list[float], float]], scenario: Scenario) -> None:
        self.n_cycles = n_cycles
        self.drugs = list(drugs)
        self.delays, self.reductions = delays, reductions  # the columns of a rule the scenario has
        self.plan = dict(plan)  # drug -> (its planned cycle starts, its cycle length, days)
        self.scenario = scenario

    def observables(self, available: Sequence[str]) -> list[str]:
        return [ANC] if ANC in available else []

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        n, log = ctx.n_patients, ctx.administrations
        starts = chemotherapy_cycle_starts(self.scenario, log, n)
        out: list[EndpointColumn] = []
        if ANC in obs:
            low, day, fallen = cycle_nadirs(times, obs[ANC], starts)
            grade4 = cycle_days_below(times, obs[ANC], starts, GRADE4_ANC)
            for j in range(self.n_cycles):
                k = j + 1
                out += [
                    EndpointColumn(cycle_nadir_name(k), "1e9/L", f"lowest {ANC} in chemotherapy cycle {k}, from its "
                                   f"first dose to the next cycle's (or the run's end); {_NOT_GIVEN}", low[:, j]),
                    EndpointColumn(cycle_nadir_day_name(k), CYCLE_DAY_UNIT, f"day of the ANC nadir of cycle {k}, "
                                   f"counted from the cycle's first dose (day 0; the time to nadir); none when the "
                                   f"count never fell more than {100 * NADIR_FALL:g}% below its value on that day, "
                                   f"or the cycle was not given within the run",
                                   np.where(fallen[:, j], day[:, j], np.nan)),
                    EndpointColumn(f"{cycle_nadir_day_name(k)}{DID_NOT_FALL}", "flag", f"1 when the ANC never fell "
                                   f"in cycle {k} (no nadir day), else 0",
                                   (~fallen[:, j] & ~np.isnan(low[:, j])).astype(np.float64)),
                    EndpointColumn(cycle_grade4_name(k), "day", f"days with {ANC} < {GRADE4_ANC:g} in cycle {k} "
                                   f"(CTCAE grade 4 neutropenia; from its first dose to the next cycle's, or the "
                                   f"run's end); {_NOT_GIVEN}", grade4[:, j]),
                ]
        out += self._rule_columns(log, n, starts)
        out += [EndpointColumn(rdi_name(drug), "fraction", self._rdi_definition(drug), self._rdi(drug, log, n))
                for drug in self.drugs]
        return out

    def _rule_columns(self, log: Sequence[Mapping[str, object]], n: int, starts: np.ndarray) -> list[EndpointColumn]:
        """Per cycle, 1 where a dose rule delayed it (at least once) and where its dose was reduced (below the full
        dose; none for a cycle not given)."""
        cycles = chemotherapy_cycle_plan(self.scenario)
        delayed = np.zeros((n, self.n_cycles))
        reduced = np.where(np.isnan(starts), np.nan, 0.0)
        drugs = set(self.drugs)
        for a in log:
            if a.get("drug") not in drugs:
                continue
            cycle = np.broadcast_to(np.asarray(a.get("cycle", 1), dtype=np.int64), (n,))
            planned = np.broadcast_to(np.asarray(a["planned_ug"], dtype=np.float64), (n,))
            given = np.broadcast_to(np.asarray(a.get("given_ug", 0.0), dtype=np.float64), (n,))
            if str(a["action"]).startswith("delayed"):
                hit = planned > 0
                target = delayed
            elif a["action"] == "given":
                hit = (given > 0) & (given < planned * (1 - 1e-9))
                target = reduced
            else:
                continue
            for i in np.flatnonzero(hit):
                j = cycles.get((str(a["drug"]), int(cycle[i])))
                if j is not None:
                    target[i, j] = 1.0
        out = []
        for j in range(self.n_cycles):
            k = j + 1
            if self.delays:
                out.append(EndpointColumn(cycle_delayed_name(k), "flag", f"1 when a dose rule delayed chemotherapy "
                                          f"cycle {k} (at least once), else 0", delayed[:, j]))
            if self.reductions:
                out.append(EndpointColumn(cycle_reduced_name(k), "flag", f"1 when chemotherapy cycle {k} was given "
                                          f"below its full dose (a dose rule's reduction, in this cycle or an "
                                          f"earlier one), else 0; {_NOT_GIVEN}", reduced[:, j]))
        return out

    def _rdi_definition(self, drug: str) -> str:
        return (f"relative dose intensity of {drug}: its delivered dose intensity (dose given / time from the first "
                f"cycle's start to the end of the last cycle given, a cycle's length after its start) over the "
                f"planned one (the full doses of every planned cycle / the planned time); delays and reductions lower "
                f"it, a course the run's end cuts short does not (Longo 1991, J Clin Oncol 9:2042: per patient, "
                f"over the actual course)")

    def _rdi(self, drug: str, log: Sequence[Mapping[str, object]], n: int) -> np.ndarray:
        """Per patient: (mg given / actual course time) / (full mg of the planned cycles / planned course time)."""
        planned_starts, length = self.plan[drug]
        doses = [a for a in chemotherapy_doses(self.scenario, log) if a["drug"] == drug]
        given, full_dose = np.zeros(n), np.full(n, np.nan)
        first, last = np.full(n, np.inf), np.full(n, -np.inf)
        starts_by_cycle: dict[int, np.ndarray] = {}
        for a in doses:
            g = np.broadcast_to(np.asarray(a["given_ug"], dtype=np.float64), (n,))
            p = np.broadcast_to(np.asarray(a["planned_ug"], dtype=np.float64), (n,))
            cycle = np.broadcast_to(np.asarray(a.get("cycle", 1), dtype=np.int64), (n,))
            on = g > 0
            given += np.where(on, g, 0.0)
            full_dose = np.where(on & np.isnan(full_dose), p, full_dose)  # the full dose of one administration
            for c in np.unique(cycle[on]):  # each cycle's first dose day, per patient
                day = np.where(on & (cycle == c), float(a["day"]), np.inf)
                starts_by_cycle[int(c)] = np.minimum(starts_by_cycle.get(int(c), np.full(n, np.inf)), day)
        for day in starts_by_cycle.values():
            first = np.minimum(first, day)
            last = np.maximum(last, np.where(np.isfinite(day), day, -np.inf))
        doses_per_cycle = self.plan_doses_per_cycle(drug)
        planned_total = full_dose * doses_per_cycle * len(planned_starts)
        planned_time = planned_starts[-1] - planned_starts[0] + length
        actual_time = last - first + length
        with np.errstate(invalid="ignore", divide="ignore"):
            rdi = (given / actual_time) / (planned_total / planned_time)
        return np.where(np.isfinite(rdi) & (given > 0), rdi, np.nan)

    def plan_doses_per_cycle(self, drug: str) -> int:
        from hemasim.interventions.chemotherapy import ChemotherapySpec
        from hemasim.interventions.dosed import dosed_interventions, drug_set_of

        for iv in dosed_interventions(self.scenario.interventions):
            if isinstance(iv, ChemotherapySpec) and drug_set_of(iv.drug_set).drug == drug:
                return len(iv.schedule.days_in_cycle) if iv.schedule.days is None else 1
        return 1

    def units(self) -> dict[str, str]:
        units: dict[str, str] = {}
        for k in range(1, self.n_cycles + 1):
            units.update({cycle_nadir_name(k): "1e9/L", cycle_nadir_day_name(k): CYCLE_DAY_UNIT,
                          f"{cycle_nadir_day_name(k)}{DID_NOT_FALL}": "flag", cycle_grade4_name(k): "day"})
            if self.delays:
                units[cycle_delayed_name(k)] = "flag"
            if self.reductions:
                units[cycle_reduced_name(k)] = "flag"
        units.update({rdi_name(d): "fraction" for d in self.drugs})
        return units


def cycle_endpoints(scenario: Scenario) -> CycleEndpoints | None:
    """The per-cycle endpoints of ``scenario``'s chemotherapy, or None for fewer than two cycles (the run's own
    endpoints are then the cycle's)."""
    from hemasim.interventions.chemotherapy import ChemotherapySpec
    from hemasim.interventions.dosed import dosed_interventions, drug_set_of

    cycles = chemotherapy_cycle_plan(scenario)
    n_cycles = max(cycles.values(), default=-1) + 1
    if n_cycles < 2:
        return None
    parts = [iv for iv in dosed_interventions(scenario.interventions) if isinstance(iv, ChemotherapySpec)]
    plan: dict[str, tuple[list[float], float]] = {}
    for iv in parts:
        starts = iv.schedule.cycle_starts()
        gaps = np.diff(starts)
        # a cycle's length: the schedule's every_days; of a list of days, the gap between them (the last one's)
        length = iv.schedule.every_days or (float(gaps[-1]) if len(gaps) else 0.0)
        plan.setdefault(drug_set_of(iv.drug_set).drug, (starts, float(length)))
    actions = {r.action for iv in parts for r in iv.rules}
    return CycleEndpoints(n_cycles, list(plan), "delay" in actions, "reduce" in actions, plan, scenario)
