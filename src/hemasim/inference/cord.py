"""Fit of the cord-blood CD34+ potency to published single-unit cord-blood engraftment (docs/engraftment_fit.md).

``cord_blood_cd34_potency_fold`` counts the long-term content of a cord-blood CD34+ cell (engrafting HSCs and
short-term repopulating cells) as that of that many adult CD34+ cells; its committed first-wave content is the
mobilised-blood value (``cord_blood_committed_content_fold``, cited: equal clonogenicity; eleventh session). It is fitted here, alone, to the median neutrophil
engraftment days of single-unit cord-blood grafts dosed by nucleated cells (:data:`CORD_DATA`, targets K1-K3), with
the machinery of the engraftment fit (:class:`~hemasim.inference.engraftment.EngraftmentObjective`: the climb of
ANC back through 0.5e9/L after the post-graft fall, interpolated, plus half a day; log-normal residuals; here the
climb that starts the endpoint's 3 days at or above it, :func:`sustained_crossing_days`) on the
scenario of prediction T7 (``cy_tbi_pbsc``: Cy/TBI 12 Gy, graft on day 6), its CD34+ content from the infused
nucleated cells and the cited CD34+/TNC ratio of cord units. Each datum is read on its cohort's median patient (K1's
adults; K2's children, whose median child also stands for K3's: :data:`CHILD_POOL`); a dose counted before freezing is converted to the infused dose by the cited
post-thaw recovery (:data:`POST_THAW_TNC_RECOVERY`). T7 (Barker 2005, two units) is a prediction: no double-cord
datum enters this fit.

The potency enters through the transplant event only (the model itself does not depend on it), so every vector of
a batch shares one compiled model per datum and gets its own long-term graft content (:func:`cord_graft_events`).

Run: ``python -m hemasim.inference.cord [--grid N] [--out FILE]`` (a grid over the search range in one batch per
dose, a bounded refinement, then the engine's profile likelihood).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hemasim.biology import Covariates
from hemasim.biology.transplant import Transplant
from hemasim.endpoints import engraftment_days
from hemasim.events import Event
from hemasim.inference.engraftment import (
    _SE_ANC,
    DAY_OFFSET,
    FAILED_DAY,
    GRAFT_DAY,
    EngraftmentDatum,
    EngraftmentObjective,
)
from hemasim.inference.forward import stack_compiled
from hemasim.inference.noise import NoiseModel
from hemasim.inference.problem import Condition, EstimatedParameter, Measurements, ObservableSpec, Problem
from hemasim.inference.sources import ScenarioSource
from hemasim.io import write_json_report
from hemasim.model.compiled import CompiledModel
from hemasim.scenario import Scenario
from hemasim.validation.cord import K1_PATIENT, K2_PATIENT, POST_THAW_TNC_RECOVERY, single_cord_variation
from hemasim.validation.patients import PATIENTS

__all__ = ["CHILD_POOL", "CORD_DATA", "POST_THAW_TNC_RECOVERY", "POTENCY", "POTENCY_BOUNDS", "SUSTAINED_DAYS", "CordDatum", "CordObjective",
           "cord_graft_events", "cord_problem", "cord_scenario", "fit_potency", "main", "sustained_crossing_days"]

POTENCY = "cord_blood_cd34_potency_fold"
#: the search range of the fit (log10 scale): from no advantage over adult CD34+ cells to 1e4, about the CD34+CD38-
#: share of cord CD34+ cells (5.9%, synapse.koreamed.org/articles/1018998) over the adult engrafting HSCs per CD34+
#: cell (5.6e-6, Spencer Chapman 2024): the fold of the long-term content cannot exceed it (eleventh session)
POTENCY_BOUNDS = (1.0, 1.0e4)
#: neutrophil engraftment is the first of 3 consecutive days with ANC >= 0.5e9/L (hemasim.endpoints)
SUSTAINED_DAYS = 3


@dataclass(frozen=True)
class CordDatum:
    """One published median neutrophil engraftment day (ANC >= 0.5e9/L) after a single cord-blood unit: the
    median nucleated-cell dose per kg as reported (``stated_tnc_per_kg``, ``dose_kind``: infused, cryopreserved or
    collected) and as the scenario infuses it (``tnc_per_kg``), the median day, the SD of its log, the cohort, its
    median age and weight where the source gives them, the scenario's patient (None: the man of 40 of T7's
    scenario) with the reason for it, and where each number was read."""

    id: str
    stated_tnc_per_kg: float
    dose_kind: str
    tnc_per_kg: float
    median_day: float
    sigma_log: float
    cohort: str
    cohort_age_years: float | None
    cohort_weight_kg: float | None
    patient: Covariates | None
    patient_reason: str
    source: str


#: No abstract gives an interval of the median day, so each datum gets the residual SD of the engraftment fit
#: (0.29 on the log: Gunn 2003's hazard-ratio CI, as that fit does for Ergene 2007, which gives none either).
_SIGMA = _SE_ANC
#: how the children's cohorts are read (eighth session, branch childmarrow; docs/engraftment_fit.md)
CHILD_POOL = ("children are read on COBLT's median child (7.7 years, 25.9 kg, a boy without a height): a growing "
              "patient's stem and progenitor pools are the adult ones (hsc_count 1e5, Lee-Six 2018) times his mass "
              "over 70 kg (Dingli & Pacheco 2007: the human HSC pool grows linearly with body mass), so a per-kg "
              "graft meets a stem pool of the child's size")
#: the single-unit data (targets K1-K3), read in the pages corpus (abstracts)
CORD_DATA: tuple[CordDatum, ...] = (
    CordDatum("ooi2004_adult_aml", 2.51e7, "cryopreserved", 2.51e7 * POST_THAW_TNC_RECOVERY, 23.0, _SIGMA,
              "18 adults with de novo AML; 17 engrafted", 43.0, 55.2, PATIENTS[K1_PATIENT],
              "the cohort's median age and weight (adults); sex and height not in the abstract: a man (as T7's "
              "scenario), no height (blood volume 70 mL/kg)",
              "Ooi 2004 Blood 103:489 abstract (uptodate.com abstract page): median age 43 years, median weight "
              "55.2 kg, median cryopreserved nucleated cells 2.51e7/kg; median time to ANC > 0.5e9/L 23 days"),
    CordDatum("kurtzberg2008_coblt_children", 3.9e7, "infused", 3.9e7, 27.0, _SIGMA,
              "191 children with haematological malignancies (COBLT)", 7.7, 25.9, PATIENTS[K2_PATIENT], CHILD_POOL,
              "Kurtzberg 2008 Blood 112:4318 abstract (ashpublications.net and ncbi pubmed 18723429): median age "
              "7.7 years, median weight 25.9 kg; median infused 3.9e7 TNC/kg (5.1e7 before cryopreservation); median "
              "time to ANC > 500/uL 27 days"),
    CordDatum("japan2006_children_aml", 4.7e7, "collected", 4.7e7 * POST_THAW_TNC_RECOVERY, 27.0, _SIGMA,
              "162 children with AML (Japan Cord Blood Bank Network)", None, None, PATIENTS[K2_PATIENT],
              CHILD_POOL + "; the abstract gives no age or weight, so COBLT's median child (K2) stands in (the "
              "other single-unit paediatric leukaemia cohort, the same median day)",
              "Blood 2006;108(11):3144 abstract (ASH meeting, ashpublications.net): children (no age or weight in the "
              "abstract); median collected nucleated cells 4.7e7/kg; median time to neutrophil recovery 27 days"),
)


def cord_scenario(tnc_per_kg: float, patient: Covariates | None = None) -> Scenario:
    """T7's scenario with a single cord-blood unit of ``tnc_per_kg`` (potency 1 in the scenario: the fit scales
    the graft's long-term content itself, :func:`cord_graft_events`), on ``patient`` (None: the scenario's man of 40)."""
    from hemasim.validation.scenario_runs import validation_scenario

    return validation_scenario("cy_tbi_pbsc", {"parameters": {POTENCY: 1.0},
                                               **single_cord_variation(tnc_per_kg, patient)})


def cord_graft_events(events: Sequence[Event], potency: np.ndarray) -> list[Event]:
    """``events`` (built at potency 1) with each transplant's long-term content per CD34+ cell (engrafting HSCs and
    short-term repopulating cells) times ``potency`` (one per vector); its committed first-wave content per CD34+
    cell is not the potency's (``cord_blood_committed_content_fold``, set when the events were built)."""
    return [dataclasses.replace(ev, hsc_per_cd34=np.asarray(ev.hsc_per_cd34, dtype=np.float64) * potency,
                                st_hspc_per_cd34=np.asarray(ev.st_hspc_per_cd34, dtype=np.float64) * potency)
            if isinstance(ev, Transplant) else ev for ev in events]


