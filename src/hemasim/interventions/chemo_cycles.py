"""Per-cycle endpoints of a chemotherapy course of two or more cycles: each cycle's ANC nadir, its day counted from
the cycle's first dose and the days of grade 4 neutropenia in it; the cycles a dose rule delayed or reduced; and
each drug's relative dose intensity. What Friberg-type papers and the drug labels report by cycle (cycle-1 nadir,
time to nadir, duration of grade 4 neutropenia): the run's nadir of a three-cycle docetaxel cohort fell in cycle 3 for
most patients (median day 50.5; report36), which is not what a reader means by "the ANC nadir day".

The cycles are the run's (:func:`hemasim.endpoints.chemotherapy_cycle_plan`), each patient's on his own timeline after
a delay (:func:`hemasim.endpoints.chemotherapy_cycle_starts`): one reading for the single run's per-cycle rows and a
cohort's endpoints."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hemasim.endpoints import (
    ANC_GRADE4_1E9_PER_L,
    AT_RUN_END,
    DID_NOT_FALL,
    NADIR_FALL,
    PLATELETS_GRADE3_1E9_PER_L,
    PLATELETS_GRADE4_1E9_PER_L,
    DaysBelow,
    chemotherapy_cycle_plan,
    chemotherapy_cycle_starts,
    chemotherapy_doses,
    cycle_below_at_run_end,
    cycle_days_below,
    cycle_nadirs,
    short_name,
)
from hemasim.interventions.base import EndpointColumn, EndpointContext, EndpointFamily, NotedColumn

if TYPE_CHECKING:
    from hemasim.interventions.chemotherapy import ChemotherapySpec
    from hemasim.scenario import Scenario

__all__ = ["CycleCountEndpoints", "CycleEndpoints", "cycle_count_endpoints", "cycle_endpoints"]

ANC = "anc_1e9_per_L"
PLATELETS = "platelets_1e9_per_L"
HB = "hemoglobin_g_per_dL"
#: CTCAE v5 grade 4 neutropenia, ANC < 0.5e9/L (as the run's ``days_anc_below_0p5``)
GRADE4_ANC = ANC_GRADE4_1E9_PER_L


@dataclass(frozen=True)
class CycleCount:
    """A count read by cycle: its observable, its word in a definition, its unit, the CTCAE thresholds whose days
    each cycle counts (value, label) and whether its nadir's day is read too."""

    observable: str
    word: str
    unit: str
    thresholds: tuple[tuple[float, str], ...]
    with_day: bool = True


#: The counts read by cycle, in order: the ANC (grade 4 days), the platelets (grade 3-4 and grade 4 days: what a
#: thrombocytopenia by cycle is told by; an oncologist read no platelet by cycle, cycle37) and the haemoglobin's
#: nadir alone (its fall over a course is slow: most cycles' lowest is where the next dose found it, which the
#: ``_at_run_end`` flag says). The thresholds are the run's own (hemasim.endpoints, CTCAE v5.0).
CYCLE_COUNTS: tuple[CycleCount, ...] = (
    CycleCount(ANC, "ANC", "1e9/L", ((ANC_GRADE4_1E9_PER_L, "CTCAE grade 4 neutropenia"),)),
    CycleCount(PLATELETS, "platelet count", "1e9/L",
               ((PLATELETS_GRADE3_1E9_PER_L, "CTCAE grade >= 3 thrombocytopenia"),
                (PLATELETS_GRADE4_1E9_PER_L, "CTCAE grade 4 thrombocytopenia"))),
    CycleCount(HB, "haemoglobin", "g/dL", (), with_day=False),
)


def cycle_nadir_name(k: int, observable: str = ANC) -> str:
    return f"{short_name(observable)}_nadir_cycle{k}"


def cycle_nadir_day_name(k: int, observable: str = ANC) -> str:
    return f"{short_name(observable)}_nadir_day_cycle{k}"


def cycle_days_below_name(k: int, observable: str, threshold: float) -> str:
    """``days_platelets_below_50_cycle2``: the run's ``days_*_below_*`` endpoint's name, of cycle k."""
    return f"{DaysBelow(observable, threshold, '').name}_cycle{k}"


