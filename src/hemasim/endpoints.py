"""Clinical read-outs of a simulated time series, with their standard definitions.

Each endpoint is an object (name, unit, definition) evaluated on a :class:`~hemasim.simulation.Result`.
Days are counted on the output grid: a duration is the number of output intervals whose value is
below the threshold times the interval length.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from hemasim.scenario import Scenario
    from hemasim.simulation import Result

    #: a table of endpoints, one column each: a DataFrame or columns by name
    EndpointTable: TypeAlias = pd.DataFrame | Mapping[str, Any]


#: significant digits an endpoint is written with (endpoints.json, the explorer): a value read off the solver's states
#: carries round-off in its last bits (a healthy run's ANC nadir 4.749999999999999 for its set point 4.75, a platelet
#: nadir 274.9999999999999); 15 digits, as many as every double keeps through decimal text, drop that and move no
#: value by more than 5e-15 of itself
WRITTEN_DIGITS = 15


def written_value(x: float) -> float:
    """``x`` as an output file writes it: to :data:`WRITTEN_DIGITS` significant digits (4.749999999999999 -> 4.75)."""
    return float(f"{x:.{WRITTEN_DIGITS}g}")


@dataclass(frozen=True)
class EndpointValue:
    name: str
    value: float | None  # None: not reached / not applicable (``note`` says which)
    unit: str
    definition: str
    note: str | None = None  # why there is no value: "did not fall" (the count never dropped), "not reached"
    #: what a value does not say by itself, in words ("still falling at the end of the run (day 21): ..."), and the
    #: same as flags for endpoints.json (``at_run_end``: true; ``fell_below_again_day``: 20): see :meth:`Endpoint.remark`
    caveat: str | None = None
    flags: tuple[tuple[str, object], ...] = ()

    def to_json(self) -> dict[str, object]:
        value = None if self.value is None else written_value(self.value)
        out: dict[str, object] = {"value": value, "unit": self.unit, "definition": self.definition}
        if self.value is None and self.note:
            out["note"] = self.note
        if self.caveat:
            out.update(self.flags)
            out["caveat"] = self.caveat
        return out


@dataclass(frozen=True)
class Endpoint(ABC):
    """A clinical read-out of one observable. ``values`` works on many patients at once."""

    observable: str
    #: the suffixes of the flag columns :meth:`flag_columns` gives
    flag_suffixes: ClassVar[tuple[str, ...]] = ()
    #: whether :meth:`remark` reads the run's chemotherapy dose days (``dose_days``; the others get None)
    reads_doses: ClassVar[bool] = False

    @property
    @abstractmethod
    def name(self) -> str: ...

    @property
    @abstractmethod
    def unit(self) -> str: ...

    @property
    @abstractmethod
    def definition(self) -> str: ...

    @abstractmethod
    def values(self, times: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Endpoint of each row of ``v`` (patients x times); NaN where not reached."""

    def missing_reason(self, times: np.ndarray, v: np.ndarray) -> str:
        """Why a patient's value is NaN (``v`` one patient's series)."""
        return "not reached"

    def flag_columns(self, times: np.ndarray, v: np.ndarray, values: np.ndarray, dose_days: DoseDays = None
                     ) -> dict[str, np.ndarray]:
        """Per patient (rows of ``v``), what a value does not say by itself, as 1/0 columns by suffix
        (:data:`AT_RUN_END`, :data:`FELL_AGAIN`): a cohort's endpoint table carries them, its summary their shares.
        ``values``: :meth:`values` of the same series, which the cohort has computed (not computed again here);
        ``dose_days``: per patient, the days a chemotherapy dose was given (:func:`chemotherapy_dose_days`)."""
        return {}

    def remark(self, times: np.ndarray, v: np.ndarray, value: float, dose_days: DoseDays = None
               ) -> tuple[str, tuple[tuple[str, object], ...]] | None:
        """One patient's :attr:`EndpointValue.caveat` and flags for its ``value`` (``v`` its series; ``dose_days``
        as for :meth:`flag_columns`, one row), or None."""
        return None

    def evaluate(self, result: Result) -> EndpointValue:
        series = result.observable(self.observable)
        x = float(self.values(result.times, series[None, :])[0])
        if np.isnan(x):
            return EndpointValue(self.name, None, self.unit, self.definition, self.missing_reason(result.times, series))
        doses = (chemotherapy_dose_days(result.record.scenario, result.record.administrations) if self.reads_doses
                 else None)
        caveat, flags = self.remark(result.times, series, x, doses) or (None, ())
        return EndpointValue(self.name, x, self.unit, self.definition, caveat=caveat, flags=flags)


#: suffix of an endpoint family's flag column saying that an endpoint defined after a fall (engraftment) has no
#: value because the count never fell: ``<endpoint>_did_not_fall`` is 1 then (see :func:`evaluate_endpoints`)
DID_NOT_FALL = "_did_not_fall"

#: suffix of the flag column saying that an endpoint defined after a rise (the day of a response's peak, the day an
#: infection cleared) has no value because the curve never rose (no response; a virus never detectable)
DID_NOT_RISE = "_did_not_rise"

#: the note of an endpoint defined after a fall whose count never fell (its flag column is 1), as outputs carry it
DID_NOT_FALL_NOTE = "did not fall"

#: the note of an endpoint without a value whose flag column (by suffix) is 1
_FLAG_NOTES = {DID_NOT_FALL: DID_NOT_FALL_NOTE, DID_NOT_RISE: "did not rise"}

#: how a day of the run is counted, in the definitions of the endpoints that are one: beside the transplant
#: endpoints' "day after graft" a plain "day" (neutrophil_recovery_day 17 beside neutrophil_engraftment_day 11,
#: the same day after a day-6 graft) read as two different answers
RUN_DAY = "a day of the run, counted from its start"
#: a curve "fell" when its lowest value is this fraction below its first value: a flat curve has no nadir day
NADIR_FALL = 0.01


