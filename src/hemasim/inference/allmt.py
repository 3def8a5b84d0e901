"""Fit and forecast the allMT maintenance records: the K-PD Friberg model (hemasim.pharmacology.maintenance),
a population fit (SAEM) on the first half of every record, each patient's MAP estimate with that population as
prior, and the forecast of the second half against last-value-carried-forward. The method and the table are in
docs/fitting_allmt.md; ``docs/allmt_forecast.py`` prints the table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hemasim._progress import StageFn
from hemasim.inference.population import (
    MapFit,
    PopulationData,
    PopulationFit,
    PopulationParameter,
    SaemSettings,
    map_estimates,
    population_parameter_set,
    saem,
)
from hemasim.pharmacology.maintenance import MAINTENANCE_PARAMETERS, DosePeriods, MaintenanceRecord, maintenance_model

if TYPE_CHECKING:
    from hemasim.inference.problem import Problem

__all__ = ["FREE_PARAMETERS", "AllmtForecast", "ForecastRow", "MaintenancePredictor", "forecast_allmt",
           "forecast_table", "individual_problem", "simulated_study", "split_record", "write_population_fit"]

#: the parameters fitted per patient (log-normal between-patient variability); the others stay at their
#: typical values: MTT and gamma (Friberg 2002; counts every 2-4 weeks do not resolve a 5-day transit, and
#: with MTT free SAEM ended at 11-23 days across runs without a better forecast) and the MTX slope (Jost 2020)
FREE_PARAMETERS = ("circ0", "slope_mp", "kde")
_FULL = {"circ0": "maintenance_circ0_1e9_per_L", "mtt": "maintenance_mtt_days", "gamma": "maintenance_gamma",
         "kde": "maintenance_kde_per_day", "slope_mp": "maintenance_slope_mp", "slope_mtx": "maintenance_slope_mtx"}


class MaintenancePredictor:
    """Predicted ANC at each subject's observation days for many parameter vectors at once (a
    :data:`~hemasim.inference.population.Predictor`): the batch is compiled as one cohort (each row its own dose
    schedule and parameters) and run on the lock-step kernel."""

    def __init__(self, schedules: Sequence[DosePeriods], days: Sequence[np.ndarray], free: Sequence[str],
                 fixed: Mapping[str, float] | None = None, rtol: float = 1e-6) -> None:
        if len(schedules) != len(days):
            raise ValueError("one schedule and one set of observation days per subject")
        self.schedules = list(schedules)
        self.days = [np.asarray(d, dtype=np.float64) for d in days]
        self.free = tuple(free)
        self.fixed = dict(fixed or {})
        self.rtol = rtol
        self.width = max(len(d) for d in self.days)

    def __call__(self, subjects: np.ndarray, values: np.ndarray) -> np.ndarray:
        return self.at(subjects, values, [self.days[int(s)] for s in subjects], self.width)

    def at(self, subjects: np.ndarray, values: np.ndarray, days: Sequence[np.ndarray], width: int) -> np.ndarray:
        """Predictions (M, width) at ``days[m]`` of row m (NaN-padded)."""
        from hemasim.inference.forward import threads_for
        from hemasim.simulation import integrate_through_events
        from hemasim.solvers import DormandPrince

        values = np.asarray(values, dtype=np.float64)
        one = len(subjects) == 1  # one row: the single-patient kernel (no lock-step bookkeeping)
        params: dict[str, object] = {k: v if one else np.full(len(subjects), v) for k, v in self.fixed.items()}
        params.update({name: float(values[0, j]) if one else values[:, j] for j, name in enumerate(self.free)})
        rows = [self.schedules[int(s)] for s in subjects]
        shared = all(r is rows[0] for r in rows)
        model = maintenance_model(rows[0] if shared else rows, params).compile()  # type: ignore[arg-type]
        times = np.unique(np.concatenate([[0.0], *days]))
        with threads_for(len(subjects)):  # no more numba threads than lock-step chunks
            run = integrate_through_events(model, DormandPrince(rtol=self.rtol), model.x0, [], times,
                                           np.random.default_rng(0), [], ["anc_1e9_per_L"])
        out = np.full((len(subjects), width), np.nan)
        for m, d in enumerate(days):
            out[m, :len(d)] = run.values[m, np.searchsorted(times, d), 0]
        return out


def split_record(record: MaintenanceRecord, fraction: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the fitting part (the first ``fraction`` of the assessments) and of the forecast part."""
    n_fit = max(2, int(np.floor(fraction * len(record.days))))
    idx = np.arange(len(record.days))
    return idx[:n_fit], idx[n_fit:]


