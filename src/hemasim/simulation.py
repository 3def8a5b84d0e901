"""Simulation: a compiled model (one patient or a cohort), a solver and events, integrated piecewise; its Result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from hemasim.events import BloodLoss, Event, run_events
from hemasim.model import CompiledModel, Model
from hemasim.plasma_refill import (
    DILUTED_OBSERVABLES,
    RED_CELL_OBSERVABLE,
    WholeBloodLoss,
    blood_volume_ratio,
    dilute,
    is_diluted,
    red_cell_level,
)
from hemasim.solvers import DormandPrince, Solver, SolverStats, observable_indices
from hemasim.solvers.steady import GivenState, InitialState, NewtonSteadyState, balance_residual

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from hemasim.scenario import Scenario

class PatientGenerators:
    """One generator per patient of a cohort for the events' draws (a graft's stochastic engraftment): patient *i*'s
    draw comes from its own generator, so it is the same whichever partition computes the patient and wherever it
    stands there. One generator for the partition drew its patients' grafts in a row: a patient's engrafting cells
    changed with ``--partition-size`` (fuzz35b seed 12064: NK cells on day 28 204.545 against 204.485 /uL)."""

    def __init__(self, seeds: Sequence[np.random.SeedSequence]) -> None:
        self.generators = [np.random.default_rng(s) for s in seeds]

    def poisson(self, lam: Any) -> np.ndarray:
        """A Poisson draw per patient (``lam``: one mean for all, or one per patient)."""
        means = np.broadcast_to(np.asarray(lam, dtype=np.float64), (len(self.generators),))
        return np.array([g.poisson(m) for g, m in zip(self.generators, means, strict=True)], dtype=np.float64)


Seed = int | np.random.SeedSequence | PatientGenerators | None

__all__ = ["PatientGenerators", "Result", "RunRecord", "Simulation", "Trajectory", "balance_residual", "integrate_through_events",
           "output_times", "steady_state"]


def output_times(duration_days: float, every_days: float, extra_days: Sequence[float] = ()) -> np.ndarray:
    """Output grid 0, every, 2*every, ... and the end of the run, with ``extra_days`` inside it (days an endpoint
    must read on whatever the grid: the vaccine read-outs' kill days, :func:`hemasim.interventions.vaccine.
    kill_output_days`)."""
    n_out = int(np.floor(duration_days / every_days + 1e-9)) + 1
    times = np.arange(n_out) * every_days
    if times[-1] < duration_days - 1e-9:
        times = np.append(times, duration_days)
    extra = [float(d) for d in extra_days if 0.0 < d < duration_days and np.min(np.abs(times - d)) > 1e-9]
    return np.sort(np.concatenate([times, extra])) if extra else times


def steady_state(model: CompiledModel, t: float = 0.0, tol: float = 1e-10) -> np.ndarray:
    """The fixed point near ``model.x0`` (one patient: (n,); a cohort: (N, n)) with time (age) frozen at ``t``."""
    return NewtonSteadyState(tol).states(model, t)


# ---------------------------------------------------------------------------------------------- the run
@dataclass(frozen=True, eq=False)
class Trajectory:
    """Outputs of a run through events: ``values`` (N, len(times), k) are states, or the ``observed`` observables."""

    times: np.ndarray
    values: np.ndarray
    final_states: np.ndarray  # (n,) for one patient, (N, n) for a cohort
    stats: SolverStats
    observed: tuple[str, ...] | None
    #: blood volume over its value before the first whole-blood loss, (N, len(times)); None without a loss
    #: (hemasim.plasma_refill). Observed red-cell concentrations in ``values`` are already read over it.
    volume_ratio: np.ndarray | None = None


def integrate_through_events(model: CompiledModel, solver: Solver, x0: np.ndarray, events: Sequence[Event],
                             times: np.ndarray, rng: np.random.Generator, log: list[dict[str, Any]],
                             observe: Sequence[str] | None = None) -> Trajectory:
    """Every patient of ``model`` from states ``x0`` ((n,), or (N, n) for a cohort) through ``events``.

    The one run loop of single patients and cohorts. An output on an event day shows the state just
    after the event; ``log`` collects what the events did. After a whole-blood loss (:class:`BloodLoss`) the
    red-cell concentrations are read over the plasma-refilled blood volume (:mod:`hemasim.plasma_refill`): observed
    ones are divided here, and the trajectory carries the ratio for a run that keeps states.
    """
    observed = None if observe is None else tuple(observe)
    loss_days = {float(e.day) for e in events if isinstance(e, BloodLoss)}
    asked = observed
    if loss_days and observed is not None and any(map(is_diluted, observed)) \
            and not any(n in DILUTED_OBSERVABLES for n in observed):  # only donor parts: the volume needs the whole
        observed = (*observed, RED_CELL_OBSERVABLE)
    before_loss: dict[float, np.ndarray] = {}  # the state on a loss day before that day's events
    n_patients = model.n_patients or 1
    width = model.n_states if observed is None else len(observed)
    values = np.full((n_patients, len(times), width), np.nan)
    stats = SolverStats()
    last: list[np.ndarray] = [x0]

    def advance(x: np.ndarray, t: float, t_end: float) -> np.ndarray:
        nonlocal stats
        on_start = np.nonzero(np.abs(times - t) < 1e-9)[0]
        inside = np.nonzero((times > t + 1e-9) & (times <= t_end + 1e-9))[0]
        grid = np.concatenate([[t], times[inside]])
        if grid[-1] < t_end - 1e-9:
            grid = np.append(grid, t_end)
        solution = solver.solve(model, x, t, grid, observed)
        values[:, on_start] = solution.values[:, :1]
        if len(inside):  # outputs are a contiguous run of the grid: copy by slices, not fancy indexing
            values[:, inside[0]:inside[-1] + 1] = solution.values[:, 1:1 + len(inside)]
        stats = stats + solution.stats
        last[0] = solution.final_states if model.n_patients is not None else solution.final_states[0]
        if t_end in loss_days:
            before_loss[t_end] = last[0]
        return last[0]

    x = run_events(model, x0, 0.0, float(times[-1]), events, advance, rng, log)
    if x is not last[0]:  # events fired on the last day: the last output shows their result
        values[:, -1] = _observe(model, float(times[-1]), x, observed)
    ratio = None
    if loss_days:
        ratio = _blood_volume_ratio(model, times, values, observed, events, before_loss, x0)
        if ratio is not None and observed is not None:
            dilute(observed, values, ratio)
    if observed != asked:
        observed, values = asked, values[:, :, :-1]
    return Trajectory(times, values, x, stats, observed, ratio)


def _blood_volume_ratio(model: CompiledModel, times: np.ndarray, values: np.ndarray, observed: tuple[str, ...] | None,
                        events: Sequence[Event], before_loss: dict[float, np.ndarray], x0: np.ndarray
                        ) -> np.ndarray | None:
    """The plasma-refill volume ratio (N, n_times) of a run with whole-blood losses, from main's red-cell course
    (``values``: states, or the ``observed`` observables) and the states just before each loss day; None when the
    run observes no red-cell concentration (nothing to read over it)."""
    if observed is None:
        name: str | None = RED_CELL_OBSERVABLE if RED_CELL_OBSERVABLE in model.observable_names else None
    else:
        name = next((n for n in observed if n in DILUTED_OBSERVABLES), None)
    if name is None:
        return None
    n_patients = model.n_patients or 1
    if observed is None:  # values are states (N, T, n): the level at each output time
        level = red_cell_level(model, np.moveaxis(values, 1, 0), name).T.reshape(n_patients, len(times))
    else:
        level = values[:, :, observed.index(name)]
    blood_mL = np.asarray(model.info.blood_volume_L, dtype=np.float64) * 1000.0
    losses: list[WholeBloodLoss] = []
    for ev in sorted((e for e in events if isinstance(e, BloodLoss)), key=lambda e: e.day):
        share = np.broadcast_to(np.minimum(ev.volume_mL / blood_mL, 1.0), (n_patients,))
        if losses and losses[-1].day == ev.day:  # a second loss on the same day: after the first
            before = np.asarray(losses[-1].level_before) * (1.0 - np.asarray(losses[-1].share))
        else:
            state = before_loss.get(float(ev.day), x0)  # none recorded: a loss at the start of the run
            before = np.broadcast_to(red_cell_level(model, state, name), (n_patients,))
        losses.append(WholeBloodLoss(float(ev.day), share, before))
    return blood_volume_ratio(times, level, losses)


def _observe(model: CompiledModel, t: float, x: np.ndarray, observed: tuple[str, ...] | None) -> np.ndarray:
    """States (N, n) of every patient at time ``t``, or their ``observed`` observables (N, k)."""
    states = x.reshape(model.n_patients or 1, model.n_states)
    if observed is None:
        return states
    selected = observable_indices(model, observed)
    patients = [model] if model.n_patients is None else [model.patient(i) for i in range(model.n_patients)]
    return np.stack([one.observables(np.array([t]), states[i][None])[0, selected] for i, one in enumerate(patients)])


class Simulation:
    """Integrate a model (one patient, or a cohort with a leading patient axis) from its start through events.

    ``seed`` seeds the generator the events draw from; today only a graft with stochastic engraftment draws
    (``stochastic_engraftment: true``), so any other run is the same whatever the seed. Patients that differ by
    chance (covariates, parameters with between-patient variability) come from a cohort and its seed:
    :func:`hemasim.cohort.run_cohort` (patient *i* draws from ``SeedSequence(seed, (i,))``).

    ``events`` fire by day; those of one day by :attr:`hemasim.events.Event.same_day_rank` (a graft or cell infusion
    after that day's conditioning, irradiation, doses and blood losses, whatever their order in ``events``), then in
    the order given (:func:`hemasim.events.run_events`).
    """

    def __init__(self, model: Model | CompiledModel, solver: Solver | None = None, events: Sequence[Event] = (),
                 seed: Seed = 0, initial_state: InitialState | None = None) -> None:
        self.model = model.compile() if isinstance(model, Model) else model
        self.solver = solver if solver is not None else DormandPrince()
        self.initial_state = initial_state if initial_state is not None else NewtonSteadyState()
        self.events = sorted(events, key=lambda e: e.day)
        for ev in self.events:
            ev.check(self.model)
        self.seed = seed
        # owned by the simulation; events draw from it only
        # (a cohort's PatientGenerators offers the one draw an event makes, poisson, in a Generator's place)
        self.rng: np.random.Generator = (cast(np.random.Generator, seed) if isinstance(seed, PatientGenerators)
                                         else np.random.default_rng(seed))

    def run(self, duration_days: float, output_every_days: float = 1.0, x0: np.ndarray | None = None,
            observe: Sequence[str] | None = None, extra_output_days: Sequence[float] = ()) -> Result:
        """Outputs every ``output_every_days`` from ``x0`` (default: the initial-state strategy's states), and on
        ``extra_output_days`` (:func:`output_times`).

        ``observe`` keeps only the named observables instead of every state (a cohort's memory).
        """
        if duration_days <= 0:
            raise ValueError("duration_days must be > 0")
        for ev in self.events:
            if not 0 <= ev.day <= duration_days:
                raise ValueError(f"event on day {ev.day} is outside the simulated 0-{duration_days} days")
        start = (self.initial_state if x0 is None else GivenState(x0)).states(self.model)
        log: list[dict[str, Any]] = []
        grid = output_times(duration_days, output_every_days)
        times = output_times(duration_days, output_every_days, extra_output_days)
        before_events = np.array(start, dtype=np.float64)  # a copy: an event may change the states in place
        run = integrate_through_events(self.model, self.solver, start, self.events, times, self.rng, log, observe)
        record = RunRecord(seed=_seed_record(self.seed), solver=self.solver.describe(), duration_days=duration_days,
                           events=tuple(repr(e) for e in self.events),
                           administrations=_plain(log, None) if self.model.n_patients is None else log,
                           solver_stats=run.stats)
        # the extra days are held aside: every other read-out, the time series and the bands see the grid alone
        # (review36f: rows added on a vaccinee's kill days moved his neutrophil engraftment 14 -> 12 on a 5-day grid)
        if not len(extra_output_days):  # the grid alone (np.isin would import numpy.ma into every run: goal 1)
            return Result(self.model, run.times, run.values, record, run.observed, run.final_states, run.volume_ratio,
                          start_states=before_events)
        on_grid = np.isin(times, grid)
        extra = None
        if not on_grid.all():
            aside = ~on_grid
            extra = Result(self.model, run.times[aside], run.values[:, aside], record, run.observed, None,
                           None if run.volume_ratio is None else run.volume_ratio[:, aside])
        ratio = None if run.volume_ratio is None else run.volume_ratio[:, on_grid]
        return Result(self.model, run.times[on_grid], run.values[:, on_grid], record, run.observed, run.final_states,
                      ratio, extra, start_states=before_events)


def _seed_record(seed: Seed) -> int | tuple[int, ...] | None:
    """A seed as plain integers: an int, or a SeedSequence's entropy followed by its spawn key."""
    if isinstance(seed, np.random.SeedSequence):
        return (int(seed.entropy), *map(int, seed.spawn_key))  # type: ignore[arg-type]
    if isinstance(seed, PatientGenerators):  # a cohort's: its manifest has the seeds
        return None
    return seed


def _plain(log: list[dict[str, Any]], patient: int | None) -> list[dict[str, Any]]:
    """One patient's event log with plain floats (JSON-ready): ``patient`` of a cohort's log, or a single run's."""
    def one(v: Any) -> Any:
        if not isinstance(v, np.ndarray | np.generic):
            return v
        flat = np.asarray(v).reshape(-1)
        return flat[patient if patient is not None and flat.size > 1 else 0].item()

    return [{k: one(v) for k, v in entry.items()} for entry in log]


# ---------------------------------------------------------------------------------------------- the result
@dataclass(frozen=True)
class RunRecord:
    """What a run was: its seed, solver, duration, events, what the events did, and the solver's work."""

    seed: int | tuple[int, ...] | None
    solver: dict[str, object]
    duration_days: float
    events: tuple[str, ...]
    #: the event log; one patient: plain values; a cohort: one array entry per patient where they differ
    administrations: list[dict[str, Any]]
    solver_stats: SolverStats
    scenario: Scenario | None = None  # the scenario, when the run came from one


@dataclass(frozen=True, eq=False, repr=False)
class Result:
    """Time series (time in days) of one patient, or of a cohort's patients (leading patient axis).

    ``values`` is (N, n_times, k) with N = 1 for one patient: every state (k = n_states), or only the
    observables named in ``observed``. The accessors give one patient's series as (n_times,) and a
    cohort's as (N, n_times); :meth:`patient` takes one patient out of a cohort. :attr:`observables` is one
    patient's table (a pandas DataFrame), :attr:`units` every column's unit, :meth:`endpoints` the clinical
    read-outs (nadirs, days below a threshold, recovery days) by name.
    """

    model: CompiledModel
    times: np.ndarray
    values: np.ndarray
    record: RunRecord
    observed: tuple[str, ...] | None = None
    final_states: np.ndarray | None = field(default=None, repr=False)  # where a continuation would start
    #: blood volume over its value before the first whole-blood loss, (N, n_times), or None (no loss): the
    #: red-cell concentrations are read over it (hemasim.plasma_refill; observed ones are stored so already)
    volume_ratio: np.ndarray | None = field(default=None, repr=False)
    #: the outputs on the days a run was asked for besides its grid (``Simulation.run(extra_output_days=...)``: the
    #: vaccine read-outs' kill, dose and read-out days), as a result of their own; None: none. Only what asks for
    #: them reads them (the vaccine family, through :attr:`hemasim.interventions.base.EndpointContext.extra_samples`)
    extra: Result | None = field(default=None, repr=False)
    #: each patient's state at the start of the run, before any event of day 0 ((n,) or (N, n)): an output on day 0
    #: shows the state after that day's events (a conditioning's first kill), so "before" a day-0 event is read here
    #: (:meth:`start_values`; review37g); None where not kept (an extra-days result)
    start_states: np.ndarray | None = field(default=None, repr=False)

    def start_values(self, name: str) -> np.ndarray:
        """Observable ``name`` of each patient at the start of the run, before any event of day 0
        (:attr:`start_states`): (N,) values (one patient: (1,)); a read-out's "before" where no output precedes the
        first event."""
        if self.start_states is None:
            raise ValueError("this result has no start states")
        model = self.model
        if model.n_patients is None:
            return np.asarray(_observe(model, 0.0, self.start_states, (name,))[:, 0], dtype=np.float64)
        # a cohort at once, each patient's weights over his own states and fluxes (looping model.patient(i) took
        # ~0.9 s per 1000 patients, review37h); the same sums as one patient's observables()
        states = np.asarray(self.start_states, dtype=np.float64).reshape(model.n_patients, model.n_states)
        state_w, flux_w = model.obs_weights.rows(observable_indices(model, (name,)))
        flux = model.fluxes(0.0, states)
        return np.asarray(np.einsum("ns,ns->n", np.maximum(states, 0.0), state_w[:, 0, :])
                          + np.einsum("nf,nf->n", flux, flux_w[:, 0, :]), dtype=np.float64)

    def extra_samples(self, names: Sequence[str]) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
        """The :attr:`extra` outputs of the observables ``names``: (their days, name -> (N, days) values); None
        without any."""
        if self.extra is None:
            return None
        return self.extra.times, {n: np.atleast_2d(self.extra.observable(n)) for n in names}

    def __repr__(self) -> str:
        # the dataclass's repr printed the whole model and every array (95,000 characters for the healthy adult):
        # a notebook cell ending in `result` showed a wall of text; say what the result holds instead
        kind = f"a cohort of {self.n_patients} patients" if self.is_cohort else "one patient"
        scenario = self.record.scenario
        title = f" {scenario.name!r}," if scenario is not None else ""
        names = self.observed if self.observed is not None else self.model.observable_names
        shown = ", ".join(names[:4]) + (f", ... ({len(names)} in all)" if len(names) > 4 else "")
        read = ".patient(i), .to_xarray(), .units" if self.is_cohort else ".observables (table), .units, .endpoints()"
        return (f"<hemasim Result{title} {kind}, model {self.model.name!r}, days {self.times[0]:g}-{self.times[-1]:g} "
                f"({len(self.times)} output times), seed {self.record.seed!r}; observables: {shown}; {read}>")

    @property
    def n_patients(self) -> int:
        return int(self.values.shape[0])

    @property
    def is_cohort(self) -> bool:
        return self.model.n_patients is not None

    @property
    def states(self) -> np.ndarray:
        """States: (n_times, n_states) for one patient, (N, n_times, n_states) for a cohort (cells)."""
        if self.observed is not None:
            raise ValueError("this run kept observables only (observe=...); run without observe for states")
        return self.values if self.is_cohort else self.values[0]

    def patient(self, i: int) -> Result:
        """Patient ``i`` of a cohort result as a single-patient result (its own model and event log)."""
        if not self.is_cohort:
            raise ValueError("this result holds one patient")
        record = replace(self.record, administrations=_plain(self.record.administrations, i))
        final = None if self.final_states is None else self.final_states[i]
        ratio = None if self.volume_ratio is None else self.volume_ratio[i:i + 1]
        extra = None if self.extra is None else self.extra.patient(i)
        start = None if self.start_states is None else self.start_states[i]
        return Result(self.model.patient(i), self.times, self.values[i:i + 1], record, self.observed, final, ratio,
                      extra, start)

    def _patients(self) -> list[Result]:
        return [self.patient(i) for i in range(self.n_patients)] if self.is_cohort else [self]

    @property
    def observables(self) -> pd.DataFrame:
        """One patient's observables as a table (a column per observable, time in ``time_days``).

        Each column's unit is the end of its name (``anc_1e9_per_L``: 10^9 cells/L) and, in words, in
        :attr:`units`; the table carries them too, as ``df.attrs["units"]`` and ``df.attrs["descriptions"]``
        (column -> text)."""
        import pandas as pd  # lazily: pandas is slow to import

        if self.is_cohort:
            raise ValueError("a cohort result: use result.patient(i).observables or result.to_xarray()")
        names, values = self._observable_table()
        df = pd.DataFrame(values[0], columns=list(names))
        df.insert(0, "time_days", self.times)
        df.attrs["units"] = self.units
        df.attrs["descriptions"] = {"time_days": "time since the start of the run", **{
            n: d for n, d in zip(self.model.observable_names, self.model.observable_descriptions, strict=True)
            if n in names}}
        return df

    @property
    def units(self) -> dict[str, str]:
        """The unit of every column of :attr:`observables`: ``{"time_days": "day", "anc_1e9_per_L": "1e9/L",
        "hsc_divisions_per_day": "cells/day", ...}`` (what a name's suffix abbreviates)."""
        names = self.observed if self.observed is not None else self.model.observable_names
        unit = dict(zip(self.model.observable_names, self.model.observable_units, strict=True))
        return {"time_days": "day", **{n: unit[n] for n in names}}

    def endpoints(self) -> dict[str, Any]:
        """The clinical read-outs of this run by name (:func:`hemasim.endpoints.evaluate_endpoints`):
        ``result.endpoints()["anc_nadir"].value`` (``.unit``: "1e9/L"), ``["days_anc_below_0p5"]`` (days), the
        nadirs' days, recovery days and the scenario's own endpoints (drug exposure, engraftment...). Each is an
        :class:`~hemasim.endpoints.EndpointValue`; a missing value is None with ``.note`` saying why (of a run
        that kept only some observables, ``run(observe=[...])``: the endpoints that read another, "not evaluated");
        ``.caveat`` says what a value does not say by itself (a nadir still falling when the run ended, a recovery
        followed by a second fall before the next chemotherapy dose), with ``.flags`` (``at_run_end``,
        ``fell_below_again_day``) as endpoints.json writes them."""
        from hemasim.endpoints import evaluate_endpoints  # endpoints import this module

        if self.is_cohort:
            raise ValueError("a cohort result: use result.patient(i).endpoints()")
        return {e.name: e for e in evaluate_endpoints(self)}

    def _observable_table(self) -> tuple[tuple[str, ...], np.ndarray]:
        """Names and values (N, n_times, k) of every observable this result can give."""
        if self.observed is not None:
            return self.observed, self.values
        names = tuple(self.model.observable_names)
        table = np.stack([one.model.observables(self.times, one.values[0]) for one in self._patients()])
        if self.volume_ratio is not None:  # the red-cell concentrations over the refilled blood volume
            dilute(names, table, self.volume_ratio)
        return names, table

    def observable(self, name: str) -> np.ndarray:
        """One observable over :attr:`times` (days): (n_times,) for one patient, (N, n_times) for a cohort; its unit
        is ``units[name]``."""
        if self.observed is not None and name in self.observed:
            column = self.values[:, :, self.observed.index(name)]
            return column if self.is_cohort else column[0]
        if self.observed is not None or name not in self.model.observable_names:
            known = self.observed if self.observed is not None else self.model.observable_names
            raise KeyError(f"no observable {name!r}; known: {', '.join(known)}")
        if self.is_cohort:
            return np.stack([one.observable(name) for one in self._patients()])
        i = self.model.observable_names.index(name)
        states = self.values[0]
        val = np.maximum(states, 0.0) @ self.model.obs_state_w[i]
        if self.model.obs_flux_w[i].any():
            val = val + self.model.fluxes(self.times, states) @ self.model.obs_flux_w[i]
        if self.volume_ratio is not None and is_diluted(name):
            val = val / self.volume_ratio[0]
        return val

    def state(self, name: str) -> np.ndarray:
        """One state variable (a compartment's cells, or its model unit: ``model.state_names``) over :attr:`times`."""
        return self.states[..., self.model.index(name)]

    def flux(self, name: str) -> np.ndarray:
        try:
            j = self.model.flow_names.index(name)
        except ValueError:
            raise KeyError(f"no flow {name!r}") from None
        if self.is_cohort:
            return np.stack([one.flux(name) for one in self._patients()])
        return self.model.flux(j, self.times, self.states)

    def references(self) -> list[Any]:
        """The publications behind the parameters this run used (:class:`~hemasim.parameters.Reference`: ``.key``,
        ``.citation()``, ``.doi``), sorted by key."""
        return self.model.parameters.subset(self.model.used_parameters).references()

    def to_xarray(self) -> xr.Dataset:
        """Observables as an xarray Dataset: one variable per observable over (time, patient), with its
        ``units`` and ``description`` as attributes; time in days. Needs the ``xarray`` package."""
        import xarray as xr  # lazily: an optional, slow-to-import dependency

        names, values = self._observable_table()
        position = {name: i for i, name in enumerate(self.model.observable_names)}
        variables = {name: (("time", "patient"), values[:, :, j].T,
                            {"units": self.model.observable_units[position[name]],
                             "description": self.model.observable_descriptions[position[name]]})
                     for j, name in enumerate(names)}
        coords = {"time": ("time", self.times, {"units": "day"}), "patient": np.arange(self.n_patients)}
        return xr.Dataset(variables, coords=coords, attrs={"model": self.model.name,
                                                             "solver": repr(self.record.solver),
                                                             "seed": repr(self.record.seed)})