#: suffix of a flag column (1/0) saying that a read-out is cut short by the end of the run: a nadir (or its day) whose
#: count was still falling then (:func:`still_falling`), days below a threshold that the count was still below. After
#: 4 Gy every patient's "platelet nadir" fell on day 21 of a 21-day run (5-95%: 21-21; uxmend34)
AT_RUN_END = "_at_run_end"
#: suffix of a recovery day's flag column (1/0): the count fell below the threshold again after that day (with
#: on-demand filgrastim after 4 Gy the ANC recovered on day 14 and fell below 0.5 again on day 17: uxmend34,
#: docs/getting_started.md, tests/test_docs34.py)
FELL_AGAIN = "_fell_again"
#: suffix of a flag column (1/0): the flag's read-out is not yet decidable for this patient (the run ends before the
#: day it is decided on), so that a cohort's summary tells those apart from patients the flag does not apply to (not
#: engrafted) and gives no share while any is undecided (review36h)
UNDECIDED_SUFFIX = "_undecided"
#: which scenario field sets how long a run lasts, said wherever a read-out is cut short by its end
RUN_LONGER = "run longer to see it (duration_days sets the run's length)"

#: per patient, the days a chemotherapy dose was given (:func:`chemotherapy_dose_days`); None: not known (none)
DoseDays: TypeAlias = "Sequence[np.ndarray] | None"


def chemotherapy_dose_days(scenario: Scenario | None, administrations: Sequence[Mapping[str, Any]],
                           n_patients: int = 1) -> list[np.ndarray]:
    """Per patient, the sorted days a dose of ``scenario``'s chemotherapy (its ``chemotherapy`` interventions and
    the chemotherapy drugs of its combination regimens: :func:`chemotherapy_doses`, as
    ``key_results.chemotherapy_cycle_days`` reads them) was
    given, from the run's administration log (a cohort's: a dose given to the patients whose ``given_ug`` > 0; a
    delay moves a patient's days). Empty without a scenario or chemotherapy. G-CSF is not looked at."""
    days: list[list[float]] = [[] for _ in range(n_patients)]
    for a in chemotherapy_doses(scenario, administrations):
        given = np.broadcast_to(np.asarray(a["given_ug"], dtype=np.float64), (n_patients,))
        for i in np.flatnonzero(given > 0):
            days[i].append(float(a["day"]))
    return [np.array(sorted(d)) for d in days]


def chemotherapy_doses(scenario: Scenario | None, administrations: Sequence[Mapping[str, Any]]
                       ) -> list[Mapping[str, Any]]:
    """The entries of a run's administration log that are a dose of ``scenario``'s chemotherapy given: its
    ``chemotherapy`` interventions' drugs and the chemotherapy drugs of its combination regimens (G-CSF not); none
    without a scenario. What :func:`chemotherapy_dose_days` and ``report.key_results.chemotherapy_cycle_days`` read."""
    # the intervention kinds import this module: import them late (cycle)
    from hemasim.interventions.chemotherapy import ChemotherapySpec
    from hemasim.interventions.dosed import dosed_interventions, drug_set_of

    if scenario is None:
        return []
    drugs = {drug_set_of(iv.drug_set).drug for iv in dosed_interventions(scenario.interventions)
             if isinstance(iv, ChemotherapySpec)}
    return [a for a in administrations if a.get("drug") in drugs and a.get("action") == "given"]


#: the part of a day two planned cycle starts may differ by and be one day (float rounding of a regimen's offsets)
_SAME_DAY = 1e-6


def chemotherapy_blocks(scenario: Scenario, dosed: Sequence[tuple[Any, str]] | None = None
                        ) -> list[tuple[str, int, list[float], float]]:
    """Each chemotherapy block of ``scenario`` (a ``chemotherapy`` intervention, a regimen's drug in one phase), in
    order: (drug, its block among the drug's, from 0, as :func:`hemasim.assembly.build_events` numbers its regimen,
    its planned cycle starts, its cycle length, days: the schedule's every_days, of a list of days the last gap).
    ``dosed``: the scenario's dosed interventions with their drugs where the caller has read them (a regimen's file
    and its drug sets are read from disk at each look: the report's drug section reads them once)."""
    from hemasim.interventions.chemotherapy import ChemotherapySpec
    from hemasim.interventions.dosed import dosed_interventions, drug_set_of

    if dosed is None:
        dosed = [(iv, drug_set_of(iv.drug_set).drug) for iv in dosed_interventions(scenario.interventions)
                 if isinstance(iv, ChemotherapySpec)]
    out: list[tuple[str, int, list[float], float]] = []
    seen: dict[str, int] = {}
    for iv, drug in dosed:
        if not isinstance(iv, ChemotherapySpec):
            continue
        block = seen.get(drug, 0)
        seen[drug] = block + 1
        starts = [float(x) for x in iv.schedule.cycle_starts()]
        gaps = np.diff(starts)
        length = float(iv.schedule.every_days or (gaps[-1] if len(gaps) else 0.0))
        out.append((drug, block, starts, length))
    return out


@dataclass(frozen=True)
class CycleBlock:
    """Where a drug's cycle (as the administration log counts it, per regimen) stands in the run: the run's cycle
    (from 1, as the per-cycle endpoints number it: ``anc_nadir_cycle5``), its block (from 1: the drugs given together
    whose cycles follow one another, AC then docetaxel's two) and its cycle within the block (from 1, of
    ``block_cycles``), and the block's drugs."""

    run_cycle: int
    block: int
    cycle_in_block: int
    block_cycles: int
    drugs: tuple[str, ...]


_Layout: TypeAlias = "tuple[dict[tuple[str, int, int], int], list[float], str, dict[tuple[str, int, int], CycleBlock]]"