def sustained_crossing_days(days: np.ndarray, values: np.ndarray, threshold: float,
                            run_days: int = SUSTAINED_DAYS) -> np.ndarray:
    """Per row of ``values`` (N, T): the time (interpolated, linear in the log) of the climb through ``threshold``
    that starts the engraftment of the validation endpoint (the first of ``run_days`` whole days at or above it
    after the fall, :func:`hemasim.endpoints.engraftment_days`); NaN when there is none.

    A small cord graft's first wave of neutrophils can touch the threshold and fall back before the marrow holds
    it: the first crossing (the autologous fit's read-out) would then call engraftment weeks before the endpoint
    does, so this fit reads the crossing the endpoint counts."""
    starts = engraftment_days(days, values, threshold, run_days)
    out = np.full(values.shape[0], np.nan)
    level = math.log(threshold)
    for i, start in enumerate(starts):
        if not np.isfinite(start):
            continue
        k_start = int(np.searchsorted(days, start - 1e-9))  # first output of the run's first day
        below = np.nonzero(values[i, :k_start + 1] < threshold)[0]
        if not below.size:
            continue
        k = int(below[-1]) + 1  # first output back at or above, for good
        lo, hi = math.log(max(values[i, k - 1], 1e-300)), math.log(values[i, k])
        out[i] = days[k - 1] + (days[k] - days[k - 1]) * (level - lo) / (hi - lo)
    return out


