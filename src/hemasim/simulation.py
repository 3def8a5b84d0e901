"""Simulation: a compiled model, a solver and events, integrated piecewise; and its Result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from hemasim.events import Event, run_events
from hemasim.model import CompiledModel, Model
from hemasim.solvers import DormandPrince, Solver

if TYPE_CHECKING:
    import pandas as pd

    from hemasim.scenario import Scenario


def output_times(duration_days: float, every_days: float) -> np.ndarray:
    """Output grid 0, every, 2*every, ... and the end of the run."""
    n_out = int(np.floor(duration_days / every_days + 1e-9)) + 1
    times = np.arange(n_out) * every_days
    if times[-1] < duration_days - 1e-9:
        times = np.append(times, duration_days)
    return times


def balance_residual(model: CompiledModel, x: np.ndarray, t: float = 0.0) -> np.ndarray:
    """|dx/dt| of each state relative to the total flux through it (0 = exactly balanced)."""
    flux = model.fluxes(t, x)[0]
    n = model.n_states
    gross = np.zeros(n)
    s, d = model.src >= 0, model.dst >= 0
    gross += np.bincount(model.src[s], weights=(model.consume * flux)[s], minlength=n)
    gross += np.bincount(model.dst[d], weights=(model.yield_ * flux)[d], minlength=n)
    return np.abs(model.rhs(t, x)) / np.maximum(gross, 1e-300)


def steady_state(model: CompiledModel, t: float = 0.0, tol: float = 1e-10) -> np.ndarray:
    """The fixed point near ``model.x0`` (one patient) with time (age) frozen at ``t``.

    The healthy model is built at its reference point; for other ages the thymus and T-cell pools
    move, and a Newton solve (the cohort one, on a cohort of one) finds where.
    """
    if model.n_patients is not None:
        return steady_state_batch(model, t, tol)
    if np.max(balance_residual(model, model.x0, t)) < tol:
        return model.x0.copy()
    one = replace(model, x0=model.x0[None], rate=model.rate[None], yield_=model.yield_[None],
                  fb_params=model.fb_params[None], n_patients=1)
    return steady_state_batch(one, t, tol)[0]


def steady_state_batch(model: CompiledModel, t: float = 0.0, tol: float = 1e-10) -> np.ndarray:
    """Fixed points of every patient of a cohort model (numba Newton, all cores)."""
    from hemasim.solvers._kernel import steady_state_batch as _newton

    (src, dst, rate, consume, yld, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fb_params, fb_offset,
     fb_scale) = model.kernel_arrays()
    args = (src, dst, rate, consume, yld, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fb_params, fb_offset,
            fb_scale)
    X, status = _newton(model.x0, float(t), np.maximum(model.x0, 1.0), *args, tol, 60, 0.0)
    bad = np.nonzero(status)[0]
    if len(bad):  # plain Newton lost its way (slow modes): follow the dynamics there (pseudo-transient)
        sub = (*args[:2], rate[bad], *args[3:4], yld[bad], *args[5:11], fb_params[bad], *args[12:])
        X[bad], status[bad] = _newton(model.x0[bad], float(t), np.maximum(model.x0[bad], 1.0), *sub, tol, 600, 1.0)
        bad = np.nonzero(status)[0]
    if len(bad):
        raise RuntimeError(f"steady state not found for {len(bad)} patient(s) (first: index {bad[0]})")
    return X


@dataclass
class Result:
    """Time series of one simulated patient (time in days)."""

    model: CompiledModel
    times: np.ndarray
    states: np.ndarray  # (n_times, n_states), cells
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def observables(self) -> pd.DataFrame:
        import pandas as pd

        vals = self.model.observables(self.times, self.states)
        df = pd.DataFrame(vals, columns=self.model.observable_names)
        df.insert(0, "time_days", self.times)
        return df

    def observable(self, name: str) -> np.ndarray:
        try:
            i = self.model.observable_names.index(name)
        except ValueError:
            raise KeyError(f"no observable {name!r}; known: {', '.join(self.model.observable_names)}") from None
        flux = self.model.fluxes(self.times, self.states) if self.model.obs_flux_w[i].any() else None
        val = np.maximum(self.states, 0.0) @ self.model.obs_state_w[i]
        if flux is not None:
            val = val + flux @ self.model.obs_flux_w[i]
        return val

    def state(self, name: str) -> np.ndarray:
        return self.states[:, self.model.index(name)]

    def flux(self, name: str) -> np.ndarray:
        try:
            j = self.model.flow_names.index(name)
        except ValueError:
            raise KeyError(f"no flow {name!r}") from None
        return self.model.fluxes(self.times, self.states)[:, j]

    def references(self) -> list[Any]:
        return self.model.parameters.subset(self.model.used_parameters).references()


class Simulation:
    """Integrate a model from its steady state through a list of events."""

    def __init__(self, model: Model | CompiledModel, solver: Solver | None = None, events: Sequence[Event] = (),
                 seed: int | None = 0) -> None:
        self.model = model.compile() if isinstance(model, Model) else model
        if self.model.n_patients is not None:
            raise ValueError("Simulation runs one patient; for a cohort model use hemasim.cohort")
        self.solver = solver if solver is not None else DormandPrince()
        self.events = sorted(events, key=lambda e: e.day)
        for ev in self.events:
            ev.check(self.model)
        self.seed = seed
        self.rng = np.random.default_rng(seed)  # owned by the simulation; events draw from it only

    def run(self, duration_days: float, output_every_days: float = 1.0, x0: np.ndarray | None = None) -> Result:
        if duration_days <= 0:
            raise ValueError("duration_days must be > 0")
        for ev in self.events:
            if not 0 <= ev.day <= duration_days:
                raise ValueError(f"event on day {ev.day} is outside the simulated 0-{duration_days} days")
        times = output_times(duration_days, output_every_days)
        x = steady_state(self.model) if x0 is None else np.asarray(x0, dtype=np.float64).copy()
        states = np.empty((len(times), self.model.n_states))
        states[0] = x

        def advance(x: np.ndarray, t: float, t_end: float) -> np.ndarray:
            states[np.abs(times - t) < 1e-9] = x  # an output on an event day shows the state after the event
            sel = np.nonzero((times > t + 1e-9) & (times <= t_end + 1e-9))[0]
            grid = times[sel]
            if len(grid) == 0 or grid[-1] < t_end - 1e-9:
                grid = np.append(grid, t_end)
            out = self.solver.integrate(self.model, x, t, grid)
            states[sel] = out[: len(sel)]
            return out[-1].copy()

        log: list[dict[str, Any]] = []
        x = run_events(self.model, x, 0.0, duration_days, self.events, advance, self.rng, log)
        states[-1] = x  # events on the last day included
        return Result(self.model, times, states, metadata={
            "seed": self.seed, "solver": self.solver.describe(), "duration_days": duration_days,
            "events": [repr(e) for e in self.events], "administrations": _plain(log)})


def _plain(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A single patient's event log with plain floats (JSON-ready)."""
    return [{k: np.asarray(v).reshape(-1)[0].item() if isinstance(v, np.ndarray | np.generic) else v
             for k, v in entry.items()} for entry in log]


def run_scenario(scenario: Scenario, solver: Solver | None = None) -> Result:
    """Build the model for the scenario's patient, apply its interventions, and simulate."""
    from hemasim.assembly import assemble  # the assembler sits above the simulation layer

    parts = assemble(scenario)
    sim = Simulation(parts.model, solver=solver if solver is not None else scenario.solver.build(),
                     events=parts.events, seed=scenario.seed)
    result = sim.run(scenario.duration_days, scenario.output.every_days)
    result.metadata["scenario"] = scenario
    return result