def cycle_grade4_name(k: int) -> str:
    return cycle_days_below_name(k, ANC, GRADE4_ANC)


def cycle_delayed_name(k: int) -> str:
    return f"chemotherapy_cycle{k}_delayed"


def cycle_reduced_name(k: int) -> str:
    return f"chemotherapy_cycle{k}_dose_reduced"


def rdi_name(drug: str) -> str:
    return f"{drug}_relative_dose_intensity"


#: unit of a nadir's day counted from the cycle's first dose: "day" would read as a day of the run
CYCLE_DAY_UNIT = "day of the cycle"
_NOT_GIVEN = "none for a cycle not given within the run (delays pushed it past the run's end)"
#: a course of more than ALL_CYCLES cycles gets the endpoints of its first FIRST_CYCLES and its last only: 20 weekly
#: doses made 121 per-cycle columns and a 100-cycle course 600, which filled a sensitivity ranking's plot (review36e).
#: Eight keeps every cycle of the shipped regimens (AC-T: 4 + 4); the first cycles are what the papers and labels
#: report (cycle 1's nadir), the last shows where the course ends up
ALL_CYCLES = 8
FIRST_CYCLES = 6


def listed_cycles(n_cycles: int) -> list[int]:
    """The cycles (from 1) with per-cycle endpoints: every one of a course of up to :data:`ALL_CYCLES`, else the
    first :data:`FIRST_CYCLES` and the last."""
    return list(range(1, n_cycles + 1)) if n_cycles <= ALL_CYCLES else [*range(1, FIRST_CYCLES + 1), n_cycles]


#: A per-cycle endpoint whose missing value means the cycle was not given within the run (the cohort summary's
#: ``no_value_note``), not "not reached".
NotGivenColumn = functools.partial(NotedColumn, note=_NOT_GIVEN)