def _engraftment_datum(d: CordDatum) -> EngraftmentDatum:
    """The datum as the engraftment objective reads it (ANC >= 0.5e9/L; CD34+ at the cited ratio, for display)."""
    from hemasim.parameters import healthy_adult_parameters

    cd34 = d.tnc_per_kg * healthy_adult_parameters().value("cord_blood_cd34_per_tnc")
    return EngraftmentDatum(d.id, cd34, "anc_1e9_per_L", 0.5, d.median_day, d.sigma_log, d.source)


def _condition_id(d: CordDatum) -> str:
    return f"single_cord_{d.id}"


def cord_problem(data: Sequence[CordDatum] = CORD_DATA) -> Problem:
    """The fit as a :class:`Problem`: one condition per datum (its dose on its patient), one row per datum (its own
    observable id, log-normal noise with its sigma), one estimated parameter (the potency, log10 scale,
    :data:`POTENCY_BOUNDS`)."""
    from hemasim.parameters import healthy_adult_parameters

    conditions = tuple(Condition(_condition_id(d), ScenarioSource(cord_scenario(d.tnc_per_kg, d.patient)))
                       for d in data)
    observables = tuple(ObservableSpec(d.id, "anc_1e9_per_L", NoiseModel("lognormal", d.sigma_log)) for d in data)
    params = (EstimatedParameter(POTENCY, POTENCY, *POTENCY_BOUNDS, healthy_adult_parameters().value(POTENCY)),)
    measurements = Measurements.from_rows([_condition_id(d) for d in data], [d.median_day for d in data],
                                          [d.id for d in data], [d.median_day for d in data],
                                          source="published single-unit cord-blood engraftment (hemasim.inference.cord)")
    return Problem("cord-blood CD34+ potency (single units after Cy/TBI)", conditions, observables, params,
                   measurements, rtol=1e-6).checked()