def _cycle_layout(scenario: Scenario | None, dosed: Sequence[tuple[Any, str]] | None = None) -> _Layout:
    """(drug, block, cycle as the log counts it from 1) -> the run's cycle (from 0); the run's cycles' planned first
    days; and why the run has no cycles of its own ('' where it has). The blocks whose planned courses overlap (a
    combination's drugs, a regimen phase's) make one course, whose cycle k is each block's cycle k: they must have
    as many cycles on one grid (the same gaps, first days less than a cycle apart: a regimen drug given on day 2 of
    each cycle); the courses follow one another. Two drugs on different schedules at once (docetaxel q21 with
    cyclophosphamide q14 from day 3) have no common cycle: the distinct first days made 7 "cycles" of 3 to 14 days,
    each cutting the other drug's (review36e), so the run gets none and the reason. Last, each key's
    :class:`CycleBlock` (the administration table's label)."""
    if scenario is None:
        return {}, [], "", {}
    parts = sorted(chemotherapy_blocks(scenario, dosed), key=lambda p: p[2][0])
    courses: list[list[tuple[str, int, list[float], float]]] = []
    end = -np.inf
    for part in parts:
        if courses and part[2][0] < end - _SAME_DAY:
            courses[-1].append(part)
        else:
            courses.append([part])
        end = max(end, part[2][-1] + part[3]) if len(courses[-1]) > 1 else part[2][-1] + part[3]
    plan: dict[tuple[str, int, int], int] = {}
    firsts: list[float] = []
    blocks: dict[tuple[str, int, int], CycleBlock] = {}
    for number, course in enumerate(courses, start=1):
        lead = course[0]
        for drug, _, starts, length in course[1:]:
            same = len(starts) == len(lead[2]) and np.allclose(np.diff(starts), np.diff(lead[2]), atol=_SAME_DAY)
            gap = min(np.diff(lead[2]), default=lead[3]) or np.inf
            if not same or starts[0] - lead[2][0] >= gap - _SAME_DAY:
                return {}, [], (f"{lead[0]} ({_course_text(lead[2], lead[3])}) and {drug} "
                                f"({_course_text(starts, length)}) are given at once on different schedules: a cycle "
                                "of one is no cycle of the other, so the run has no per-cycle endpoints (its own "
                                "nadir and days below stand for the whole course)"), {}
        drugs = tuple(dict.fromkeys(part[0] for part in course))
        for k in range(len(lead[2])):
            for drug, block, _, _ in course:
                plan[(drug, block, k + 1)] = len(firsts)
                blocks[(drug, block, k + 1)] = CycleBlock(len(firsts) + 1, number, k + 1, len(lead[2]), drugs)
            firsts.append(min(part[2][k] for part in course))
    return plan, firsts, "", blocks


def _course_text(starts: list[float], length: float) -> str:
    return (f"{len(starts)} cycle(s) every {length:g} d from day {starts[0]:g}" if len(starts) > 1 else
            f"one cycle on day {starts[0]:g}")


def is_per_cycle(endpoint: str) -> bool:
    """Is ``endpoint`` one of a chemotherapy's per-cycle endpoints (:mod:`hemasim.interventions.chemo_cycles`:
    ``anc_nadir_cycle3``, ``chemotherapy_cycle2_delayed``, their flags)?"""
    return re.search(r"_cycle\d+(_|$)", endpoint) is not None


def chemotherapy_cycle_plan(scenario: Scenario | None) -> dict[tuple[str, int, int], int]:
    """(drug, its block among the drug's blocks from 0 (the log's ``block``, absent for 0), its cycle number as the
    administration log counts it, from 1) -> the run's cycle (from 0) it belongs to (:func:`_cycle_layout`): the
    drugs of a combination given together make one cycle, a regimen's phases and the blocks of a drug follow one
    another (each block counts its cycles from 1: the same drug in two blocks logged two cycle 1s, the second
    overwriting the first; review36e). Empty without a scenario or chemotherapy, or where its drugs run on
    different schedules at once (:func:`chemotherapy_cycle_problem`)."""
    return _cycle_layout(scenario)[0]


def chemotherapy_cycle_problem(scenario: Scenario | None) -> str:
    """Why ``scenario``'s chemotherapy has no per-cycle endpoints though it has cycles (two drugs given at once on
    different schedules), or ''."""
    return _cycle_layout(scenario)[2]


def chemotherapy_cycle_blocks(scenario: Scenario | None, dosed: Sequence[tuple[Any, str]] | None = None
                              ) -> dict[tuple[str, int, int], CycleBlock]:
    """(drug, its block among the drug's from 0, its cycle as the administration log counts it, from 1) -> its
    :class:`CycleBlock`: the run's cycle the per-cycle endpoints give it and its block's own cycle number. Each
    regimen counts its cycles from 1, so the administration table numbered AC-T's docetaxel cycles 1-4 where the
    per-cycle endpoints call them cycles 5-8 (cycle37). Empty where :func:`chemotherapy_cycle_plan` is. ``dosed``:
    as :func:`chemotherapy_blocks` takes it."""
    return _cycle_layout(scenario, dosed)[3]


def chemotherapy_cycle_starts(scenario: Scenario | None, administrations: Sequence[Mapping[str, Any]],
                              n_patients: int = 1) -> np.ndarray:
    """(patients, the run's planned cycles: :func:`chemotherapy_cycle_plan`): the day each cycle began for each patient
    (its first chemotherapy dose given, a delay moving it), NaN for a cycle the patient was not given within the run
    (pushed past its end by delays). The one reading of a run's cycles: the single run's per-cycle rows and a
    cohort's per-cycle endpoints (:class:`hemasim.interventions.chemo_cycles.CycleEndpoints`)."""
    plan = chemotherapy_cycle_plan(scenario)
    out = np.full((n_patients, max(plan.values(), default=-1) + 1), np.nan)
    for a in chemotherapy_doses(scenario, administrations):
        given = np.broadcast_to(np.asarray(a["given_ug"], dtype=np.float64), (n_patients,))
        cycle = np.broadcast_to(np.asarray(a.get("cycle", 1), dtype=np.int64), (n_patients,))
        for i in np.flatnonzero(given > 0):
            k = plan.get((str(a["drug"]), int(a.get("block", 0)), int(cycle[i])))
            if k is not None:
                out[i, k] = np.fmin(out[i, k], float(a["day"]))
    return out


