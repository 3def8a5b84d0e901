"""Dosing events: single administrations, cyclic regimens with dose rules, and on-demand courses.

Amounts are micrograms of drug (per patient: arrays for a cohort). A regimen is one event that, when
it fires, looks at the blood counts, gives (or delays, or reduces) its dose and schedules its next
dose; a simulation runs the chain (:func:`hemasim.events.run_events`). Each decision is written to
the run's administration log, from which delivered dose and dose intensity are read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from hemasim.events import Event
from hemasim.model.compiled import CompiledModel
from hemasim.model.sbml_events import Assignment, number, sbml_event_form

__all__ = ["ROUTE_WORDS", "Administration", "DoseRule", "InfusionEnd", "OnDemandCourse", "Regimen",
           "drug_state_names", "observable_of_state"]

Route = Literal["iv_bolus", "iv_infusion", "subcutaneous", "oral"]
#: each route as a report says it to a clinician ("route: iv_infusion" read as code; report25)
ROUTE_WORDS: dict[str, str] = {"iv_bolus": "IV bolus", "iv_infusion": "IV infusion", "subcutaneous": "subcutaneous",
                               "oral": "oral"}


def drug_state_names(drug: str) -> dict[str, str]:
    """The names of a drug's PK states (:class:`hemasim.pharmacology.pkpd.DrugExposure` makes them)."""
    return {"depot": f"{drug}_depot", "central": f"{drug}_central", "infusion_rate": f"{drug}_infusion_rate",
            "auc": f"{drug}_auc"}


def observable_of_state(model: CompiledModel, x: np.ndarray, name: str) -> np.ndarray:
    """A state-only observable (a blood count) of one state (n,) or of a cohort's states (N, n)."""
    try:
        i = model.observable_names.index(name)
    except ValueError:
        raise KeyError(f"no observable {name!r}") from None
    w = model.obs_weights.rows([i])[0][..., 0, :]  # that observable's weights only (not every observable's)
    return np.einsum("...n,...n->...", w, np.maximum(x, 0.0))


@dataclass(frozen=True)
class Administration(Event):
    """One dose now: a bolus into the central compartment, a dose into the depot (subcutaneous or
    oral; ``bioavailability`` applied here) or the start of an infusion of ``duration_days``."""

    drug: str
    route: Route
    amount_ug: float | np.ndarray
    duration_days: float = 0.0
    bioavailability: float = 1.0
    #: True in an expanded list, which carries the InfusionEnd itself: fire() then schedules none, or the end would
    #: come off twice (clamped at 0: a back-to-back infusion ran at rate 0; mend34d)
    end_listed: bool = False

    def check(self, model: CompiledModel) -> None:
        names = drug_state_names(self.drug)
        needed = names["depot"] if self.route in ("subcutaneous", "oral") else names["central"]
        if needed not in model.state_names:
            raise ValueError(f"the model has no {needed!r}: add the drug's PK (DrugExposure) for route {self.route}")
        if self.route == "iv_infusion" and not self.duration_days > 0:
            raise ValueError("an infusion needs duration_days > 0")

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        y = x.copy()
        names = drug_state_names(self.drug)
        if self.route in ("subcutaneous", "oral"):
            y[..., model.index(names["depot"])] += self.bioavailability * np.asarray(self.amount_ug)
        elif self.route == "iv_bolus":
            y[..., model.index(names["central"])] += self.amount_ug
        else:
            y[..., model.index(names["infusion_rate"])] += np.asarray(self.amount_ug) / self.duration_days
        return y

    def fire(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator, log: list[dict[str, Any]]
             ) -> tuple[np.ndarray, list[Event]]:
        log.append({"day": self.day, "drug": self.drug, "route": self.route, "action": "given",
                    "planned_ug": self.amount_ug, "given_ug": self.amount_ug, "duration_days": self.duration_days,
                    "bioavailability": self.bioavailability})
        return self.apply(model, x, rng), [] if self.end_listed else self._end()

    def _end(self) -> list[Event]:
        if self.route != "iv_infusion":
            return []
        return [InfusionEnd(self.day + self.duration_days, self.drug, np.asarray(self.amount_ug) / self.duration_days)]

    def expand(self) -> list[Event]:
        """The dose and its infusion's end as fixed events (SBML export); simulated, the list runs as the dose does."""
        end = self._end()
        return [replace(self, end_listed=True) if end else self, *end]


