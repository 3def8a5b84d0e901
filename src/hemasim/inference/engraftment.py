"""Joint fit of the engraftment kinetics to published engraftment days (docs/engraftment_fit.md).

A published median engraftment day is not a count at a time, so this problem reads its own observable: the day
after the graft on which a count first climbs back through a threshold after its post-graft fall. The crossing is
interpolated between output times (linear in the log of the count), so it moves smoothly with the parameters and
the finite differences of :class:`~hemasim.inference.objective.Objective` work on it; half a day is added because
a clinical engraftment day is the first whole day at or above the threshold (on average half a day after the
crossing). A count that never falls below the threshold is scored, not failed: its day is the time of its
nadir scaled down by the nadir's height over the threshold (:func:`engraftment_read_days`), the limit of the
climb-back day as the nadir rises to the threshold, so the objective is continuous across the edge where a graft
stops the count from falling, and earlier, towards the clinical "engrafted from day 1", as the nadir rises.
Everything else - the batch kernel, multi-start least squares, profiles, identifiability - is the inference
engine's.

The graft's content per CD34+ cell enters through the transplant event, not the model, so the conditions here
give each parameter vector its own graft (:meth:`EngraftmentObjective.predict`): a Transplant event whose
per-CD34+ contents are arrays over the batch.

The shipped fit reads the autologous medians of :data:`CALIBRATION_DATA` only; :data:`ALLOGENEIC_DATA` (an
allogeneic PBSC median, engraftment_allogeneic.yaml) is opt-in, for the question whether it holds the allogeneic
platelet day (docs/joint_fit.md: its rule and outcome, not adopted).

Run the fit: ``python -m hemasim.inference.engraftment [--starts N] [--no-profiles] [--allogeneic] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hemasim.events import Event
from hemasim.inference.forward import _run, stack_compiled
from hemasim.inference.noise import NoiseModel
from hemasim.inference.objective import Objective
from hemasim.inference.problem import Condition, EstimatedParameter, Measurements, ObservableSpec, Problem
from hemasim.inference.sources import ScenarioSource
from hemasim.io import write_json_report
from hemasim.model.compiled import CompiledModel
from hemasim.scenario import Scenario
from hemasim.solvers import DormandPrince, SolverError

if TYPE_CHECKING:
    from hemasim.sensitivity.coupling import Coupling

__all__ = ["ALLOGENEIC_DATA", "CALIBRATION_DATA", "FITTED_PARAMETERS", "HELD_ASSUMED", "EngraftmentDatum",
           "EngraftmentObjective", "Refit", "crossing_days", "engraftment_coupling", "engraftment_problem",
           "engraftment_read_days", "main", "refit", "refit_at", "unfitted_effects"]

GRAFT_DAY = 6.0  # the graft day of the Cy/TBI validation scenario (cy_tbi_pbsc)
#: output step of the fit's runs (days): fine enough that the interpolated crossing is smooth
OUTPUT_STEP_DAYS = 0.25
#: a clinical engraftment day is the first whole day at or above the threshold: half a day after the crossing
DAY_OFFSET = 0.5
FAILED_DAY = 1000.0  # a count that falls and never climbs back within the run (a large, finite residual)


@dataclass(frozen=True)
class EngraftmentDatum:
    """One published median engraftment day: the graft (PBSC, CD34+/kg; autologous unless ``donor`` says
    allogeneic), the count and threshold, the median day after the graft and the standard deviation of its log
    (``sigma_log``), and where each was read."""

    id: str
    cd34_per_kg: float
    observable: str
    threshold: float
    median_day: float
    sigma_log: float
    source: str
    donor: str = "autologous"


# Gunn 2003 Biol Blood Marrow Transplant 9:643 (abstract, pages corpus; autologous PBSC for AML in CR1, 58
# patients): 5-10e6 CD34+/kg (modelled at 7.5e6) against >10e6/kg (modelled at 15e6, as target T2). The SD of
# each group's log median is the SE of the log hazard ratio from its 95% CI, (ln hi - ln lo)/3.92, over sqrt(2)
# (two groups of similar size; proportional hazards make the log median ratio the log hazard ratio).
_SE_ANC = (math.log(3.5) - math.log(0.69)) / 3.92 / math.sqrt(2)
_SE_PLT20 = (math.log(9.2) - math.log(1.8)) / 3.92 / math.sqrt(2)
_GUNN = "Gunn 2003 BBMT 9:643 abstract"
_ERGENE = ("Ergene 2007 Transfus Apher Sci 36:23 abstract (91 autologous PBSCT, median 11.5e6 CD34+/kg; no interval "
           "given: the SD of Gunn's platelet >20 group median is used)")
#: the calibration data of the fit (targets T2, T10, T11; never the prediction targets T1, T5, T7-T9). Gunn's
#: platelet > 50e9/L medians are left out: at the doses modelled here they are the read-out that prediction T9
#: (Ketterer 1998, platelets > 50e9/L) judges.
CALIBRATION_DATA: tuple[EngraftmentDatum, ...] = (
    EngraftmentDatum("gunn_std_anc500", 7.5e6, "anc_1e9_per_L", 0.5, 12.0, _SE_ANC,
                     f"{_GUNN}: ANC > 500/uL median 12 d (5-10e6/kg); HR 1.6 (CI 0.69-3.5)"),
    EngraftmentDatum("gunn_hd_anc500", 15e6, "anc_1e9_per_L", 0.5, 9.2, _SE_ANC,
                     f"{_GUNN}: ANC > 500/uL median 9.2 d (>10e6/kg)"),
    EngraftmentDatum("gunn_std_plt20", 7.5e6, "platelets_1e9_per_L", 20.0, 28.0, _SE_PLT20,
                     f"{_GUNN}: platelets >= 20e9/L median 28 d (5-10e6/kg); HR 4.1 (CI 1.8-9.2)"),
    EngraftmentDatum("gunn_hd_plt20", 15e6, "platelets_1e9_per_L", 20.0, 14.0, _SE_PLT20,
                     f"{_GUNN}: platelets >= 20e9/L median 14 d (>10e6/kg)"),
    EngraftmentDatum("ergene_anc500", 11.5e6, "anc_1e9_per_L", 0.5, 10.0, _SE_PLT20,
                     f"{_ERGENE}: ANC > 500/uL median 10 d"),
    EngraftmentDatum("ergene_plt20", 11.5e6, "platelets_1e9_per_L", 20.0, 13.0, _SE_PLT20,
                     f"{_ERGENE}: platelets > 20e9/L median 13 d"),
)



def _allogeneic_data() -> tuple[EngraftmentDatum, ...]:
    """The opt-in allogeneic data (engraftment_allogeneic.yaml beside this module, with its sources)."""
    from importlib import resources

    from hemasim._yaml_limits import load_yaml_text

    name = "engraftment_allogeneic.yaml"
    text = resources.files("hemasim.inference").joinpath(name).read_text(encoding="utf-8")
    rows = load_yaml_text(text, f"hemasim/inference/{name}", "engraftment data file")["data"]
    return tuple(EngraftmentDatum(r["id"], float(r["cd34_per_kg"]), r["observable"], float(r["threshold"]),
                                  float(r["median_day"]), float(r["sigma_log"]),
                                  f"{' '.join(r['source'].split())} (read: {' '.join(r['where_read'].split())})",
                                  r["donor"]) for r in rows)


#: opt-in extra data, never in the shipped fit: the PBSC arm of Heldal 2000 (allogeneic, no G-CSF after the graft;
#: platelets > 20e9/L, median 13 d), for the allogeneic platelet engraftment day that the autologous data do not
#: reach (docs/joint_fit.md, "Allogeneic platelet engraftment data": the rule, the search record and the outcome)
ALLOGENEIC_DATA: tuple[EngraftmentDatum, ...] = _allogeneic_data()

#: (name, lower, upper): the parameters the fit estimates, on a log10 scale within these bounds
FITTED_PARAMETERS: tuple[tuple[str, float, float], ...] = (
    ("graft_short_term_units_per_cd34", 1e-8, 1e-4),
    ("graft_st_hspc_per_cd34", 1e-8, 1e-4),
    ("megakaryocyte_progenitor_exit_rate_per_day", 0.02, 2.0),
    ("graft_lodging_days", 0.5, 20.0),
)


def crossing_days(days: np.ndarray, values: np.ndarray, threshold: float) -> np.ndarray:
    """Per row of ``values`` (N, T): the day (interpolated, linear in the log) on which it first climbs to
    ``threshold`` after first falling below it; NaN when it never falls below or never climbs back."""
    out = np.full(values.shape[0], np.nan)
    logs = np.log(np.maximum(values, 1e-300))
    level = math.log(threshold)
    for i, row in enumerate(values):
        below = np.nonzero(row < threshold)[0]
        if not below.size:
            continue
        up = np.nonzero(row[below[0]:] >= threshold)[0]
        if not up.size:
            continue
        k = below[0] + up[0]  # first sample back at or above; k - 1 is below
        lo, hi = logs[i, k - 1], logs[i, k]
        out[i] = days[k - 1] + (days[k] - days[k - 1]) * (level - lo) / (hi - lo)
    return out


def engraftment_read_days(days: np.ndarray, values: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``values`` (N, T): the engraftment day the fit reads, and whether the count never fell below
    ``threshold`` (the censoring flag).

    A count that falls reads :func:`crossing_days` (the climb back through the threshold, interpolated). A count
    that never falls below the threshold reads its nadir day (the lowest sample) times ``threshold / nadir``,
    floored at day 1: at the edge (nadir at the threshold) this is the limit of the climb-back day, so the score
    is continuous there instead of jumping to a failure; above it the day moves smoothly towards the clinical
    convention for a count that never falls (engrafted from day 1) as the nadir rises. NaN where the count fell
    and never climbed back."""
    crossed = crossing_days(days, values, threshold)
    never_below = ~(values < threshold).any(axis=1) & np.isfinite(values).all(axis=1)  # a failed run is no nadir
    lowest = np.argmin(np.where(np.isfinite(values), values, np.inf), axis=1)
    nadirs = values[np.arange(len(values)), lowest]
    with np.errstate(divide="ignore", invalid="ignore"):
        never_fell_days = np.maximum(1.0, days[lowest] * threshold / nadirs)
    return np.where(never_below, never_fell_days, crossed), never_below