@dataclass(frozen=True)
class ForecastRow:
    """Forecast errors of one patient (or 'overall'), ANC in 1e9/L, log = natural log: the model, last value
    carried forward (LOCF) and the geometric mean of the fitted part (a model-free level)."""

    patient: str
    n_fit: int
    n_forecast: int
    rmse: float
    mae: float
    rmse_log: float
    mae_log: float
    rmse_locf: float
    mae_locf: float
    rmse_log_locf: float
    mae_log_locf: float
    rmse_mean: float
    mae_mean: float
    rmse_log_mean: float
    mae_log_mean: float


def _errors(patient: str, n_fit: int, z: np.ndarray, model: np.ndarray, locf: np.ndarray, level: np.ndarray
            ) -> ForecastRow:
    def four(pred: np.ndarray) -> list[float]:
        e, el = pred - z, np.log(pred) - np.log(z)
        return [float(np.sqrt(np.mean(e**2))), float(np.mean(np.abs(e))), float(np.sqrt(np.mean(el**2))),
                float(np.mean(np.abs(el)))]

    return ForecastRow(patient, n_fit, len(z), *four(model), *four(locf), *four(level))


@dataclass(frozen=True)
class AllmtForecast:
    population: PopulationFit
    individual: list[MapFit]
    rows: list[ForecastRow]  # per patient, then 'overall' (all forecast points pooled)
    predictions: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # patient -> (days, observed, forecast)


def forecast_allmt(records: Sequence[MaintenanceRecord], settings: SaemSettings = SaemSettings(),
                   free: Sequence[str] = FREE_PARAMETERS, fraction: float = 0.5, progress: bool = False
                   ) -> AllmtForecast:
    """Population fit on the first part of every record, MAP per patient, forecast of the rest (module doc)."""
    splits = [split_record(r, fraction) for r in records]
    fit_days = [r.days[a] for r, (a, _) in zip(records, splits, strict=True)]
    predictor = MaintenancePredictor([r.doses for r in records], fit_days, free)
    z = np.full((len(records), predictor.width), np.nan)
    for i, (r, (a, _)) in enumerate(zip(records, splits, strict=True)):
        z[i, :len(a)] = np.maximum(r.anc_1e9_per_L[a], 0.01)  # one ANC of 0 would be -inf on the log scale
    data = PopulationData(tuple(r.patient for r in records), z)
    pop = saem(data, predictor, _start(free), settings, progress)
    individual = map_estimates(data, predictor, free, pop.typical, pop.omega, pop.sigma)
    rows, predictions = [], {}
    pooled: list[list[np.ndarray]] = [[], [], [], []]
    for i, (r, (a, b)) in enumerate(zip(records, splits, strict=True)):
        observed = np.maximum(r.anc_1e9_per_L[b], 0.01)
        forecast = predictor.at(np.array([i]), individual[i].values[None], [r.days[b]], len(b))[0]
        locf = np.full(len(b), z[i, len(a) - 1])
        level = np.full(len(b), np.exp(np.mean(np.log(z[i, :len(a)]))))
        rows.append(_errors(r.patient, len(a), observed, forecast, locf, level))
        predictions[r.patient] = (r.days[b], observed, forecast)
        for k, v in enumerate((observed, forecast, locf, level)):
            pooled[k].append(v)
    z_all, f_all, l_all, m_all = (np.concatenate(v) for v in pooled)
    rows.append(_errors("overall", sum(r.n_fit for r in rows), z_all, f_all, l_all, m_all))
    return AllmtForecast(pop, individual, rows, predictions)