class CycleEndpoints(EndpointFamily):
    """The per-cycle endpoints of the scenario's chemotherapy (:func:`cycle_endpoints`: two or more cycles)."""

    def __init__(self, n_cycles: int, drugs: Sequence[str], delays: bool, reductions: bool, scenario: Scenario) -> None:
        self.n_cycles = n_cycles
        self.cycles = listed_cycles(n_cycles)
        self.drugs = list(drugs)
        self.delays, self.reductions = delays, reductions  # the columns of a rule the scenario has
        self.scenario = scenario

    def observables(self, available: Sequence[str]) -> list[str]:
        return [ANC] if ANC in available else []

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        n, log = ctx.n_patients, ctx.administrations
        starts = chemotherapy_cycle_starts(self.scenario, log, n)
        out: list[EndpointColumn] = []
        if ANC in obs:
            out += count_columns(CYCLE_COUNTS[0], self.cycles, times, obs[ANC], starts)
        out += self._rule_columns(log, n, starts)
        out += [EndpointColumn(rdi_name(drug), "fraction", self._rdi_definition(drug),
                               self._rdi(drug, log, n, float(times[-1]), ctx))
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
                j = cycles.get((str(a["drug"]), int(a.get("block", 0)), int(cycle[i])))  # type: ignore[call-overload]
                if j is not None:
                    target[i, j] = 1.0
        out: list[EndpointColumn] = []
        for k in self.cycles:
            j = k - 1
            if self.delays:
                out.append(EndpointColumn(cycle_delayed_name(k), "flag", f"1 when a dose rule delayed chemotherapy "
                                          f"cycle {k} (at least once), else 0", delayed[:, j]))
            if self.reductions:
                out.append(NotGivenColumn(cycle_reduced_name(k), "flag", f"1 when chemotherapy cycle {k} was given "
                                          f"below its full dose (a dose rule's reduction, in this cycle or an "
                                          f"earlier one), else 0; {_NOT_GIVEN}", reduced[:, j]))
        return out

    def _rdi_definition(self, drug: str) -> str:
        return (f"relative dose intensity of {drug}: its delivered dose intensity (dose given / time from the first "
                f"cycle's start to the end of the last cycle given, a cycle's length after its start, or to the run's "
                f"end while a cycle due in the run was still to come) over the planned one (the full doses of every "
                f"cycle of every block of the drug planned to start within the run / the time from the first planned "
                f"start to the end of the last of them); delays and reductions lower it, and so does a delay that "
                f"pushes a cycle past the run's end (Longo 1991, J Clin Oncol 9:2042: per patient, over the actual "
                f"course; a cycle's end one cycle length after its start is assumed here)")

    def _rdi(self, drug: str, log: Sequence[Mapping[str, object]], n: int, end_day: float,
             ctx: EndpointContext) -> np.ndarray:
        """Per patient: (mg given / actual course time) / (full mg of the planned cycles due in the run / planned
        course time), over every block of the drug (two blocks of docetaxel, 100 then 75 mg/m2, read 1.75: the
        second block's doses over the first's plan; review36e)."""
        from hemasim.interventions.chemotherapy import ChemotherapySpec
        from hemasim.interventions.dosed import dosed_interventions, drug_set_of

        doses = [a for a in chemotherapy_doses(self.scenario, log) if a["drug"] == drug]
        planned_total = np.zeros(n)
        due_first, due_end = np.inf, -np.inf
        n_due = 0
        block = -1
        for iv in dosed_interventions(self.scenario.interventions):
            if not isinstance(iv, ChemotherapySpec) or drug_set_of(iv.drug_set).drug != drug:
                continue
            block += 1
            starts = iv.schedule.cycle_starts()
            length = _cycle_length(starts, iv.schedule.every_days)
            due = [s for s in starts if s <= end_day]  # the cycles planned to start within the run
            per_cycle = len(iv.schedule.days_in_cycle) if iv.schedule.days is None else 1
            full = self._full_dose(iv, block, doses, n, ctx)
            planned_total = planned_total + full * per_cycle * len(due)
            n_due += len(due)
            if due:
                due_first, due_end = min(due_first, due[0]), max(due_end, due[-1] + length)
        given, first, last = np.zeros(n), np.full(n, np.inf), np.full(n, -np.inf)
        log = doses
        n_given = np.zeros(n)
        length_of = {(d, b): ln for d, b, _, ln in _parts(self.scenario)}
        seen: set[tuple[int, int, int]] = set()
        for a in log:
            g = np.broadcast_to(np.asarray(a["given_ug"], dtype=np.float64), (n,))
            cycle = np.broadcast_to(np.asarray(a.get("cycle", 1), dtype=np.int64), (n,))
            block = int(a.get("block", 0))
            on = g > 0
            given += np.where(on, g, 0.0)
            day = float(a["day"])
            first = np.where(on, np.minimum(first, day), first)
            for i in map(int, np.flatnonzero(on)):  # a cycle's first dose (the log runs in time): it ends a length later
                if (i, block, int(cycle[i])) not in seen:
                    seen.add((i, block, int(cycle[i])))
                    n_given[i] += 1
                    last[i] = max(last[i], day + length_of.get((drug, block), 0.0))
        # a cycle due in the run but not given (pushed past its end): the course ran on to the run's end at least
        last = np.where(n_given < n_due, np.maximum(last, end_day), last)
        planned_time = due_end - due_first
        actual_time = last - first
        with np.errstate(invalid="ignore", divide="ignore"):
            rdi = (given / actual_time) / (planned_total / planned_time)
        return np.where(np.isfinite(rdi) & (given > 0), rdi, np.nan)

    @staticmethod
    def _full_dose(iv: ChemotherapySpec, block: int, doses: Sequence[Mapping[str, object]], n: int,
                   ctx: EndpointContext) -> np.ndarray:
        """Per patient, the full dose (ug) of one administration of the drug's block ``block``: the log's planned
        dose of its first dose given, else (a block not given within the run) the intervention's for the patients'
        covariates (NaN without them)."""
        full = np.full(n, np.nan)
        for a in doses:
            if int(a.get("block", 0)) != block:  # type: ignore[call-overload]
                continue
            g = np.broadcast_to(np.asarray(a["given_ug"], dtype=np.float64), (n,))
            p = np.broadcast_to(np.asarray(a["planned_ug"], dtype=np.float64), (n,))
            full = np.where(np.isnan(full) & (g > 0), p, full)
        if np.isnan(full).any() and ctx.covariates is not None:
            full = np.where(np.isnan(full), np.broadcast_to(np.asarray(iv.amount_ug(ctx.covariates),
                                                                       dtype=np.float64), (n,)), full)
        return full

    def units(self) -> dict[str, str]:
        units = count_units(CYCLE_COUNTS[0], self.cycles)
        for k in self.cycles:
            if self.delays:
                units[cycle_delayed_name(k)] = "flag"
            if self.reductions:
                units[cycle_reduced_name(k)] = "flag"
        units.update({rdi_name(d): "fraction" for d in self.drugs})
        return units


class CycleCountEndpoints(EndpointFamily):
    """The per-cycle endpoints of one count other than the ANC (:data:`CYCLE_COUNTS`: the platelets, the
    haemoglobin): a family of its own, so that a run that kept the ANC alone (``observe=``) keeps the ANC's, the
    dose rules' and the RDI columns as before."""

    def __init__(self, count: CycleCount, n_cycles: int, scenario: Scenario) -> None:
        self.count = count
        self.cycles = listed_cycles(n_cycles)
        self.scenario = scenario

    def observables(self, available: Sequence[str]) -> list[str]:
        return [self.count.observable] if self.count.observable in available else []

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        if self.count.observable not in obs:
            return []
        starts = chemotherapy_cycle_starts(self.scenario, ctx.administrations, ctx.n_patients)
        return count_columns(self.count, self.cycles, times, obs[self.count.observable], starts)

    def units(self) -> dict[str, str]:
        return count_units(self.count, self.cycles)


def count_columns(count: CycleCount, cycles: Sequence[int], times: np.ndarray, v: np.ndarray, starts: np.ndarray
                  ) -> list[EndpointColumn]:
    """Per cycle of ``cycles`` (from 1), ``count``'s nadir (and its cut-short flag), its day in the cycle (and its flags) and its
    days below each threshold: one rule for every count, the ANC's (cohortrep36, mend36e)."""
    obs, word = count.observable, count.word
    low, day, fallen, falling = cycle_nadirs(times, v, starts)
    below = [(t, label, cycle_days_below(times, v, starts, t), cycle_below_at_run_end(times, v, starts, t))
             for t, label in count.thresholds]
    given = ~np.isnan(low)
    out: list[EndpointColumn] = []
    for k in cycles:
        j = k - 1
        at_end = (given[:, j] & falling[:, j]).astype(np.float64)  # 0 where not given: a share of all
        nadir, nadir_day = cycle_nadir_name(k, obs), cycle_nadir_day_name(k, obs)
        out += [
            NotGivenColumn(nadir, count.unit, f"lowest {obs} in chemotherapy cycle {k}, from its first dose to "
                           f"the patient's next cycle's (or the run's end); where the count was still falling "
                           f"then, the lowest so far, no nadir ({nadir}{AT_RUN_END}); {_NOT_GIVEN}", low[:, j]),
            EndpointColumn(f"{nadir}{AT_RUN_END}", "flag", f"1 when the {word} was still falling at the "
                           f"cycle's end (the next cycle's first dose or the run's end) in cycle {k}: its lowest "
                           f"value is no nadir (the name's 'run end' means either end); else 0 (and for a cycle not "
                           f"given)", at_end),
        ]
        if count.with_day:
            out += [
                EndpointColumn(nadir_day, CYCLE_DAY_UNIT, f"day of the {word} nadir of cycle {k}, counted from "
                               f"the cycle's first dose (day 0; the time to nadir); none when the count never "
                               f"fell more than {100 * NADIR_FALL:g}% below its value on that day, or the cycle "
                               f"was not given within the run; where it was still falling at the cycle's end, "
                               f"the day of its lowest value so far", np.where(fallen[:, j], day[:, j], np.nan)),
                EndpointColumn(f"{nadir_day}{AT_RUN_END}", "flag", f"1 when the {word} was still falling at the "
                               f"cycle's end (the next cycle's first dose or the run's end) in cycle {k}: the day is "
                               f"of its lowest value so far; else 0 (and for a cycle not given)", at_end),
                NotGivenColumn(f"{nadir_day}{DID_NOT_FALL}", "flag", f"1 when the {word} never fell in cycle "
                               f"{k} (no nadir day), else 0; {_NOT_GIVEN}",
                               np.where(given[:, j], (~fallen[:, j]).astype(np.float64), np.nan)),
            ]
        for t, label, days, cut in below:
            name = cycle_days_below_name(k, obs, t)
            out += [NotGivenColumn(name, "day", f"days with {obs} < {t:g} in cycle {k} ({label}; from its first dose "
                                   f"to the patient's next cycle's, or the run's end: at least this many where the "
                                   f"count was still below {t:g} then, {name}{AT_RUN_END}); {_NOT_GIVEN}", days[:, j]),
                    EndpointColumn(f"{name}{AT_RUN_END}", "flag", f"1 when the {word} was still below {t:g} at the "
                                   f"run's end within cycle {k} (its last cycle, cut short: at least these days), "
                                   f"else 0 (and for a cycle not given)", cut[:, j])]
    return out


def count_units(count: CycleCount, cycles: Sequence[int]) -> dict[str, str]:
    """The units of :func:`count_columns`' columns."""
    obs = count.observable
    units: dict[str, str] = {}
    for k in cycles:
        units.update({cycle_nadir_name(k, obs): count.unit, f"{cycle_nadir_name(k, obs)}{AT_RUN_END}": "flag"})
        if count.with_day:
            units.update({cycle_nadir_day_name(k, obs): CYCLE_DAY_UNIT, f"{cycle_nadir_day_name(k, obs)}{AT_RUN_END}":
                          "flag", f"{cycle_nadir_day_name(k, obs)}{DID_NOT_FALL}": "flag"})
        for t, _ in count.thresholds:
            units.update({cycle_days_below_name(k, obs, t): "day", f"{cycle_days_below_name(k, obs, t)}{AT_RUN_END}":
                          "flag"})
    return units


def _cycle_length(starts: Sequence[float], every_days: float | None) -> float:
    """A cycle's length, days: the schedule's every_days; of a list of days, the gap to the next (the last one's)."""
    gaps = np.diff(starts)
    return float(every_days or (gaps[-1] if len(gaps) else 0.0))


def _parts(scenario: Scenario) -> list[tuple[str, int, list[float], float]]:
    from hemasim.endpoints import chemotherapy_blocks

    return chemotherapy_blocks(scenario)


def cycle_endpoints(scenario: Scenario) -> CycleEndpoints | None:
    """The per-cycle endpoints of ``scenario``'s chemotherapy, or None for fewer than two cycles (the run's own
    endpoints are then the cycle's) or two drugs at once on different schedules
    (:func:`hemasim.endpoints.chemotherapy_cycle_problem`: the report says why)."""
    from hemasim.interventions.chemotherapy import ChemotherapySpec
    from hemasim.interventions.dosed import dosed_interventions, drug_set_of

    cycles = chemotherapy_cycle_plan(scenario)
    n_cycles = max(cycles.values(), default=-1) + 1
    if n_cycles < 2:
        return None
    parts = [iv for iv in dosed_interventions(scenario.interventions) if isinstance(iv, ChemotherapySpec)]
    drugs = list(dict.fromkeys(drug_set_of(iv.drug_set).drug for iv in parts))
    actions = {r.action for iv in parts for r in iv.rules}
    return CycleEndpoints(n_cycles, drugs, "delay" in actions, "reduce" in actions, scenario)


def cycle_count_endpoints(scenario: Scenario) -> list[CycleCountEndpoints]:
    """The per-cycle endpoints of the platelets and the haemoglobin (:data:`CYCLE_COUNTS` after the ANC), where
    :func:`cycle_endpoints` has the ANC's (two or more cycles on one grid); a model without the count has none."""
    n_cycles = max(chemotherapy_cycle_plan(scenario).values(), default=-1) + 1
    return [CycleCountEndpoints(c, n_cycles, scenario) for c in CYCLE_COUNTS[1:]] if n_cycles >= 2 else []