class EngraftmentObjective(Objective):
    """The engine's objective on engraftment days: :meth:`predict` returns, per vector and datum, the predicted
    engraftment day (:func:`engraftment_read_days` plus half a day) instead of a count at a time; after each call
    :attr:`never_below` (vectors x data) says which of those days are nadir days of a count that never fell."""

    def __init__(self, problem: Problem, data: Sequence[EngraftmentDatum], duration_days: float = 90.0) -> None:
        super().__init__(problem)
        self.datums = tuple(data)
        self.times = np.arange(0.0, duration_days + 1e-9, OUTPUT_STEP_DAYS)
        self.never_below = np.zeros((0, len(self.datums)), dtype=bool)

    def predict(self, theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        values = self.all_values(theta)
        targets = [self._targets(v) for v in values]
        out = np.full((len(theta), len(self.datums)), FAILED_DAY)
        never_below = np.zeros(out.shape, dtype=bool)
        after = self.times >= GRAFT_DAY - 1e-9
        for cond in self.problem.conditions:
            rows = [j for j, d in enumerate(self.datums) if d.id in self._rows_for(cond.id)]
            observe = tuple(dict.fromkeys(self.datums[j].observable for j in rows))
            sim = self._simulate(cond, targets, observe)
            for j in rows:
                d = self.datums[j]
                series = sim[:, after, observe.index(d.observable)]
                day, never_below[:, j] = engraftment_read_days(self.times[after] - GRAFT_DAY, series, d.threshold)
                out[:, j] = np.where(np.isfinite(day), day + DAY_OFFSET, FAILED_DAY)
        self.never_below = never_below
        self.n_evaluations += len(theta)
        return out

    def _rows_for(self, cid: str) -> set[str]:
        m = self.problem.measurements
        return {str(o) for c, o in zip(m.condition, m.observable, strict=True) if c == cid}

    def _batch(self, cond: Condition, source: ScenarioSource, targets: list[dict[str, float]],
               ) -> tuple[CompiledModel, list[Event]]:
        """The stacked model and the graft events of one condition's parameter vectors (a subclass that varies
        only the graft, not the model, overrides this)."""
        events = source.events_for(targets)  # each vector's graft contents
        if events is None:
            raise ValueError("the engraftment fit's vectors differ in a value its events hold once for a batch")
        return stack_compiled([source.build(t).compile() for t in targets]), events

    def _simulate(self, cond: Condition, targets: list[dict[str, float]], observe: tuple[str, ...]) -> np.ndarray:
        """Integrate the batch; where it fails, each vector alone, and NaN for a vector that fails by itself."""
        source = cond.source
        assert isinstance(source, ScenarioSource)
        try:
            model, events = self._batch(cond, source, targets)
            return _run(model, DormandPrince(rtol=self.problem.rtol), events, self.times, observe)
        except (SolverError, FloatingPointError, np.linalg.LinAlgError, RuntimeError, ValueError, SystemError):
            # SystemError: the numba steady-state solver failing at a corner of the parameter space
            if len(targets) == 1:
                return np.full((1, len(self.times), len(observe)), np.nan)
        return np.concatenate([self._simulate(cond, [t], observe) for t in targets])


def _condition_scenario(cd34_per_kg: float, donor: str = "autologous") -> Scenario:
    """The Cy/TBI validation scenario with a PBSC graft of ``cd34_per_kg`` from ``donor`` on day 6."""
    from hemasim.validation.scenario_runs import validation_scenario

    return validation_scenario("cy_tbi_pbsc", {"interventions": {1: {"donor": donor, "cd34_per_kg": cd34_per_kg}}})


def engraftment_problem(data: Sequence[EngraftmentDatum] = CALIBRATION_DATA,
                        parameters: Sequence[tuple[str, float, float]] = FITTED_PARAMETERS,
                        nominal: Mapping[str, float] | None = None, fixed: Mapping[str, float] | None = None
                        ) -> Problem:
    """The fit as a :class:`Problem`: one condition per graft (donor and dose); each datum a row whose observable id
    is its own (value: the median day; log-normal noise with the datum's sigma). ``fixed``: other model parameters
    set to a value for every vector (not estimated)."""
    from hemasim.parameters import healthy_adult_parameters

    defaults = healthy_adult_parameters()
    grafts = sorted({(d.donor, d.cd34_per_kg) for d in data})
    cid = {g: f"{g[0][:4]}_pbsc_{g[1]:.3g}_per_kg".replace("+", "") for g in grafts}
    conditions = tuple(Condition(cid[g], ScenarioSource(_condition_scenario(g[1], g[0]))) for g in grafts)
    observables = tuple(ObservableSpec(d.id, d.observable, NoiseModel("lognormal", d.sigma_log)) for d in data)
    params = tuple(EstimatedParameter(name, name, lo, hi, (nominal or {}).get(name, defaults.value(name)))
                   for name, lo, hi in parameters)
    params += tuple(EstimatedParameter(name, name, *defaults[name].bounds, value, scale="lin", estimate=False)
                    for name, value in (fixed or {}).items())
    measurements = Measurements.from_rows([cid[(d.donor, d.cd34_per_kg)] for d in data], [d.median_day for d in data],
                                          [d.id for d in data], [d.median_day for d in data],
                                          source="published median engraftment days (hemasim.inference.engraftment)")
    return Problem("engraftment kinetics (PBSC after Cy/TBI)", conditions, observables, params,
                   measurements, rtol=1e-6).checked()


#: assumed parameters the sensitivity screen found to move engraftment days (docs/sensitivity_screen.md), not
#: estimated here: :func:`unfitted_effects` asks how much of their effect the fitted parameters can absorb
SCREENED_UNFITTED = ("st_hspc_residence_days", "st_hspc_max_proliferation_fold", "st_hspc_baseline_self_renewal_ratio",
                     "hsc_max_self_renewal_probability", "mpp_residence_days", "hsc_niche_hill", "hsc_max_division_fold",
                     "megakaryocyte_feedback_log_slope")
STRUCTURAL_UNFITTED = {"platelet_age_stages": (2.0, 6.0)}  # numbers of stages: one model per value


#: the assumed stem and progenitor parameters the fit held at their table values (docs/sensitivity.md, the table
#: of fits that held a screened assumed parameter): the sources of :func:`engraftment_coupling`
HELD_ASSUMED = ("progenitor_baseline_self_renewal_ratio", "mpp_residence_days", "st_hspc_max_proliferation_fold",
                "hsc_max_division_fold", "st_hspc_baseline_self_renewal_ratio", "hsc_max_self_renewal_probability",
                "hsc_niche_hill", "megakaryocyte_production_max_fold")
#: a scaled estimate within this of a search bound is on it (the estimates are log10 values)
ON_BOUND = 1e-6


@dataclass(frozen=True)
class Refit:
    """One re-run of the fit at other held values (:func:`refit_at`): the fitted values (natural units), the
    objective at the start (the shipped fitted values unless given) and at the refit, scipy's verdict, the fitted
    values that ended on a search bound, the data that read no climb-back at the end, and each datum's modelled day
    at the refit (empty in refits stored before it was kept)."""

    values: dict[str, float]
    start_objective: float
    objective: float
    converged: bool
    message: str
    n_evaluations: int
    on_bound: tuple[str, ...]
    no_crossing: tuple[str, ...]
    days: tuple[float, ...] = ()

    @property
    def failed(self) -> bool:
        """Not converged (the evaluation budget ran out), a non-finite objective, or a datum with no climb-back."""
        return not self.converged or not math.isfinite(self.objective) or bool(self.no_crossing)


def refit_at(held: Mapping[str, float], data: Sequence[EngraftmentDatum] = CALIBRATION_DATA,
             start: Mapping[str, float] | None = None) -> Refit:
    """The fit re-run with the model parameters ``held`` (by name, in their records' units) instead of the table's:
    one local least-squares run (:func:`hemasim.inference.optimize.local_fit`) from the shipped fitted values (or
    ``start``'s, by name), the same data (unless ``data`` adds the opt-in :data:`ALLOGENEIC_DATA`), search bounds
    and method as the shipped fit. A held fitted parameter is not estimated: a profile's point
    (docs/engraftment_profile_low.py). Deterministic (no random start), so a design point gets the same values
    whichever scenario asks; a profile's step is the same kind of warm-started re-fit."""
    from hemasim.inference.optimize import local_fit

    fitted = [p for p in FITTED_PARAMETERS if p[0] not in held]
    objective = EngraftmentObjective(engraftment_problem(data, fitted, start, fixed=held), data)
    x0 = np.clip(objective.nominal, objective.lower, objective.upper)
    start_objective = float(objective(x0[None])[0])
    result = local_fit(objective, x0, "least_squares")
    days = objective.predict(result.x[None])[0]
    natural = objective.natural(result.x[None])[0]
    edge = (np.abs(result.x - objective.lower) < ON_BOUND) | (np.abs(result.x - objective.upper) < ON_BOUND)
    return Refit({n: float(v) for n, v in zip(objective.names, natural, strict=True)},
                 start_objective, result.fun, result.success, result.message,
                 result.n_iterations, tuple(n for n, e in zip(objective.names, edge, strict=True) if e),
                 tuple(d.id for d, day in zip(data, days, strict=True) if day >= FAILED_DAY),
                 tuple(float(day) for day in days))


def refit(held: Mapping[str, float]) -> dict[str, float]:
    """The fitted values at ``held`` (:func:`refit_at`): a :class:`~hemasim.sensitivity.coupling.Coupling`'s fit."""
    return refit_at(held).values


def engraftment_coupling() -> Coupling:
    """The fit's four values <- :func:`refit` of the assumed values it held (:data:`HELD_ASSUMED`), for a design
    that varies them (bench/coupled_screen.py). Not among the shipped couplings that ``hemasim sensitivity``
    applies by default: a refit takes 5-15 s per distinct design point (docs/sensitivity.md, stage 3)."""
    from hemasim.sensitivity.coupling import Coupling

    return Coupling(HELD_ASSUMED, tuple(name for name, _, _ in FITTED_PARAMETERS), refit)


def _projected_objective(residuals: np.ndarray, jacobian: np.ndarray) -> float:
    """Half the squared residuals left after the best linearised change of the fitted parameters."""
    step, *_ = np.linalg.lstsq(jacobian, -residuals, rcond=None)
    return float(0.5 * np.sum((residuals + jacobian @ step) ** 2))


def unfitted_effects(best: Mapping[str, float], factor: float = 2.0) -> list[dict[str, object]]:
    """For each screened but unfitted parameter at /``factor`` and x``factor`` (clipped to its bounds; numbers of
    stages at the values of :data:`STRUCTURAL_UNFITTED`), with the fitted parameters at ``best``: the rise of the
    objective before and after re-fitting the fitted parameters (linearised). A rise that re-fitting removes
    means the data cannot tell that parameter from the fitted ones."""
    from hemasim.parameters import healthy_adult_parameters

    table = healthy_adult_parameters()
    base = EngraftmentObjective(engraftment_problem(nominal=best), CALIBRATION_DATA)
    theta = base.nominal
    r0, jac = base.residuals_and_jacobian(theta)
    f0 = float(0.5 * np.sum(r0 ** 2))
    out: list[dict[str, object]] = []
    cases: list[tuple[str, float]] = []
    for name in SCREENED_UNFITTED:
        lo, hi = table[name].bounds
        v = table.value(name)
        cases += [(name, min(max(v / factor, lo), hi)), (name, min(max(v * factor, lo), hi))]
    cases += [(name, k) for name, ks in STRUCTURAL_UNFITTED.items() for k in ks]
    for name, value in cases:
        moved = EngraftmentObjective(engraftment_problem(nominal=best, fixed={name: value}), CALIBRATION_DATA)
        predicted = moved.predict(theta[None])
        r = moved.residuals(theta[None], predicted)[0]
        lost = [d.id for d, day in zip(CALIBRATION_DATA, predicted[0], strict=True) if day >= FAILED_DAY]
        out.append({"name": name, "value": value, "shipped": table.value(name),
                    "objective_rise": round(float(0.5 * np.sum(r ** 2)) - f0, 3),
                    # a datum whose count fell and did not recover has no linear re-fit
                    "rise_after_refit": None if lost else round(_projected_objective(r, jac)
                                                                - _projected_objective(r0, jac), 3),
                    "no_crossing": lost,
                    # read continuously (engraftment_read_days), but the validation endpoints read "did not fall"
                    "never_below": [d.id for d, c in zip(CALIBRATION_DATA, moved.never_below[0], strict=True) if c]})
    return out


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    """Fit, profile and print (and optionally write as JSON) the estimates, CIs and the predictions."""
    from hemasim.inference.optimize import fit
    from hemasim.inference.uncertainty import identifiability, profile_likelihood

    parser = argparse.ArgumentParser(description="Joint fit of the engraftment kinetics (docs/engraftment_fit.md)")
    parser.add_argument("--starts", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-profiles", action="store_true")
    parser.add_argument("--no-unfitted", action="store_true", help="profiles only, without unfitted_effects")
    parser.add_argument("--max-points", type=int, default=30, help="profile points per direction")
    parser.add_argument("--at", type=Path, default=None, help="a previous --out file: profile from its estimates")
    parser.add_argument("--allogeneic", action="store_true",
                        help="add the opt-in allogeneic data (ALLOGENEIC_DATA; not the shipped fit's)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    data = CALIBRATION_DATA + (ALLOGENEIC_DATA if args.allogeneic else ())
    objective = EngraftmentObjective(engraftment_problem(data), data)
    if args.at is not None:  # profile around an earlier fit's estimates instead of fitting again
        report: dict[str, object] = json.loads(args.at.read_text(encoding="utf-8"))
        estimates = report["estimates"]
        assert isinstance(estimates, dict)
        best = objective.scaled(estimates)
    else:
        before = objective.predict(objective.nominal[None])[0]
        result = fit(objective, n_starts=args.starts, seed=args.seed)
        best = result.x
        after = objective.predict(best[None])[0]
        censored = objective.never_below[0]
        report = {
            "objective": result.fun, "starts_at_best": result.n_converged, "estimates": result.natural,
            "data": [{"id": d.id, "cd34_per_kg": d.cd34_per_kg, "threshold": d.threshold, "median_day": d.median_day,
                      "sigma_log": round(d.sigma_log, 4), "nominal_day": round(float(b), 2),
                      "fitted_day": round(float(a), 2), "fitted_never_below": bool(c), "source": d.source}
                     for d, b, a, c in zip(data, before, after, censored, strict=True)]}
    if not args.no_profiles:
        natural = dict(zip(objective.names, map(float, objective.natural(best[None])[0]), strict=True))
        if not args.no_unfitted:
            report["unfitted"] = unfitted_effects(natural)
            print(json.dumps(report["unfitted"]), flush=True)
        profiles = []
        for name in objective.names:  # one at a time, each printed when done (a long run shows its progress)
            profiles += profile_likelihood(objective, best, [name], max_points=args.max_points)
            p = profiles[-1]
            print(json.dumps({"name": p.name, "ci": [p.ci_lower, p.ci_upper], "status": p.status}), flush=True)
        report["profiles"] = [{"name": p.name, "estimate": p.estimate, "ci": [p.ci_lower, p.ci_upper],
                               "status": p.status, "grid": [float(v) for v in p.natural],
                               "objective": [float(v) for v in p.objective]} for p in profiles]
        report["identifiability"] = identifiability(profiles)
    write_json_report(report, args.out)
    return report


if __name__ == "__main__":
    main()