def forecast_table(rows: Sequence[ForecastRow]) -> str:
    """The rows as a Markdown table: RMSE and MAE of the ANC (1e9/L) and of its natural log, for the model,
    last value carried forward (LOCF) and the fitted part's geometric mean (mean)."""
    head = ("| patient | fitted | forecast | RMSE model / LOCF / mean | MAE model / LOCF / mean | "
            "RMSE log model / LOCF / mean | MAE log model / LOCF / mean |\n|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        cells = [f"{a:.2f} / {b:.2f} / {c:.2f}" for a, b, c in (
            (r.rmse, r.rmse_locf, r.rmse_mean), (r.mae, r.mae_locf, r.mae_mean),
            (r.rmse_log, r.rmse_log_locf, r.rmse_log_mean), (r.mae_log, r.mae_log_locf, r.mae_log_mean))]
        lines.append(f"| {r.patient} | {r.n_fit} | {r.n_forecast} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


#: the simulated recovery study's design: 24 weeks of maintenance (half dose for 4 weeks, full dose, a 2-week
#: interruption, 120% 6-MP), counts every 2 weeks, 20% log-normal residual error
STUDY_SCHEDULE = DosePeriods(np.array([0.0, 28.0, 84.0, 98.0]), np.array([0.5, 1.0, 0.0, 1.2]),
                             np.array([0.5, 1.0, 0.0, 1.0]))
STUDY_DAYS = np.arange(14.0, 169.0, 14.0)
STUDY_FREE = ("circ0", "slope_mp", "kde")
STUDY_TYPICAL = np.array([3.0, 0.3, 0.1])
STUDY_OMEGA = np.array([0.3, 0.3, 0.3])
STUDY_SIGMA = 0.2


def simulated_study(n_subjects: int, seed: int) -> tuple[MaintenancePredictor, PopulationData, np.ndarray]:
    """A synthetic maintenance population from the known STUDY_* values: (predictor, data, true thetas)."""
    from hemasim.inference.population import simulate_population

    predictor = MaintenancePredictor([STUDY_SCHEDULE] * n_subjects, [STUDY_DAYS] * n_subjects, STUDY_FREE)
    theta, z = simulate_population(predictor, n_subjects, STUDY_TYPICAL, STUDY_OMEGA, STUDY_SIGMA,
                                   np.random.default_rng(seed))
    return predictor, PopulationData(tuple(f"sim_{i}" for i in range(n_subjects)), z), theta


def write_population_fit(folder: str | Path, out_dir: str | Path, patients: Sequence[str] | None = None,
                         settings: SaemSettings = SaemSettings(), progress: bool | StageFn = False) -> list[Path]:
    """``hemasim fit-population DATA_DIR``: SAEM and MAP on every allMT-format record in ``folder`` (or the
    named ``patients``); outputs as :func:`hemasim.inference.population_outputs.write_population_outputs`."""
    from hemasim.inference.population_outputs import POPULATION_FILES, write_population_outputs
    from hemasim.io import check_output_folder
    from hemasim.pharmacology.maintenance import load_allmt_patient

    folder = Path(folder)
    twice = sorted({p for p in patients or [] if list(patients or []).count(p) > 1})
    if twice:  # each copy was fitted as a subject of its own: 2 subjects from one record, omega shrunk to fit them
        raise ValueError(f"--patients: {', '.join(twice)} given more than once; each record is one subject")
    files = [folder / f"{p}.csv" for p in patients] if patients else sorted(folder.glob("*.csv"))
    if not files:
        raise ValueError(f"{folder}: no allMT-format CSV files")
    for f in files:
        if not f.is_file():
            raise ValueError(f"{f}: no such file")
    records = [load_allmt_patient(f) for f in files]
    check_output_folder(out_dir, POPULATION_FILES)  # before SAEM, not after it
    predictor = MaintenancePredictor([r.doses for r in records], [r.days for r in records], FREE_PARAMETERS)
    z = np.full((len(records), predictor.width), np.nan)
    for i, r in enumerate(records):
        z[i, :len(r.days)] = np.maximum(r.anc_1e9_per_L, 0.01)
    data = PopulationData(tuple(r.patient for r in records), z)
    pop = saem(data, predictor, _start(FREE_PARAMETERS), settings, progress)
    individual = map_estimates(data, predictor, FREE_PARAMETERS, pop.typical, pop.omega, pop.sigma)
    document = population_parameter_set(pop, {n: _FULL[n] for n in FREE_PARAMETERS},
                                        {n: MAINTENANCE_PARAMETERS[_FULL[n]].unit for n in FREE_PARAMETERS},
                                        [f.name for f in files], "maintenance K-PD Friberg (allMT format)")
    return write_population_outputs(out_dir, data, predictor, [r.days for r in records], pop, individual, document,
                                    "ANC (1e9/L)", settings.seed)


def _start(free: Sequence[str]) -> list[PopulationParameter]:
    """SAEM's starting point: the typical values and variabilities of the maintenance parameters."""
    return [PopulationParameter(n, MAINTENANCE_PARAMETERS[_FULL[n]].value,
                                float(np.sqrt(np.log1p((MAINTENANCE_PARAMETERS[_FULL[n]].iiv_cv or 0.5) ** 2))))
            for n in free]


def individual_problem(record: MaintenanceRecord, typical: Mapping[str, float], omega: Mapping[str, float],
                       sigma: float, rows: np.ndarray | None = None) -> Problem:
    """One patient's MAP fit as a :class:`~hemasim.inference.problem.Problem` of the core fitting engine
    (``hemasim.inference.fit``): the maintenance model built in Python for the patient's doses, the ANC at
    ``rows`` (default: all) with log-normal error ``sigma``, and each parameter estimated on the log scale with
    the population distribution as prior (normal on the log scale: median ``typical``, SD ``omega``), which is
    exactly what :func:`~hemasim.inference.population.map_estimates` minimises."""
    from hemasim.inference.noise import NoiseModel
    from hemasim.inference.problem import (
        Condition,
        EstimatedParameter,
        Measurements,
        ObservableSpec,
        Prior,
        Problem,
    )
    from hemasim.inference.sources import BuilderSource

    idx = np.arange(len(record.days)) if rows is None else np.asarray(rows)
    names = tuple(typical)
    source = BuilderSource(lambda values: maintenance_model(record.doses, dict(values)), names,
                           label=f"maintenance K-PD Friberg model, doses of {record.patient}")
    parameters = []
    for name in names:
        lo, hi = MAINTENANCE_PARAMETERS[_FULL[name]].bounds
        parameters.append(EstimatedParameter(
            name, name, max(lo, 1e-6), hi, float(typical[name]), scale="log",
            prior=Prior("parameterScaleNormal", float(np.log(typical[name])), float(omega[name])),
            unit=MAINTENANCE_PARAMETERS[_FULL[name]].unit))
    measurements = Measurements.from_rows([record.patient] * len(idx), record.days[idx].tolist(), ["anc"] * len(idx),
                                          np.maximum(record.anc_1e9_per_L[idx], 0.01).tolist(), source=record.patient)
    return Problem(f"{record.patient} MAP", (Condition(record.patient, source),),
                   (ObservableSpec("anc", "anc_1e9_per_L", NoiseModel("lognormal", float(sigma))),),
                   tuple(parameters), measurements, rtol=1e-6).checked()