@dataclass(frozen=True)
class InfusionEnd(Event):
    drug: str
    rate_ug_per_day: float | np.ndarray

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        y = x.copy()
        i = model.index(drug_state_names(self.drug)["infusion_rate"])
        y[..., i] = np.maximum(y[..., i] - self.rate_ug_per_day, 0.0)  # exact zero at the end of the last one
        return y


@dataclass(frozen=True)
class DoseRule:
    """If ``observable`` is below ``below`` on a planned cycle day: delay the cycle by ``delay_days`` (up
    to ``max_delays`` times, then give it), or reduce this and every later dose by ``reduce_by_fraction``."""

    observable: str  # e.g. "anc_1e9_per_L", "platelets_1e9_per_L"
    below: float
    action: Literal["delay", "reduce"]
    delay_days: float = 7.0
    max_delays: int = 2
    reduce_by_fraction: float = 0.25


@dataclass(frozen=True)
class Regimen(Event):
    """A schedule of cycles: planned cycle starts at ``cycle_offsets`` days from the first, doses on
    ``days_in_cycle`` (offsets from each cycle start). Rules are checked on the first dose day of each
    cycle; a delayed cycle shifts every later one.

    ``day`` is the regimen's next action. The fields after ``rules`` carry each patient's progress (one
    value, or one per patient of a cohort: patients whose cycles were delayed follow their own
    timeline, and the regimen fires on the earliest patient's next day, acting on the patients due).
    """

    drug: str
    route: Route
    amount_ug: float | np.ndarray
    duration_days: float = 0.0
    bioavailability: float = 1.0
    cycle_offsets: tuple[float, ...] = (0.0,)
    days_in_cycle: tuple[float, ...] = (0.0,)
    rules: tuple[DoseRule, ...] = ()
    next_day: Any = None  # per patient: day of the next dose or re-check (inf: finished); None = `day`
    cycle: Any = 0
    dose_in_cycle: Any = 0
    cycle_start_day: Any = None
    dose_factor: Any = 1.0
    delays: Any = 0
    #: which of the scenario's regimens of this drug (from 0: :func:`hemasim.assembly.build_events`), logged as
    #: ``block`` where above 0: each regimen counts its cycles from 1, so the same drug in two blocks (docetaxel 100 then
    #: 75 mg/m2) logged two cycle 1s, which the per-cycle endpoints merged (review36e)
    block: int = 0

    def __post_init__(self) -> None:
        # fire() gives each patient's first dose at ``day`` and only later cycles add days_in_cycle[0], while
        # planned_days() adds it to every cycle: a first offset other than 0 would dose cycle 1 early and report
        # otherwise (F2-F4's pegfilgrastim came with the chemotherapy in cycle 1 that way; review32b). A drug first
        # given on a later day of each cycle starts its regimen that much later (``day``) instead.
        days_in = tuple(self.days_in_cycle)
        if not days_in or days_in[0] != 0.0 or any(b <= a for a, b in zip(days_in, days_in[1:], strict=False)):
            first = days_in[0] if days_in else 0.0
            raise ValueError(
                f"Regimen.days_in_cycle must start at 0 (the regimen's own first day) and increase (got "
                f"{list(days_in)}); a drug first given {first:g} day(s) into each cycle is Regimen(day + {first:g}, "
                f"..., days_in_cycle={tuple(d - first for d in days_in)})")

    def check(self, model: CompiledModel) -> None:
        self._administration(1.0).check(model)
        for r in self.rules:
            observable_of_state(model, model.x0, r.observable)

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise TypeError("a Regimen is fired (it schedules its next dose), not applied")

    def _administration(self, amount: Any) -> Administration:
        return Administration(self.day, self.drug, self.route, amount, self.duration_days, self.bioavailability)

    def fire(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator, log: list[dict[str, Any]]
             ) -> tuple[np.ndarray, list[Event]]:
        shape = x.shape[:-1]  # () for one patient, (N,) for a cohort

        def per_patient(v: Any, dtype: type) -> np.ndarray:
            return np.broadcast_to(np.asarray(v, dtype=dtype), shape).copy()

        nxt = per_patient(self.day if self.next_day is None else self.next_day, np.float64)
        start = per_patient(nxt if self.cycle_start_day is None else self.cycle_start_day, np.float64)
        cycle, k = per_patient(self.cycle, np.int64), per_patient(self.dose_in_cycle, np.int64)
        factor, delays = per_patient(self.dose_factor, np.float64), per_patient(self.delays, np.int64)
        full = per_patient(self.amount_ug, np.float64)
        due = np.abs(nxt - self.day) < 1e-9
        base = {"day": self.day, "drug": self.drug, "route": self.route, **({"block": self.block} if self.block else {})}
        first = due & (k == 0)
        waiting = np.zeros(shape, dtype=bool)
        for r in self.rules:
            low = first & ~waiting & (observable_of_state(model, x, r.observable) < r.below)
            if r.action == "delay":
                hold = low & (delays < r.max_delays)
                if np.any(hold):
                    log.append({**base, "cycle": cycle + 1, "action": f"delayed {r.delay_days:g} d "
                                f"({r.observable} < {r.below:g})", "planned_ug": np.where(hold, full * factor, 0.0),
                                "given_ug": np.zeros(shape)})
                nxt = np.where(hold, nxt + r.delay_days, nxt)
                start = np.where(hold, start + r.delay_days, start)
                delays = np.where(hold, delays + 1, delays)
                waiting |= hold
            else:
                factor = np.where(low, factor * (1.0 - r.reduce_by_fraction), factor)
        give = due & ~waiting
        y, more = x, []
        if np.any(give):
            adm = self._administration(np.where(give, full * factor, 0.0))
            log.append({**base, "cycle": cycle + 1, "action": "given", "planned_ug": np.where(give, full, 0.0),
                        "given_ug": adm.amount_ug, "duration_days": self.duration_days,
                        "bioavailability": self.bioavailability})
            y = adm.apply(model, x, rng)
            more = adm._end()
            # advance the patients just dosed: next dose in this cycle, the next cycle, or done
            in_cycle = k + 1 < len(self.days_in_cycle)
            last_cycle = cycle + 1 >= len(self.cycle_offsets)
            offsets = np.asarray(self.cycle_offsets)
            last = len(offsets) - 1  # (a finished patient's cycle count runs past it; it is never used)
            gap = np.where(last_cycle, 0.0, offsets[np.minimum(cycle + 1, last)] - offsets[np.minimum(cycle, last)])
            next_start = np.where(in_cycle, start, start + gap)
            new_k = np.where(in_cycle, k + 1, 0)
            days_in = np.asarray(self.days_in_cycle)
            new_next = np.where(in_cycle | ~last_cycle, next_start + days_in[new_k], np.inf)
            nxt = np.where(give, new_next, nxt)
            start = np.where(give & ~in_cycle, next_start, start)
            cycle = np.where(give & ~in_cycle, cycle + 1, cycle)
            k = np.where(give, new_k, k)
            delays = np.where(give & ~in_cycle, 0, delays)
        if np.all(np.isinf(nxt)):
            return y, more
        return y, [*more, replace(self, day=float(np.min(nxt)), next_day=nxt, cycle=cycle, dose_in_cycle=k,
                                  cycle_start_day=start, dose_factor=factor, delays=delays)]

    def planned_days(self) -> list[float]:
        """Dose days if nothing is delayed."""
        return [self.day + c + d for c in self.cycle_offsets for d in self.days_in_cycle]

    def expand(self) -> list[Event]:
        if self.rules:
            raise ValueError("a regimen with dose rules depends on the simulated counts and has no fixed "
                             "schedule to export; remove the rules to export it")
        out: list[Event] = []
        for d in self.planned_days():
            out += Administration(d, self.drug, self.route, self.amount_ug, self.duration_days,
                                  self.bioavailability).expand()
        return out