class CordObjective(EngraftmentObjective):
    """The engraftment objective on cord grafts: the potency of each vector scales its graft (the model is built
    once per datum: it does not depend on the potency)."""

    def __init__(self, problem: Problem, data: Sequence[CordDatum] = CORD_DATA, duration_days: float = 90.0) -> None:
        super().__init__(problem, [_engraftment_datum(d) for d in data], duration_days)
        self._models: dict[str, CompiledModel] = {}

    def predict(self, theta: np.ndarray) -> np.ndarray:
        """Per vector and datum: the day :func:`sustained_crossing_days` reads, plus half a day (a clinical day
        is a whole day), :data:`FAILED_DAY` when ANC does not engraft within the run."""
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        targets = [self._targets(v) for v in self.all_values(theta)]
        out = np.full((len(theta), len(self.datums)), FAILED_DAY)
        after = self.times >= GRAFT_DAY - 1e-9
        for cond in self.problem.conditions:
            rows = [j for j, d in enumerate(self.datums) if d.id in self._rows_for(cond.id)]
            anc = self._simulate(cond, targets, ("anc_1e9_per_L",))[:, after, 0]
            day = sustained_crossing_days(self.times[after] - GRAFT_DAY, anc, 0.5)
            for j in rows:
                out[:, j] = np.where(np.isfinite(day), day + DAY_OFFSET, FAILED_DAY)
        self.never_below = np.zeros(out.shape, dtype=bool)  # a cord graft after Cy/TBI always falls below
        self.n_evaluations += len(theta)
        return out

    def _model(self, cond: Condition) -> CompiledModel:
        if cond.id not in self._models:
            source = cond.source
            assert isinstance(source, ScenarioSource)
            self._models[cond.id] = source.build({}).compile()
        return self._models[cond.id]

    def _batch(self, cond: Condition, source: ScenarioSource, targets: list[dict[str, float]],
               ) -> tuple[CompiledModel, list[Event]]:
        """The potency changes the graft only: one compiled model per condition, stacked, and the graft events."""
        potency = np.array([t[POTENCY] for t in targets], dtype=np.float64)
        return stack_compiled([self._model(cond)] * len(targets)), cord_graft_events(source.events(), potency)


def _refine(objective: CordObjective, grid: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    """The minimum (scaled potency, objective) by golden-section search between the grid's neighbours of its best
    point (the objective is one-dimensional; finite differences would straddle the jumps of the read-out)."""
    i = int(np.nanargmin(values))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    best_x, best_f = float(grid[i]), float(values[i])
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    for _ in range(12):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        fa, fb = map(float, objective(np.array([[a], [b]])))
        if fa <= fb:
            hi = b
        else:
            lo = a
        for x, f in ((a, fa), (b, fb)):
            if f < best_f:
                best_x, best_f = x, f
    return best_x, best_f


def fit_potency(objective: CordObjective, grid_points: int = 41) -> dict[str, object]:
    """The estimate (grid over the search range in one batch, then :func:`_refine`), its 95% profile-likelihood
    interval (the engine's :func:`~hemasim.inference.uncertainty.profile_likelihood`) and the days at the estimate."""
    from hemasim.inference.uncertainty import identifiability, profile_likelihood

    lo, hi = objective.lower[0], objective.upper[0]
    grid = np.linspace(lo, hi, grid_points)
    values = np.asarray(objective(grid[:, None]), dtype=np.float64)
    days = objective.predict(grid[:, None])
    best_x, best_f = _refine(objective, grid, values)
    profile = profile_likelihood(objective, np.array([best_x]), [POTENCY], max_points=40)[0]
    fitted_days = objective.predict(np.array([[best_x]]))[0]
    return {
        "estimate": float(10.0 ** best_x), "objective": best_f,
        "ci95": [profile.ci_lower, profile.ci_upper], "status": profile.status,
        "identifiability": identifiability([profile]),
        "data": [{"id": d.id, "median_day": d.median_day, "fitted_day": round(float(day), 2),
                  "cd34_per_kg_at_cited_ratio": d.cd34_per_kg, "source": d.source}
                 for d, day in zip(objective.datums, fitted_days, strict=True)],
        "grid": [{"potency": float(10.0 ** g), "objective": float(f), "days": [round(float(x), 2) for x in row]}
                 for g, f, row in zip(grid, values, days, strict=True)],
        "profile": {"potency": [float(v) for v in profile.natural], "objective": [float(v) for v in profile.objective]},
    }


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    """Fit and profile the potency; print (and optionally write) the result as JSON."""
    parser = argparse.ArgumentParser(description="Fit of the cord-blood CD34+ potency (docs/engraftment_fit.md)")
    parser.add_argument("--grid", type=int, default=41, help="grid points over the search range")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    report = fit_potency(CordObjective(cord_problem()), args.grid)
    write_json_report(report, args.out)
    return report


if __name__ == "__main__":
    main()