def _cycle_windows(starts: np.ndarray) -> np.ndarray:
    """(patients, cycles, 2): each cycle's first day and the patient's next later cycle start (inf: the run's end),
    NaN for a cycle not given. A patient's cycle reaches to his next cycle, on his own timeline after a delay; the
    next later start, not the next cycle's: a later regimen phase keeps its planned start while delays pile up in
    the earlier phase, so the cycles of a patient need not start in their order (the windows overlapped and the
    grade-4 days were counted twice; review36e). Of two cycles starting on one day the first gets no day."""
    n, k = starts.shape
    s = starts[:, :, None]
    other = starts[:, None, :]
    later = (other > s) | ((other == s) & (np.arange(k)[None, None, :] > np.arange(k)[None, :, None]))
    ends = np.where(later & ~np.isnan(other), other, np.inf).min(axis=2)
    return np.stack([starts, np.where(np.isnan(starts), np.nan, ends)], axis=2)


def cycle_nadirs(times: np.ndarray, v: np.ndarray, starts: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per patient (rows of ``v``) and cycle (columns of ``starts``: :func:`chemotherapy_cycle_starts`), the lowest
    value from the cycle's first dose to the next cycle's (or the run's end), its day counted from the cycle's first
    dose (day 0), whether the count fell in the cycle: its lowest more than :data:`NADIR_FALL` below its value
    on the cycle's first day (between the outputs around it), the run's nadir day's rule (:func:`fell`), and whether
    it was still falling when the cycle ended (the next dose or the run's end came before the count bottomed out:
    :func:`still_falling`'s rule on the cycle's values; a cycle-3 "nadir" on its day 6 of a run ending then read as
    one; review36e). NaN (and False) for a cycle not given, or with no output in it (an output interval longer than
    the cycle)."""
    v = np.asarray(v, dtype=np.float64)
    windows = _cycle_windows(starts)
    n, k = starts.shape
    low, day = np.full((n, k), np.nan), np.full((n, k), np.nan)
    fallen, falling = np.zeros((n, k), dtype=bool), np.zeros((n, k), dtype=bool)
    index = np.arange(len(times))
    for j in range(k):
        s, e = windows[:, j, 0], windows[:, j, 1]
        inside = (times[None, :] >= s[:, None]) & (times[None, :] < e[:, None])  # False where s is NaN
        some = inside.any(axis=1)
        lowest = np.argmin(np.where(inside, v, np.inf), axis=1)
        low[:, j] = np.where(some, v[np.arange(n), lowest], np.nan)
        day[:, j] = np.where(some, times[lowest] - s, np.nan)
        rows = np.flatnonzero(some)
        begin = _values_on_days(times, v[rows], s[rows])  # the count on the cycle's first day
        fallen[rows, j] = fell(np.stack([begin, low[rows, j]], axis=1))
        after = np.where(inside[rows] & (index[None, :] >= lowest[rows, None]), v[rows], -np.inf).max(axis=1)
        falling[rows, j] = fallen[rows, j] & _no_rise(begin, low[rows, j], after)
    return low, day, fallen, falling


def _values_on_days(times: np.ndarray, v: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Per row of ``v`` (N, T), its value on its own day (``days`` (N,), within the outputs), read as
    :func:`value_on_day` reads one day for every row (the output on it, else linear between the two either side)."""
    k = np.minimum(np.searchsorted(times, days - 1e-9), len(times) - 1)  # the first output at or after each day
    before = np.maximum(k - 1, 0)
    exact = (k == 0) | (np.abs(times[k] - days) <= 1e-9)
    gap = np.where(exact, 1.0, times[k] - times[before])
    w = np.where(exact, 1.0, (days - times[before]) / gap)
    rows = np.arange(len(days))
    return np.where(exact, v[rows, k], (1.0 - w) * v[rows, before] + w * v[rows, k])


def cycle_days_below(times: np.ndarray, v: np.ndarray, starts: np.ndarray, threshold: float) -> np.ndarray:
    """Per patient and cycle (as :func:`cycle_nadirs`), the days with ``v`` below ``threshold``, counted as
    :class:`DaysBelow` counts the run's (each output interval below by its start), so that a patient's cycles add up
    to the run's from his first cycle's start (the cycles' windows do not overlap); NaN for a cycle not given."""
    v = np.asarray(v, dtype=np.float64)
    windows = _cycle_windows(starts)
    below = (v[:, :-1] < threshold) * np.diff(times)[None, :]
    out = np.full(starts.shape, np.nan)
    for j in range(starts.shape[1]):
        s, e = windows[:, j, 0], windows[:, j, 1]
        inside = (times[None, :-1] >= s[:, None]) & (times[None, :-1] < e[:, None])
        out[:, j] = np.where(np.isnan(s), np.nan, (below * inside).sum(axis=1))
    return out


def cycle_below_at_run_end(times: np.ndarray, v: np.ndarray, starts: np.ndarray, threshold: float) -> np.ndarray:
    """Per patient and cycle (as :func:`cycle_days_below`), 1 where the run's end cut the cycle's days below
    ``threshold`` short: the cycle reaches the run's end (no later cycle began for the patient) and the count was
    still below ``threshold`` at its last output, so its days below are at least that many (the run-wide
    :class:`DaysBelow`'s flag, of the cycle; a cut-short last cycle read as complete; review37b); else 0, and 0 for a
    cycle not given."""
    v = np.asarray(v, dtype=np.float64)
    last = np.isinf(_cycle_windows(starts)[:, :, 1])  # False where not given (NaN)
    return (last & (v[:, -1] < threshold)[:, None]).astype(np.float64)


def still_falling(v: np.ndarray) -> np.ndarray:
    """Per patient (rows of ``v``): is the lowest value no nadir but where the count stood when the run ended? After
    it the count came back less than :data:`NADIR_FALL` (1%) of its fall from the start and of the lowest value itself.
    The docetaxel run's platelets fell from 261 to 219.579 on day 83.75 of 84 and stood at 219.580 on day 84
    (report24); a haemoglobin that dipped and came back 5% of its fall keeps its nadir, and so does an ANC that fell
    from 4.7 to 0.04 and doubled since (a rise of 1% of its fall: without the second bound 30% of a 4-Gy cohort's ANC
    nadirs on day 12-17 of a 21-day run read "still falling"; uxmend34)."""
    v = np.asarray(v, dtype=np.float64)
    lowest = np.argmin(v, axis=1)
    low = v[np.arange(v.shape[0]), lowest]
    after = np.where(np.arange(v.shape[1])[None, :] >= lowest[:, None], v, -np.inf).max(axis=1)
    return _no_rise(v[:, 0], low, after)


def _no_rise(first: np.ndarray, low: np.ndarray, after: np.ndarray) -> np.ndarray:
    """:func:`still_falling`'s rule from the first value, the lowest and the highest after it (a cycle's too)."""
    fall = first - low
    return (fall > 0) & (after - low < NADIR_FALL * np.minimum(fall, np.where(low > 0, low, fall)))


def fell(v: np.ndarray) -> np.ndarray:
    """Per patient (rows of ``v``): did the value ever fall ``NADIR_FALL`` below where it started?"""
    return v.min(axis=1) < (1.0 - NADIR_FALL) * v[:, 0]


def rose(v: np.ndarray) -> np.ndarray:
    """Per patient (rows of ``v``): did the value ever rise ``NADIR_FALL`` above where it started (from 0: above
    0)? A flat curve has no peak day."""
    return v.max(axis=1) > (1.0 + NADIR_FALL) * v[:, 0]


def _label(x: float) -> str:
    return f"{x:g}".replace(".", "p")


def short_name(observable: str) -> str:
    """An observable's name in its endpoints' names, without the unit: ``platelets_1e9_per_L`` -> ``platelets``."""
    return observable.rsplit("_", 3)[0]


class _CutShortByRunEnd(Endpoint):
    """A nadir's (or its day's) flags and caveat: cut short where the count was still falling when the run ended."""

    flag_suffixes = (AT_RUN_END,)

    def flag_columns(self, times: np.ndarray, v: np.ndarray, values: np.ndarray, dose_days: DoseDays = None
                     ) -> dict[str, np.ndarray]:
        return {AT_RUN_END: (fell(v) & still_falling(v)).astype(np.float64)}

    def remark(self, times: np.ndarray, v: np.ndarray, value: float, dose_days: DoseDays = None
               ) -> tuple[str, tuple[tuple[str, object], ...]] | None:
        row = np.asarray(v, dtype=np.float64)[None, :]
        if not (fell(row) & still_falling(row))[0]:
            return None
        return (f"still falling at the end of the run (day {float(times[-1]):g}): the lowest value so far, not a "
                f"nadir; {RUN_LONGER}", (("at_run_end", True),))


@dataclass(frozen=True)
class Nadir(_CutShortByRunEnd):
    unit_: str

    @property
    def name(self) -> str:
        return f"{short_name(self.observable)}_nadir"

    @property
    def unit(self) -> str:
        return self.unit_

    @property
    def definition(self) -> str:
        return f"lowest {self.observable} over the run"

    def values(self, times: np.ndarray, v: np.ndarray) -> np.ndarray:
        return v.min(axis=1)


@dataclass(frozen=True)
class DayOfNadir(_CutShortByRunEnd):
    @property
    def name(self) -> str:
        return f"{short_name(self.observable)}_nadir_day"

    unit = "day"

    @property
    def definition(self) -> str:
        # a count still falling when the run ends is lowest on its last days: the day says so, not a nadir; the
        # report's "no nadir within the run" beside platelets_nadir_day 84 read as a contradiction (firsthour27)
        return (f"first day on which {self.observable} is lowest over the run ({RUN_DAY}): at or near the run's "
                f"end when it is still falling then, not a nadir; none when it never fell more than "
                f"{100 * NADIR_FALL:g}% below its starting value")

    def values(self, times: np.ndarray, v: np.ndarray) -> np.ndarray:
        day = times[np.argmin(v, axis=1)].astype(np.float64)
        return np.where(fell(v), day, np.nan)

    def missing_reason(self, times: np.ndarray, v: np.ndarray) -> str:
        return "did not fall"


@dataclass(frozen=True)
class DaysBelow(Endpoint):
    flag_suffixes = (AT_RUN_END,)

    threshold: float
    label: str  # e.g. "CTCAE grade >= 3 neutropenia"

    @property
    def name(self) -> str:
        return f"days_{short_name(self.observable)}_below_{_label(self.threshold)}"

    unit = "day"

    @property
    def definition(self) -> str:
        return f"days with {self.observable} < {self.threshold:g} ({self.label})"

    def values(self, times: np.ndarray, v: np.ndarray) -> np.ndarray:
        dt = np.diff(times)
        return ((v[:, :-1] < self.threshold) * dt).sum(axis=1)

    def flag_columns(self, times: np.ndarray, v: np.ndarray, values: np.ndarray, dose_days: DoseDays = None
                     ) -> dict[str, np.ndarray]:
        return {AT_RUN_END: (np.asarray(v)[:, -1] < self.threshold).astype(np.float64)}

    def remark(self, times: np.ndarray, v: np.ndarray, value: float, dose_days: DoseDays = None
               ) -> tuple[str, tuple[tuple[str, object], ...]] | None:
        if not float(v[-1]) < self.threshold:
            return None
        return (f"still below {self.threshold:g} at the end of the run (day {float(times[-1]):g}): at least this many "
                f"days; {RUN_LONGER}", (("at_run_end", True),))


@dataclass(frozen=True)
class FirstSustainedDay(Endpoint):
    """First day of ``run_days`` consecutive days at or above ``threshold`` after the value was below it
    (engraftment-type definition). Not reached (NaN) when never below, or never recovered."""

    threshold: float
    run_days: int
    label: str
    flag_suffixes = (FELL_AGAIN,)
    reads_doses = True  # a second fall is read up to the next chemotherapy dose

    @property
    def name(self) -> str:
        return f"{self.label}_day"

    unit = "day"

    @property
    def definition(self) -> str:
        return (f"first of {self.run_days} consecutive days with {self.observable} >= {self.threshold:g}, "
                f"after it was below ({RUN_DAY})")

    def values(self, times: np.ndarray, v: np.ndarray) -> np.ndarray:
        first_day = np.floor(times[0] + 1e-9)
        return engraftment_days(times - first_day, v, self.threshold, self.run_days) + first_day

    def missing_reason(self, times: np.ndarray, v: np.ndarray) -> str:
        return "not reached" if bool((v < self.threshold).any()) else "did not fall"

    def fell_again_day(self, times: np.ndarray, v: np.ndarray, day: np.ndarray, dose_days: DoseDays = None
                       ) -> np.ndarray:
        """Per patient, the first output time after its recovery ``day`` (NaN: none) with the count below the
        threshold again, before the next chemotherapy dose given on or after that day (``dose_days``, per patient:
        :func:`chemotherapy_dose_days`; none: up to the run's end); NaN where it stayed at or above it, or has no
        recovery day. The recovery day is the first of a few days above, not a lasting recovery: with filgrastim
        after 4 Gy the ANC recovered on day 14 and fell below 0.5 again on day 17, after the on-demand course stopped
        at its 14 doses (uxmend34; tests/test_docs34.py). The next cycle's planned nadir is no such fall: read to the run's end, 51% of a q3w docetaxel
        cohort's patients were told "no lasting recovery" for the second cycle's nadir (review34)."""
        day = np.asarray(day, dtype=np.float64)
        nxt = _next_dose_on_or_after(day, dose_days)
        below = ((np.asarray(v) < self.threshold) & (times[None, :] > day[:, None])
                 & (times[None, :] < nxt[:, None]))
        return np.where(below.any(axis=1), times[np.argmax(below, axis=1)], np.nan)

    def flag_columns(self, times: np.ndarray, v: np.ndarray, values: np.ndarray, dose_days: DoseDays = None
                     ) -> dict[str, np.ndarray]:
        again = self.fell_again_day(times, v, values, dose_days)  # from the recovery days the cohort computed
        return {FELL_AGAIN: (~np.isnan(again)).astype(np.float64)}

    def remark(self, times: np.ndarray, v: np.ndarray, value: float, dose_days: DoseDays = None
               ) -> tuple[str, tuple[tuple[str, object], ...]] | None:
        again = float(self.fell_again_day(times, np.asarray(v)[None, :], np.array([value]), dose_days)[0])
        if np.isnan(again):
            return None
        # said neutrally: a fall before the next cycle may be the cycle's own (a second, later nadir) or a course
        # of G-CSF stopping too early (uxmend34's 4 Gy); the next cycle's own nadir is not counted
        nxt = float(_next_dose_on_or_after(np.array([value]), dose_days)[0])
        before = f", before the next cycle (day {nxt:g})" if np.isfinite(nxt) else ""
        return (f"fell below {self.threshold:g} again on day {again:g}{before}",
                (("fell_below_again_day", written_value(again)),))


def _next_dose_on_or_after(day: np.ndarray, dose_days: DoseDays) -> np.ndarray:
    """Per patient, the first chemotherapy dose day on or after its ``day`` (``dose_days`` per patient:
    :func:`chemotherapy_dose_days`); inf where there is none, or no day (NaN), or no dose days."""
    nxt = np.full(day.shape, np.inf)
    for i, d in enumerate(dose_days or ()):
        later = np.asarray(d, dtype=np.float64)
        later = later[later >= day[i]] if not np.isnan(day[i]) else later[:0]
        if later.size:
            nxt[i] = later.min()
    return nxt


@dataclass(frozen=True)
class FinalValue(Endpoint):
    unit_: str

    @property
    def name(self) -> str:
        return f"{self.observable.rsplit('_per_', 1)[0]}_final"

    @property
    def unit(self) -> str:
        return self.unit_

    @property
    def definition(self) -> str:
        return f"{self.observable} at the end of the run"

    def values(self, times: np.ndarray, v: np.ndarray) -> np.ndarray:
        return v[:, -1].astype(np.float64)


#: CTCAE v5.0 grade thresholds (NCI, Common Terminology Criteria for Adverse Events version 5.0, published 27 Nov
#: 2017; read at https://docslib.org/doc/7752524/common-terminology-criteria-for-adverse-events-ctcae-version-5-0-published-november-27-2017):
#: neutrophil count decreased grade 3 < 1.0, grade 4 < 0.5 x10^9/L; platelet count decreased grade 3 < 50, grade 4
#: < 25 x10^9/L; anaemia grade 3 Hb < 8.0 g/dL. Written once: the run's endpoints, the per-cycle ones
#: (:mod:`hemasim.interventions.chemo_cycles`) and the plots' red lines read them.
ANC_GRADE3_1E9_PER_L, ANC_GRADE4_1E9_PER_L = 1.0, 0.5
PLATELETS_GRADE3_1E9_PER_L, PLATELETS_GRADE4_1E9_PER_L = 50.0, 25.0
HB_GRADE3_G_PER_DL = 8.0

#: Endpoints computed for every run (CTCAE v5 grade thresholds; engraftment per EBMT/CIBMTR).
DEFAULT_ENDPOINTS: tuple[Endpoint, ...] = (
    Nadir("anc_1e9_per_L", "1e9/L"),
    DayOfNadir("anc_1e9_per_L"),
    DaysBelow("anc_1e9_per_L", ANC_GRADE3_1E9_PER_L, "CTCAE grade >= 3 neutropenia"),
    DaysBelow("anc_1e9_per_L", ANC_GRADE4_1E9_PER_L, "CTCAE grade 4 neutropenia; febrile-neutropenia risk window"),
    FirstSustainedDay("anc_1e9_per_L", 0.5, 3, "neutrophil_recovery"),
    Nadir("platelets_1e9_per_L", "1e9/L"),
    DayOfNadir("platelets_1e9_per_L"),
    DaysBelow("platelets_1e9_per_L", PLATELETS_GRADE3_1E9_PER_L, "CTCAE grade >= 3 thrombocytopenia"),
    DaysBelow("platelets_1e9_per_L", PLATELETS_GRADE4_1E9_PER_L, "CTCAE grade 4 thrombocytopenia"),
    FirstSustainedDay("platelets_1e9_per_L", 20.0, 7, "platelet_recovery"),
    Nadir("hemoglobin_g_per_dL", "g/dL"),
    DaysBelow("hemoglobin_g_per_dL", HB_GRADE3_G_PER_DL, "CTCAE grade >= 3 anaemia"),
    Nadir("lymphocytes_1e9_per_L", "1e9/L"),
    FinalValue("cd4_per_uL", "cells/uL"),
    FinalValue("cd8_per_uL", "cells/uL"),
    FinalValue("b_cells_per_uL", "cells/uL"),
    FinalValue("nk_cells_per_uL", "cells/uL"),
)


def evaluate_endpoints(result: Result, endpoints: tuple[Endpoint, ...] = DEFAULT_ENDPOINTS) -> list[EndpointValue]:
    """``endpoints`` (the observables a model lacks are skipped) and the endpoints the run's scenario calls for
    (drug exposure and doses, engraftment and chimerism, vaccine and infection responses). Of a run that kept only
    some observables (``Simulation.run(observe=...)``), the endpoints that read another have no value, their note
    naming what was not kept (they raised a KeyError; review34b)."""
    # the intervention kinds define their endpoints with the helpers of this module: import them late (cycle)
    from hemasim.assembly import scenario_endpoint_columns, scenario_endpoint_units, scenario_endpoints_not_kept

    names = set(result.model.observable_names)
    kept = names if result.observed is None else set(result.observed)
    scenario = result.record.scenario
    columns = scenario_endpoint_columns(scenario, result) if scenario is not None else []
    units = scenario_endpoint_units(scenario) if scenario is not None else {}  # as the families declare them
    notes = {c.name.removesuffix(suffix): note for c in columns for suffix, note in _FLAG_NOTES.items()
             if c.name.endswith(suffix) and c.values[0] == 1.0}
    extra = [EndpointValue(c.name, None if np.isnan(c.values[0]) else float(c.values[0]), units[c.name],
                           c.definition, notes.get(c.name, c.missing or "not reached") if np.isnan(c.values[0]) else None)
             for c in columns]
    # a run that kept some observables (observe=...): the others' endpoints have no value, and their note says why
    unkept = [EndpointValue(name, None, unit, f"reads {', '.join(missing)}", _not_kept(missing))
              for name, (unit, missing) in (scenario_endpoints_not_kept(scenario, result) if scenario is not None
                                            else {}).items()]
    return [e.evaluate(result) if e.observable in kept else
            EndpointValue(e.name, None, e.unit, e.definition, _not_kept([e.observable]))
            for e in endpoints if e.observable in names] + extra + unkept


def _not_kept(observables: Sequence[str]) -> str:
    return f"not evaluated: the run kept only some observables (observe=...), not {', '.join(observables)}"


def did_not_fall(table: EndpointTable, name: str) -> np.ndarray | None:
    """Per row of an endpoint table (a cohort's, a sweep's: one column per endpoint), whether the day ``name``,
    defined after a fall, has no value because the count never fell: the endpoint's flag column
    (``<name>_did_not_fall``), or for a default endpoint its rule (a recovery day: its count's nadir against the
    threshold; a nadir's day: no value at all, which it has only when the count fell). None for any other endpoint
    (its missing value cannot be a count that did not fall)."""
    flag = f"{name}{DID_NOT_FALL}"
    if flag in table:
        return np.asarray(table[flag], dtype=np.float64) == 1.0
    endpoint = next((e for e in DEFAULT_ENDPOINTS if e.name == name), None)
    if isinstance(endpoint, FirstSustainedDay):
        nadir = Nadir(endpoint.observable, "").name
        if nadir in table:
            return np.asarray(table[nadir], dtype=np.float64) >= endpoint.threshold
    if isinstance(endpoint, DayOfNadir) and name in table:
        return np.isnan(np.asarray(table[name], dtype=np.float64))
    return None


def missing_notes(table: EndpointTable, name: str, missing: str | None = None) -> np.ndarray:
    """Per row of an endpoint table, why ``name`` has no value, as a single run's endpoints.json says it: the
    column's own ``missing`` note where it has one (:attr:`~hemasim.interventions.base.EndpointColumn.missing`: a
    G-CSF's Cmax is "not computed"), else "did not fall" (:func:`did_not_fall`), "did not rise" (its
    ``<name>_did_not_rise`` flag), else "not reached"; "" where it has a value."""
    values = np.asarray(table[name], dtype=np.float64)
    if missing is not None:
        return np.where(np.isnan(values), missing, "").astype(object)
    notes = np.where(np.isnan(values), "not reached", "").astype(object)
    fallen = did_not_fall(table, name)
    rise_flag = f"{name}{DID_NOT_RISE}"
    not_risen = np.asarray(table[rise_flag], dtype=np.float64) == 1.0 if rise_flag in table else None
    for flagged, note in ((fallen, DID_NOT_FALL_NOTE), (not_risen, _FLAG_NOTES[DID_NOT_RISE])):
        if flagged is not None:
            notes[np.isnan(values) & flagged] = note
    return notes


def daily_ok(days: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Per patient and whole day from day 0: True when every output of that day is ``ok``. A day without
    outputs (output coarser than daily) is judged by the last output before it, so "3 consecutive days" does
    not fail for want of samples; days before the first output are False. ``days`` (T,), ``ok`` (N, T) -> (N, D)."""
    idx = np.floor(days + 1e-9).astype(np.int64)
    n_days = int(idx[-1]) + 1
    if len(idx) == n_days and idx[0] == 0 and np.all(idx[1:] > idx[:-1]):
        # one output on each day 0 .. n_days - 1 (daily outputs from day 0: every cohort's recovery days): day d is
        # output d, which is what the general path below gives, without its (N, D) temporaries (~2 ms a call for
        # 2,000 patients x 366 days)
        return np.array(ok, dtype=bool)
    out = np.ones((ok.shape[0], n_days), dtype=bool)
    has = np.zeros(n_days, dtype=bool)
    if np.all(idx[1:] > idx[:-1]):  # at most one output a day (daily or coarser): the day is that output
        out[:, idx] = ok  # what logical_and.at gives there, ~10x faster (2,000 patients x 366 days: ~1 ms)
    else:
        np.logical_and.at(out.T, idx, ok.T)
    has[idx] = True
    # index of the last day with an output at or before each day (-1 before the first)
    last = np.maximum.accumulate(np.where(has, np.arange(n_days), -1))
    return np.where(last >= 0, out[:, np.maximum(last, 0)], False)


def first_run(day_ok: np.ndarray, run: int) -> np.ndarray:
    """First day starting ``run`` consecutive True days, per patient (NaN if none)."""
    if day_ok.shape[1] < run:
        return np.full(day_ok.shape[0], np.nan)
    windows = np.asarray(np.lib.stride_tricks.sliding_window_view(day_ok, run, axis=1).all(axis=2))
    first = np.argmax(windows, axis=1).astype(np.float64)
    return np.where(windows.any(axis=1), first, np.nan)


def engraftment_days(days: np.ndarray, v: np.ndarray, threshold: float | np.ndarray, run: int) -> np.ndarray:
    """First of ``run`` consecutive days at or above ``threshold`` (a number, one per patient as (N, 1), or one per patient and day as (N, T): a child's count
    for its age on each day) after
    the first day below it (NaN when never below, or not recovered). ``days`` (T,) from the graft, ``v`` (N, T)."""
    below = v < threshold
    day_ok = daily_ok(days, ~below)
    first_below = np.where(below.any(axis=1), np.floor(days[np.argmax(below, axis=1)] + 1e-9), np.inf)
    day_ok &= np.arange(day_ok.shape[1])[None, :] >= first_below[:, None]
    return first_run(day_ok, run)


def recovery_days(days: np.ndarray, v: np.ndarray, threshold: float | np.ndarray, run: int = 1
                  ) -> tuple[np.ndarray, np.ndarray]:
    """First of ``run`` consecutive days at or above ``threshold`` after the first day below it (a recovery:
    :func:`engraftment_days`), and a flag that is 1.0 where the value never fell below it (no recovery day: the
    count did not fall, rather than "recovered on day 0"). ``days`` (T,) from the event, ``v`` (N, T),
    ``threshold`` a number, one per patient (N, 1) or one per patient and day (N, T)."""
    did_not_fall = np.asarray((v >= threshold).all(axis=1), dtype=np.float64)
    return engraftment_days(days, v, threshold, run), did_not_fall


def reads_on_day(days: np.ndarray, day: float) -> bool:
    """Whether :func:`value_on_day` reads ``day`` from outputs on ``days`` (days after an event): a day the run does
    not reach has no value, nor has one before the first output after the event (an output grid coarser than the
    interval: a graft on day 5 and outputs every 55 days have no day-28 donor share; fuzz35 seed 7071). The one rule
    of every day-N read-out after an event (the endpoints and the report's lineage-chimerism table)."""
    return len(days) > 0 and float(days[0]) - 1e-9 <= day <= float(days[-1]) + 1e-9


def value_on_day(days: np.ndarray, v: np.ndarray, day: float) -> np.ndarray:
    """Per row of ``v`` (N, T), its value on ``day`` (``days`` (T,) increasing, ``day`` within them): the output on
    that day where there is one, else linear between the outputs either side, so that a read-out of a given day (a
    donor share on day 28 after a graft) does not depend on the output grid (the nearest output, read before, lay up
    to half an output interval away: 3.5 days on a weekly grid). A ``day`` outside the outputs raises ValueError: it
    held the first or last output (day 3 of outputs on days 0-2 read day 2's value; review34), and each caller says
    instead why it has no value ("after the end of the run", "none when the run ends sooner").

    Its readers: the chimerism and transplant donor shares, the radiation triage counts, a vaccine's IgG 28 days after
    its last dose, a virus's IgG 28 days after the infection. Known other readers of a value on a day, left as they
    are because validation targets read them (moving them would move the targets): the nearest output of
    ``validation.mobilisation`` (the CD34+ count on a course day), ``validation.predictions10`` and
    ``validation.predictions12``."""
    if not float(days[0]) - 1e-9 <= day <= float(days[-1]) + 1e-9:
        raise ValueError(f"day {day:g} is outside the outputs (days {float(days[0]):g}-{float(days[-1]):g}): a value "
                         "on a day is read between outputs, not extrapolated")
    k = min(int(np.searchsorted(days, day - 1e-9)), len(days) - 1)  # the first output at or after the day
    if k == 0 or abs(float(days[k]) - day) <= 1e-9:
        return np.array(v[:, k], dtype=np.float64)
    w = (day - float(days[k - 1])) / float(days[k] - days[k - 1])
    return (1.0 - w) * np.asarray(v[:, k - 1], dtype=np.float64) + w * np.asarray(v[:, k], dtype=np.float64)


def value_before_day(times: np.ndarray, v: np.ndarray, day: float) -> np.ndarray:
    """Per row of ``v`` (N, T) on ``times`` (T,), its last output strictly before ``day``; NaN where none: the
    patient "before" an event (a conditioning's first kill), not interpolated, since an output on the event's day or
    a value between it and the next would mix in the count after it. Target R7 (validation.reconstitution_and_ageing)
    and the transplant's naive_cd4_ratio_month12_to_before read their "before" here, so that they agree."""
    v = np.asarray(v, dtype=np.float64)
    k = int(np.searchsorted(times, day - 1e-9)) - 1  # the last output before the day
    return np.array(v[..., k], dtype=np.float64) if k >= 0 else np.full(v.shape[:-1], np.nan)


def flag_column_names(endpoints: tuple[Endpoint, ...] = DEFAULT_ENDPOINTS) -> list[str]:
    """The flag columns (:meth:`Endpoint.flag_columns`) of ``endpoints`` in a cohort's endpoint table."""
    return [f"{e.name}{suffix}" for e in endpoints for suffix in e.flag_suffixes]


def endpoint_observables(endpoints: tuple[Endpoint, ...] = DEFAULT_ENDPOINTS) -> list[str]:
    """The observables the endpoints read, in first-use order."""
    return list(dict.fromkeys(e.observable for e in endpoints))