@dataclass(frozen=True)
class OnDemandCourse(Event):
    """Daily doses from ``day`` until ``observable`` has been above ``above`` on ``consecutive_days``
    consecutive mornings (checked each morning before the dose) after the nadir, at most ``max_doses`` doses: the
    filgrastim label's "discontinue filgrastim if the ANC exceeds 10 x 10^9/L after the expected chemotherapy-induced
    neutropenia" (MIMS transcription, uat.mimsdev.com/philippines/drug/info/neocyte/dosage, pages corpus), with the
    user's threshold (e.g. "from day 1 until ANC > 1.0 on 2 days").

    A morning counts towards the streak once the nadir is behind: on the mornings after ``expected_nadir_day`` (a
    day of the run, as ``day``) when it is given, else once a morning count was at or below ``above`` (the fall the
    course waits for). A given day alone decides: a fall to the threshold before it may be a bounce, not the nadir,
    and with it a higher threshold never gives fewer doses (with the fall, docetaxel 100 mg/m2 + filgrastim: ANC
    > 2.0 fell to it on day 5 and stopped after 6 doses, > 1.0 never fell: 14). Started the day after chemotherapy or irradiation, whose nadir comes a
    week or more later, the ANC is still normal on the first mornings: counted from the start, the course ended after
    one dose (ux34). Any rise after a fall was taken as the nadir before (mend34); it ended flu_tbi_2gy's course on a
    bounce (1.45, 1.19, 1.30) on day 9, before the nadir of 0.58 on day 14, and on the model's own dip after the first
    dose (review34c). A course whose count never falls to ``above`` and that is given no ``expected_nadir_day`` runs
    to ``max_doses``: G-CSF that keeps the ANC above the threshold gives no sign of its nadir from the count alone."""

    drug: str
    route: Route
    amount_ug: float | np.ndarray
    bioavailability: float
    observable: str
    above: float
    consecutive_days: int
    max_doses: int
    expected_nadir_day: float | None = None  # day of the run after which the mornings above count (None: a fall)
    streak: Any = 0  # per patient: consecutive mornings above so far, after the nadir
    fell: Any = False  # per patient: a morning count was at or below ``above``
    doses: Any = 0  # per patient: doses given so far
    finished: Any = False  # per patient: course over (it does not restart)

    def __post_init__(self) -> None:
        if self.expected_nadir_day is not None and not self.expected_nadir_day >= 0:
            raise ValueError(f"expected_nadir_day must be a day of the run (>= 0), got {self.expected_nadir_day}")

    def check(self, model: CompiledModel) -> None:
        Administration(self.day, self.drug, self.route, 1.0, 0.0, self.bioavailability).check(model)
        observable_of_state(model, model.x0, self.observable)

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise TypeError("an OnDemandCourse is fired (it schedules its next dose), not applied")

    def fire(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator, log: list[dict[str, Any]]
             ) -> tuple[np.ndarray, list[Event]]:
        value = observable_of_state(model, x, self.observable)
        high = value > self.above
        fell = np.asarray(self.fell) | ~high
        past_nadir = fell if self.expected_nadir_day is None else self.day > self.expected_nadir_day + 1e-9
        streak = np.where(high & past_nadir, np.asarray(self.streak) + 1, 0)
        doses = np.asarray(self.doses)
        finished = np.asarray(self.finished) | (streak >= self.consecutive_days) | (doses >= self.max_doses)
        going = ~finished
        if not np.any(going):
            log.append({"day": self.day, "drug": self.drug, "route": self.route, "action": "course ended",
                        "planned_ug": 0.0 * streak, "given_ug": 0.0 * streak})
            return x, []
        amount = np.where(going, np.asarray(self.amount_ug), 0.0)
        adm = Administration(self.day, self.drug, self.route, amount, 0.0, self.bioavailability)
        log.append({"day": self.day, "drug": self.drug, "route": self.route, "action": "given",
                    "planned_ug": amount, "given_ug": amount, "duration_days": 0.0,
                    "bioavailability": self.bioavailability})
        return adm.apply(model, x, rng), [replace(self, day=self.day + 1.0, streak=streak, fell=fell,
                                                  finished=finished, doses=doses + going.astype(np.int64))]

    def expand(self) -> list[Event]:
        raise ValueError("an on-demand course depends on the simulated counts and has no fixed schedule to export")


# ------------------------------------------------------------------ SBML forms of a dose
# registered with the event classes (hemasim.export_sbml)
@sbml_event_form(Administration)
def _administration(model: CompiledModel, event: Administration) -> list[Assignment]:
    names = drug_state_names(event.drug)
    amount = float(np.asarray(event.amount_ug))
    if event.route in ("subcutaneous", "oral"):
        return [(names["depot"], f"{names['depot']} + {number(event.bioavailability * amount)} item")]
    if event.route == "iv_bolus":
        return [(names["central"], f"{names['central']} + {number(amount)} item")]
    rate = names["infusion_rate"]
    return [(rate, f"{rate} + {number(amount / event.duration_days)} item")]


@sbml_event_form(InfusionEnd)
def _infusion_end(model: CompiledModel, event: InfusionEnd) -> list[Assignment]:
    rate = drug_state_names(event.drug)["infusion_rate"]
    return [(rate, f"{rate} - {number(float(np.asarray(event.rate_ug_per_day)))} item")]
