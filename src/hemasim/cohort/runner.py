"""Run a cohort in partitions, locally on all cores or on a Dask cluster, resumably.

Layout of the output folder::

    manifest.json                  what cohort this is (scenario, n, seed, partition size, version) and, per
                                   complete partition, the size and sha256 of each of its files
    endpoints/part-00000.parquet   one row per patient: id, seed, covariates, sampled parameters, endpoints
    timeseries/part-00000.parquet  (optional) one row per patient and output time
    bands/part-00000.npz           histograms of selected observables per output time (for the bands)
    summary.json, summary.csv      median, 5-95% range and fraction reaching each endpoint
    bands.csv, bands.png           median and 5-95% bands over time (from mergeable histograms, ~1.5% bins)
    report.html                    the summary and the bands in one page (bands.png and report.html: not with
                                   ``report=False``, ``hemasim cohort --no-report``)

Every file is written atomically (a hidden temporary renamed into place), and the summary's five as one set: all
are written before any is renamed into place, so one that fails leaves an earlier summary as it was. A partition is complete when the
manifest records it and its files have the recorded sizes and sha256: the manifest is rewritten after each
partition's files, and first written with the first partition (a cohort whose inputs fail leaves nothing).
Re-running the same command skips complete partitions and recomputes any other (missing, truncated, damaged),
so an interrupted cohort resumes without recomputing what it finished. A folder holding another cohort, or one
from another hemasim version, is refused unless ``force`` (which deletes it); so is a damaged manifest.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hemasim import __version__
from hemasim._gc import raised_while_running
from hemasim._progress import IntegratedFn, StageFn, flush_held, listening_to_integration, stage_bars
from hemasim.assembly import (
    EventParameterError,
    batch_events,
    build_model,
    model_extensions,
    scenario_endpoint_observables,
    scenario_endpoint_units,
    scenario_endpoint_values,
    scenario_output_days,
)
from hemasim.biology import healthy_human_model
from hemasim.biology.body import Covariates
from hemasim.biology.origins import split_origins
from hemasim.biology.transplant import blocked_flows, host_absent_compartments
from hemasim.cohort.sampling import (
    LYMPHOCYTE_REFERENCES,
    VirtualPatients,
    cohort_sex,
    draw_patients,
    publishes_variability,
    youngest_age_years,
)
from hemasim.endpoints import (
    AT_RUN_END,
    DEFAULT_ENDPOINTS,
    FELL_AGAIN,
    UNDECIDED_SUFFIX,
    Endpoint,
    FinalValue,
    chemotherapy_dose_days,
    did_not_fall,
    endpoint_observables,
    flag_column_names,
)
from hemasim.interventions import EndpointContext
from hemasim.interventions.transplant import graft_day
from hemasim.io import (
    atomic_write_file,
    atomic_write_files,
    check_output_folder,
    probe_writable,
    remove_stale_temporaries,
    written_floats,
)
from hemasim.model import Model
from hemasim.parameters import ParameterSet, healthy_adult_parameters
from hemasim.pharmacology import DrugExposure, DrugSet, available_drug_sets, load_drug_set
from hemasim.report import render_cohort_report
from hemasim.report.plots import CohortBandsFigure, cohort_bands_figure
from hemasim.scenario import Scenario, parse_scenario
from hemasim.scenario.overrides import apply_overrides
from hemasim.simulation import PatientGenerators, Result, Simulation, output_times
from hemasim.solvers import Solver, observable_indices

BAND_OBSERVABLES = ("anc_1e9_per_L", "platelets_1e9_per_L", "hemoglobin_g_per_dL", "cd4_per_uL")
# log-spaced histogram bins per band observable: (low, high) edges; 800 bins -> ~1-2% resolution
BAND_RANGES = {"anc_1e9_per_L": (1e-3, 1e2), "platelets_1e9_per_L": (1e-1, 1e4), "hemoglobin_g_per_dL": (1.0, 30.0),
               "cd4_per_uL": (1.0, 1e5)}
N_BINS = 800
#: a vaccine antigen's IgG observable (``influenza_igg_au``, arbitrary units), banded in a cohort given that vaccine
IGG_BAND_SUFFIX = "_igg_au"
#: its bins: from a trace to thousands of AU (a long infection's, hemasim.report.plots); none before the first dose
#: (0) counts below the lowest bin, read as its edge, 0.01 AU. Fixed in AU, not in the run's unit: a scenario that
#: rescales the antibody family (hemasim.parameters.units) moves the bands' quantiles by k only to a bin (about 1.7%)
#: and within these edges
IGG_BAND_RANGE = (1e-2, 1e4)

#: observables a partition reads whole (every patient and time) more than once - the default endpoints other than
#: the final values, and the band histograms: they are copied once into rows of their own (:func:`_observable_rows`)
ROW_OBSERVABLES = tuple(name for name, reads in Counter(
    [*(e.observable for e in DEFAULT_ENDPOINTS if not isinstance(e, FinalValue)), *BAND_OBSERVABLES]).items()
    if reads > 1)
#: cohorts' relative tolerance unless the scenario's solver block states one (a single run's default is 1e-8;
#: cohort endpoints agree with single runs to about 1e-4 at this tolerance, at a fraction of the cost)
COHORT_RTOL = 1e-6
#: the largest cohort: a hundred times the million patients docs/cohorts.md runs on a cluster (--n 1e14 was taken and
#: then listed 1e11 partitions, for ever, before writing anything)
MAX_PATIENTS = 100_000_000
#: partitions of one cohort at most: the manifest records each, and is rewritten after each (--partition-size 1
#: with a large --n)
MAX_PARTITIONS = 100_000


class CohortError(RuntimeError):
    pass


#: a scenario-driven endpoint column's unit, definition, and why it has no value where that is not "not reached"
#: (:attr:`hemasim.interventions.base.EndpointColumn.missing`: a G-CSF's Cmax is "not computed"; None: not reached)
EndpointMeta = tuple[str, str, str | None]


@dataclass(frozen=True)
class PartitionOutput:
    index: int
    endpoints: pd.DataFrame
    timeseries: pd.DataFrame | None
    histograms: np.ndarray  # (n_band_obs, n_times, N_BINS + 2) counts incl. under/overflow
    #: endpoint column -> (unit, definition, missing) for the scenario-driven endpoints (written into the Parquet
    #: metadata); see :data:`EndpointMeta`
    endpoint_meta: dict[str, EndpointMeta] = field(default_factory=dict)
    #: drawn drug-set column (``param_<set>__<path>``) -> (unit, description) of its parameter record in the
    #: partition's model (:func:`column_units`; a drug set's parameters are built with the model, not listed apart)
    drug_parameter_units: dict[str, tuple[str, str]] = field(default_factory=dict)


def band_sex(scenario: Scenario) -> str | None:
    """The sex whose haemoglobin reference range the bands draw: the cohort's one sex, None where it mixes men and
    women (:func:`hemasim.cohort.sampling.cohort_sex`; the report's caption says why there is no band then)."""
    population = scenario.population
    return cohort_sex(population.female_fraction if population is not None else None, scenario.patient.sex)


def band_observables(scenario: Scenario) -> tuple[str, ...]:
    """The observables a cohort's bands show: :data:`BAND_OBSERVABLES`, then the IgG of each vaccine antigen the
    scenario gives (a vaccine cohort's bands were four flat blood counts and no antibody)."""
    from hemasim.interventions.vaccine import VaccineSpec

    antigens = dict.fromkeys(iv.antigen for iv in scenario.interventions if isinstance(iv, VaccineSpec))
    return (*BAND_OBSERVABLES, *(f"{a}{IGG_BAND_SUFFIX}" for a in antigens))


def _bin_edges(name: str) -> np.ndarray:
    lo, hi = IGG_BAND_RANGE if name.endswith(IGG_BAND_SUFFIX) else BAND_RANGES[name]
    return np.logspace(np.log10(lo), np.log10(hi), N_BINS + 1)


def cohort_solver(scenario: Scenario, rtol: float) -> Solver:
    """The scenario's solver (its kind and settings) at the cohort's relative tolerance ``rtol``."""
    return replace(scenario.solver.build(), rtol=rtol)


def cohort_rtol(scenario: Scenario) -> float:
    """The scenario's rtol where its solver block states one, else :data:`COHORT_RTOL`."""
    return scenario.solver.rtol if "rtol" in scenario.solver.model_fields_set else COHORT_RTOL


def varied_drug_sets(scenario: Scenario) -> list[DrugSet]:
    """The dosed drug sets whose published between-patient variability the cohort draws (``population:
    drug_variability: true``; empty otherwise), in model order; a scenario asking for it where no dosed set
    publishes any, or together with a fitted ``parameter_set``, is an error."""
    if scenario.population is None or not scenario.population.drug_variability:
        return []
    dosed = [e.drug_set for e in model_extensions(scenario) if isinstance(e, DrugExposure)]
    varied = [ds for ds in dosed if publishes_variability(ds)]
    if not varied:
        with_iiv = [n for n in available_drug_sets() if publishes_variability(load_drug_set(n))]
        raise CohortError("population.drug_variability: true, but no drug set the scenario doses publishes "
                          f"between-patient variability (dosed: {', '.join(ds.name for ds in dosed) or 'none'}; "
                          f"shipped sets that do: {', '.join(with_iiv)})")
    if scenario.parameter_set is not None:
        raise CohortError("population.drug_variability: not available with a fitted parameter_set (its drug "
                          "values are the fit's); remove one of the two")
    return varied


def check_white_cell_baseline(scenario: Scenario) -> None:
    """Refuse ``population: white_cell_baseline: metastatic_cancer`` together with a value of a lymphocyte
    reference count (:data:`~hemasim.cohort.sampling.LYMPHOCYTE_REFERENCES`) from ``parameters:`` or a fitted
    ``parameter_set:``: the option draws their total (the subsets would keep only their proportions), so the
    value would be silently replaced. CohortError naming both fields."""
    if scenario.population is None or scenario.population.white_cell_baseline != "metastatic_cancer":
        return
    moves = "to move the drawn counts, change metastatic_cancer_lymphocytes_median_1e9_per_L or " \
            "metastatic_cancer_lymphopenia_fraction"
    overridden = [name for name in LYMPHOCYTE_REFERENCES if name in scenario.parameters]
    if overridden:
        raise CohortError(f"parameters.{overridden[0]}: not available with population.white_cell_baseline: "
                          f"metastatic_cancer (it draws the lymphocyte reference counts); remove one of the two "
                          f"({moves})")
    if scenario.parameter_set is not None:
        from hemasim.inference.fitted import load_fitted_values

        fitted = [name for name in LYMPHOCYTE_REFERENCES if name in load_fitted_values(scenario.parameter_set).values]
        if fitted:
            raise CohortError(f"population.white_cell_baseline: metastatic_cancer draws {fitted[0]}, which the fitted "
                              f"parameter_set {scenario.parameter_set} sets; remove one of the two ({moves})")


#: patients drawn at a time by :func:`check_blood_losses` (their generators are held together)
CHECK_CHUNK = 100_000
#: the covariates a population may draw, as (the field of :class:`~hemasim.scenario.Population`, Covariates' name)
_DRAWN = (("female_fraction", "sex"), ("age_years", "age_years"), ("weight_kg", "weight_kg"),
          ("height_cm", "height_cm"))


def check_blood_losses(scenario: Scenario, n: int, seed: int, seeds: Sequence[int] | None = None) -> None:
    """Refuse a blood loss of the whole blood volume of any of the cohort's ``n`` patients, or more, before a
    partition runs: the partition that draws such a patient met blood_donation's own refusal only as its events
    were built, after the partitions before it were written, and in words that named nobody (review35e: 9 of 40
    partitions, then "the whole blood volume of the patient (2775 mL)" where the scenario's patient has ~3.8 L).
    ValueError naming the field, the first patient short of blood (its id, blood volume and covariates, each drawn
    one with the population field it was drawn from) and how many there are. Only the covariates are drawn
    (:func:`~hemasim.cohort.sampling.draw_cohort_covariates`, ~10 us a patient), and only for a scenario with a
    blood loss; a population that draws no covariate has the scenario's patient n times."""
    from hemasim.assembly import event_table
    from hemasim.biology.body import blood_volume_L
    from hemasim.cohort.sampling import draw_cohort_covariates
    from hemasim.interventions.blood_donation import BloodDonation

    losses = [(i, iv) for i, iv in enumerate(scenario.interventions) if isinstance(iv, BloodDonation)]
    if not losses:
        return
    table = event_table(scenario)  # the values the events are built with (blood_donation's own refusal reads them)
    population = scenario.population
    drawn = [name for field_, name in _DRAWN if population is not None and getattr(population, field_) is not None]
    # per loss (in the scenario's order): patients short of blood, the first of them, the least blood among them
    short = [0] * len(losses)
    first: list[tuple[int, float, Covariates, int] | None] = [None] * len(losses)  # id, mL, its chunk, at
    least = [np.inf] * len(losses)
    for start in range(0, n if drawn else 1, CHECK_CHUNK):
        stop = min(n, start + CHECK_CHUNK) if drawn else 1
        cov = draw_cohort_covariates(population, scenario.patient, start, stop, seed, seeds)
        blood_mL = np.atleast_1d(np.asarray(blood_volume_L(cov, table), dtype=np.float64)) * 1000.0
        for j, (_, iv) in enumerate(losses):
            at = np.flatnonzero(iv.volume_mL >= blood_mL)
            if not at.size:
                continue
            short[j] += int(at.size) if drawn else n
            least[j] = min(least[j], float(blood_mL[at].min()))
            if first[j] is None:
                first[j] = (start + int(at[0]), float(blood_mL[at[0]]), cov, int(at[0]))
    refused = next((j for j, count in enumerate(short) if count), None)
    if refused is None:
        return
    index, iv = losses[refused]
    patient, blood, cov, k = first[refused]  # type: ignore[misc]

    def said(name: str, text: str) -> str:
        field_ = dict((b, a) for a, b in _DRAWN)[name]
        return f"{text} drawn from population.{field_}" if name in drawn else text

    def value(name: str) -> float:
        return float(np.asarray(getattr(cov, name))[k])

    parts = [said("sex", str(np.asarray(cov.sex)[k])), said("age_years", f"{value('age_years'):.3g} years"),
             said("weight_kg", f"{value('weight_kg'):.4g} kg")]
    if cov.height_cm is not None:
        parts.append(said("height_cm", f"{value('height_cm'):.4g} cm"))
    whose = f"cohort patient {patient} ({blood:.0f} mL; {', '.join(parts)}{'' if drawn else ': the scenario patient'})"
    raise ValueError(f"{iv.refusal(index, whose)}; {short[refused]:,} of the {n:,} patients have that little blood or "
                     f"less (the least {least[refused]:.0f} mL); nothing was written")


def cohort_model(scenario: Scenario, covariates: Covariates, params: ParameterSet, per_patient: dict[str, np.ndarray],
                 drug_values: dict[str, dict[str, np.ndarray]]) -> Model:
    """:func:`~hemasim.assembly.build_model` of the cohort, each drug set in ``drug_values`` (set name -> dotted
    path -> per-patient values) given its patients' values."""
    if not drug_values:
        return build_model(scenario, covariates, params, per_patient=per_patient)
    parameters = apply_overrides(scenario.parameters, params)
    extensions = [DrugExposure(e.drug_set, e.lineages, per_patient=drug_values[e.drug_set.name])
                  if isinstance(e, DrugExposure) and e.drug_set.name in drug_values else e
                  for e in model_extensions(scenario)]
    model = healthy_human_model(covariates, parameters, aging=scenario.aging, per_patient=per_patient,
                                extensions=extensions)
    if not scenario.is_chimeric:  # as build_model does
        return model
    genotype = scenario.patient.genotype
    return split_origins(model, blocked_flows(genotype), host_absent_compartments(genotype))


@dataclass(frozen=True, eq=False)
class PreparedPartition:
    """A partition's patients drawn and its model built (:func:`prepare_partition`), ready to integrate."""

    index: int
    scenario: Scenario
    params: ParameterSet
    patients: VirtualPatients
    simulation: Simulation
    observables: list[str]
    extra: list[str]
    timeseries: bool


def prepare_partition(scenario_data: dict[str, Any], index: int, start: int, stop: int, base_seed: int,
                      seeds: Sequence[int] | None, timeseries: bool, rtol: float = COHORT_RTOL) -> PreparedPartition:
    """The first stage of :func:`simulate_partition`: patients drawn, model built (Python and numpy only: no
    numba kernel runs here, so it can overlap another partition's integration)."""
    scenario = parse_scenario(scenario_data)
    params = apply_overrides(scenario.parameters, healthy_adult_parameters())  # before drawing: draws vary them
    if scenario.parameter_set is not None:  # a fitted (population) set: its typical values and iiv_cv are drawn
        from hemasim.inference.population import apply_population_set
        params = apply_population_set(params, scenario.parameter_set, skip_unknown=True)
    check_white_cell_baseline(scenario)
    vp = draw_patients(scenario.population, scenario.patient, params, start, stop, base_seed, seeds,
                       varied_drug_sets(scenario))
    model = cohort_model(scenario, vp.covariates, params, vp.parameters, vp.drug_values).compile()
    extra = scenario_endpoint_observables(scenario, model.observable_names)
    obs_names = list(dict.fromkeys([*endpoint_observables(DEFAULT_ENDPOINTS), *band_observables(scenario), *extra]))
    # for stochastic events, one generator per patient (patient i's from its own seed, as its draws above)
    seed = PatientGenerators([np.random.SeedSequence(int(seeds[i]), spawn_key=(1,)) if seeds is not None
                              else np.random.SeedSequence(base_seed, spawn_key=(int(i), 1)) for i in range(start, stop)])
    try:  # the events read some parameters when they are built: each patient's drawn value, as its single run
        events = batch_events(scenario, vp.covariates, vp.parameters)
    except EventParameterError as err:
        raise CohortError(f"{err}; the cohort draws it per patient from its iiv_cv: give it none") from None
    sim = Simulation(model, cohort_solver(scenario, rtol), events, seed=seed)
    model.obs_weights.rows(observable_indices(model, obs_names))  # what the integration reads, built here
    return PreparedPartition(index, scenario, params, vp, sim, obs_names, extra, timeseries)


def integrate_partition(prepared: PreparedPartition, on_integrated: IntegratedFn | None = None) -> Result:
    """The second stage: steady states and the integration through the events (the numba kernels, on every
    core; one partition at a time). ``on_integrated(patients, days)`` as each chunk of patients is integrated over a
    solve call's days (:func:`hemasim._progress.listening_to_integration`; None: whoever listens in this thread
    already): the same arithmetic, told as it goes."""
    scenario = prepared.scenario
    with listening_to_integration(on_integrated) if on_integrated is not None else nullcontext():
        return prepared.simulation.run(scenario.duration_days, scenario.output.every_days,
                                       observe=prepared.observables, extra_output_days=scenario_output_days(scenario))


def finish_partition(prepared: PreparedPartition, result: Result, histograms: np.ndarray | None = None,
                     rows: dict[str, np.ndarray] | None = None) -> PartitionOutput:
    """The last stage: endpoints, band histograms (unless given: :func:`_band_histograms` of this result) and
    (optionally) the time-series table (numpy and pandas). ``rows``: :func:`_observable_rows` of this result, when
    the caller made them already."""
    scenario, vp, extra, obs_names = prepared.scenario, prepared.patients, prepared.extra, prepared.observables
    rows = _observable_rows(result) if rows is None else rows
    times, log = result.times, result.record.administrations
    ep: dict[str, Any] = {"patient_id": vp.ids, "seed": vp.seeds, "age_years": vp.covariates.age_years,
                          "sex": vp.covariates.sex, "weight_kg": vp.covariates.weight_kg}
    if vp.covariates.height_cm is not None:
        ep["height_cm"] = vp.covariates.height_cm
    for name, values in vp.parameters.items():
        ep[f"param_{name}"] = values
    records = prepared.simulation.model.parameters
    drug_units: dict[str, tuple[str, str]] = {}
    for set_name, by_path in vp.drug_values.items():
        for path, values in by_path.items():
            name = f"{set_name}__{path.replace('.', '_')}"
            ep[f"param_{name}"] = values
            if name in records:  # the record the model was built with (its unit: L/h/m2, L/umol)
                drug_units[f"param_{name}"] = (records[name].unit, records[name].description)
    dose_days = chemotherapy_dose_days(scenario, log, len(vp.ids))  # a second fall is read up to the next dose
    for e in DEFAULT_ENDPOINTS:
        series = _observable(result, rows, e.observable)
        ep[e.name] = e.values(times, series)
        # what a value does not say by itself: a nadir still falling when the run ends, a recovery followed by a
        # second fall before the next cycle (1/0 columns; the summary gives their shares)
        for suffix, flag in e.flag_columns(times, series, ep[e.name], dose_days).items():
            ep[f"{e.name}{suffix}"] = flag
    meta: dict[str, EndpointMeta] = {}
    extra_obs = {name: result.observable(name) for name in extra}
    ctx = EndpointContext(prepared.params, vp.covariates.age_years, log, len(vp.ids), covariates=vp.covariates,
                          drug_values=vp.drug_values, per_patient=vp.parameters,
                          youngest_age_years=youngest_age_years(scenario.population, scenario.patient),
                          extra_samples=result.extra_samples(list(extra)), start_values=result.start_values
                          if result.start_states is not None else None)
    units = scenario_endpoint_units(scenario)  # as declared (the definitions are the run's: a median reference count)
    for column in scenario_endpoint_values(scenario, times, extra_obs, ctx):
        ep[column.name] = column.values
        meta[column.name] = (units[column.name], column.definition, column.missing)
    ts = _timeseries_table(vp.ids, times, obs_names, result.values) if prepared.timeseries else None
    hist = _band_histograms(times, result, rows, band_observables(scenario)) if histograms is None else histograms
    return PartitionOutput(prepared.index, pd.DataFrame(ep), ts, hist, meta, drug_units)


def simulate_partition(scenario_data: dict[str, Any], index: int, start: int, stop: int, base_seed: int,
                       seeds: Sequence[int] | None, timeseries: bool, rtol: float = COHORT_RTOL) -> PartitionOutput:
    """Simulate patients ``start`` .. ``stop - 1`` (a pure function: safe to ship to Dask workers).

    The scenario's solver runs at relative tolerance ``rtol`` (see :func:`cohort_rtol`). The three stages
    (:func:`prepare_partition`, :func:`integrate_partition`, :func:`finish_partition`) one after another; the
    local executor overlaps them across partitions.
    """
    prepared = prepare_partition(scenario_data, index, start, stop, base_seed, seeds, timeseries, rtol)
    return finish_partition(prepared, integrate_partition(prepared))


#: the function the local executor runs in stages (this object, not the module attribute of its name: a test
#: that replaces ``simulate_partition`` gets its replacement run as given)
_STAGED_PARTITION = simulate_partition


def _timeseries_table(ids: np.ndarray, times: np.ndarray, names: Sequence[str], values: np.ndarray) -> pd.DataFrame:
    """One row per patient and output time, a float32 column per observable (values (N, n_times, k))."""
    n_p, n_t = values.shape[:2]
    ts = pd.DataFrame({"patient_id": np.repeat(ids, n_t), "time_days": np.tile(times, n_p)})
    for j, name in enumerate(names):
        ts[name] = values[:, :, j].reshape(-1).astype(np.float32)
    return ts


def _band_histograms(times: np.ndarray, result: Result, rows: dict[str, np.ndarray] | None = None,
                     observables: Sequence[str] = BAND_OBSERVABLES) -> np.ndarray:
    """Counts (n_band_obs, n_times, N_BINS + 2) of the patients in each band bin of each of ``observables``
    (:func:`band_observables`), under/overflow included (one pass of a numba kernel per observable: searchsorted and
    bincount over the partition took ~0.2 s a 2,000 patients). ``rows``: :func:`_observable_rows` of this result
    (the observables it holds are read from there)."""
    # imported here: its kernel is compiled (or loaded from the cache) when its module is imported, which importers of
    # this module that bin nothing (a sweep's or a sensitivity's batches, through cohort_model) need not pay
    from hemasim.cohort._histogram import add_log_bin_counts

    hist = np.zeros((len(observables), len(times), N_BINS + 2), dtype=np.int64)
    for b, name in enumerate(observables):
        add_log_bin_counts(_bin_edges(name), _observable(result, rows or {}, name), hist[b])
    return hist


def _observable_rows(result: Result) -> dict[str, np.ndarray]:
    """The :data:`ROW_OBSERVABLES` a cohort result observed, each copied into an array of its own (patients,
    times) whose rows are contiguous. ``result.observable`` is a view with the observables interleaved (a row's
    values 8 apart for 8 observables), so every pass over it reads the whole partition's outputs (~47 MB for 2,000
    patients x 366 days); the endpoints and histograms make 3-6 such passes per observable. The copy is the same
    numbers. Its rows are padded by one (unused) value: a view of the rows without it is not C-contiguous, so the
    histogram kernel gets the array type it was compiled for (the interleaved view's), not a second signature to
    compile."""
    if not result.is_cohort or result.observed is None:
        return {}
    n_patients, n_times = result.values.shape[:2]
    rows = {}
    for name in ROW_OBSERVABLES:
        if name in result.observed:
            view = np.empty((n_patients, n_times + 1))[:, :n_times]
            view[...] = result.observable(name)
            rows[name] = view
    return rows


def _observable(result: Result, rows: dict[str, np.ndarray], name: str) -> np.ndarray:
    """Observable ``name`` (patients, times) of ``result``, from ``rows`` (:func:`_observable_rows`) where there."""
    found = rows.get(name)
    return result.observable(name) if found is None else found


# ---------------------------------------------------------------------------------------------- files
def _part(out: Path, kind: str, index: int, suffix: str) -> Path:
    return out / kind / f"part-{index:05d}.{suffix}"


def write_partition(out: Path, part: PartitionOutput) -> None:
    """The partition's files, each atomically (stale temporaries were cleaned when the cohort started: not once per
    file, which would list folders of thousands of partitions thousands of times)."""
    timeseries = part.timeseries
    if timeseries is not None:
        atomic_write_file(_part(out, "timeseries", part.index, "parquet"), lambda p: _write_parquet(p, timeseries),
                          clean_stale=False)
    atomic_write_file(_part(out, "bands", part.index, "npz"), lambda p: _write_histograms(p, part.histograms),
                      clean_stale=False)
    atomic_write_file(_part(out, "endpoints", part.index, "parquet"),
                      lambda p: _write_endpoints(p, part.endpoints, part.endpoint_meta, part.drug_parameter_units),
                      clean_stale=False)


def _write_parquet(path: Path, frame: pd.DataFrame) -> None:
    frame.to_parquet(path)


def _write_histograms(path: Path, hist: np.ndarray) -> None:
    """``hist`` as an .npz (``np.load(path)["hist"]``), deflated at level 1: np.savez_compressed's level 6 took
    ~0.1 s a partition for a file ~20% smaller (the counts are mostly zeros either way)."""
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive, \
            archive.open("hist.npy", "w", force_zip64=True) as member:
        np.lib.format.write_array(member, hist)


def _write_text(text: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")
    return write


def _write_bytes(data: bytes) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_bytes(data)
    return write


ENDPOINT_META_KEY = b"hemasim_endpoint_units"
#: the Parquet metadata key of every other column's [unit, definition] (:func:`column_units`): the id and seed, the
#: covariates, the drawn healthy-model and drug-set parameters, the default endpoints and their flag columns. Only the
#: scenario-driven columns had theirs, so `anc_nadir` or `cd4_final` read from the file alone had no unit (ux37);
#: kept apart from :data:`ENDPOINT_META_KEY`, whose columns the summary adds to its default endpoints' rows
COLUMN_META_KEY = b"hemasim_column_units"
_FIXED_COLUMNS = {
    "patient_id": ("1", "the patient's place in the cohort, from 0"),
    "seed": ("1", "what the patient's generator was seeded with: the cohort's --seed with spawn key (patient_id,), "
                  "or the patient's line of --seed-list (docs/cohorts.md, Reproducibility)"),
    "age_years": ("year", "age at the start of the run"), "sex": ("", "female or male"),
    "weight_kg": ("kg", "body weight"), "height_cm": ("cm", "height")}


def column_units(columns: Sequence[str], drug_parameters: dict[str, tuple[str, str]] | None = None
                 ) -> dict[str, list[str]]:
    """[unit, definition] of each of ``columns`` that is not scenario-driven: the fixed columns, a drawn parameter of
    the healthy model (``param_<name>``: its unit), a default endpoint and its flag columns (``_at_run_end``,
    ``_fell_again``: 1/0), and a drug set's drawn value (``param_<set>__<path>``) from ``drug_parameters`` (column ->
    unit and description of the parameter record the partition's model was built with,
    :attr:`PartitionOutput.drug_parameter_units`; without it they had none: 117 of a docetaxel cohort's 119
    columns had a unit, review37d)."""
    params = healthy_adult_parameters()
    known: dict[str, tuple[str, str]] = dict(_FIXED_COLUMNS)
    for e in DEFAULT_ENDPOINTS:
        known[e.name] = (e.unit, e.definition)
        for suffix in e.flag_suffixes:
            known[f"{e.name}{suffix}"] = ("flag", (
                f"1 when {e.name} is cut short by the run's end (the count still falling, or still below the "
                "threshold, when the run ended: its lowest value so far, not a nadir), else 0") if suffix == AT_RUN_END
                else f"1 when the count fell below the threshold again after {e.name}, before the patient's next "
                     "chemotherapy dose, else 0")
    out: dict[str, list[str]] = {}
    for c in columns:
        name = c.removeprefix("param_")
        if c in known:
            out[c] = list(known[c])
        elif c.startswith("param_") and name in params:
            out[c] = [params[name].unit, f"this patient's {name}, drawn from its between-patient variability: "
                                         f"{params[name].description}"]
        elif c in (drug_parameters or {}):
            unit, description = (drug_parameters or {})[c]
            out[c] = [unit, f"this patient's {name}, drawn from {_drawn_from(name)}: {description}"]
    return out


def _drawn_from(name: str) -> str:
    """What a drug set's drawn value ``name`` (``<set>__<path>``) is drawn from: the full model's kill slope takes
    the variance its set publishes for the ANC chain's slope, a Friberg-model estimate (Kloft 2006's omega^2 on
    the chain's log slope for docetaxel), not a published variability of the full model's own slope (review37f)."""
    if "__effects_0_full_model_slope" not in name:
        return "the drug set's published between-patient variability"
    set_name = name.split("__")[0]
    try:
        from hemasim.pharmacology.drug_sets import load_drug_set

        ds = load_drug_set(set_name)
        v = ds.friberg.iiv_variance["slope"] if ds.friberg is not None else None
        said = f" (omega^2 {v.value:g} on the chain's log slope, {v.source})" if v is not None else ""
    except Exception:  # a set from a file the column names only: the words alone
        said = ""
    return (f"the variance the drug set publishes for its Friberg chain's slope{said}, put on the full model's "
            "fitted slope: no between-patient variability of the full model's slope itself is published")


def _write_endpoints(path: Path, frame: Any, meta: dict[str, EndpointMeta],
                     drug_parameters: dict[str, tuple[str, str]] | None = None) -> None:
    """Endpoints as Parquet, with each scenario-driven column's unit and definition in the file's metadata, and its
    note where it has one ("not computed": [unit, definition, note]; a partition written before the note has two
    fields, read as "not reached", as it was then); every other column's [unit, definition] under
    :data:`COLUMN_META_KEY` (:func:`column_units`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    extra = {ENDPOINT_META_KEY: json.dumps({k: list(v[:2]) if v[2] is None else list(v)
                                            for k, v in meta.items()}).encode(),
             COLUMN_META_KEY: json.dumps(column_units([c for c in frame.columns if c not in meta],
                                                      drug_parameters)).encode()}
    pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **extra}), path)


def _endpoint_meta(paths: Sequence[Path]) -> dict[str, EndpointMeta]:
    import pyarrow.parquet as pq

    out: dict[str, EndpointMeta] = {}
    for p in paths:
        raw = (pq.read_schema(p).metadata or {}).get(ENDPOINT_META_KEY)
        if raw:
            merge_endpoint_meta(out, {k: (v[0], v[1], v[2] if len(v) > 2 else None) for k, v in json.loads(raw).items()})
    return out


def merge_endpoint_meta(into: dict[str, EndpointMeta], part: dict[str, EndpointMeta]) -> None:
    """Add one partition's column metadata to ``into`` (in partition order). A column's missing-value note is each
    partition's own (one partition has undecided patients, the next none): the notes are all kept, joined with "; "
    and deduplicated by their "; "-separated parts in first-seen order, and an empty one erases none (a later
    partition's overwrote the earlier ones, and an undecided cohort's summary lost its note; review36h). Parts
    worded alike but for their numbers are one part with each number the least of them (:func:`_least_numbers`)."""
    for name, (unit, definition, missing) in part.items():
        before = into.get(name, (None, None, None))[2]
        merged: dict[str, str] = {}  # by the part's words with its numbers masked
        for x in [*(before or "").split("; "), *(missing or "").split("; ")]:
            if x:
                key = _NOTE_NUMBER.sub("#", x)
                merged[key] = _least_numbers(merged[key], x) if key in merged else x
        into[name] = (unit, definition, "; ".join(merged.values()) or None)


#: a number in a column's note ("day 52", "day -6", "0.95"); a minus sign only after a space or "(", so that a range
#: "5-95%" is two numbers
_NOTE_NUMBER = re.compile(r"(?:(?<=[\s(])-)?\d+(?:\.\d+)?(?:e[+-]?\d+)?")


def _least_numbers(a: str, b: str) -> str:
    """Two notes worded alike but for their numbers, as one with each number the lesser (as written). A partition's
    note names the earliest day among its own patients (the ANC-again flag "before day 52", 40 days after the
    earliest undecided engraftment; chimerism lost "below 0.95 from day 116"; "no window": the earliest
    engraftment): the lesser is the day one partition of the whole cohort names, so that the summary does not
    depend on the partition size (one clause per partition, "before day 54; ... before day 52; ... before day 53",
    in partition order: review mend37a)."""
    words, numbers_a, numbers_b = _NOTE_NUMBER.split(a), _NOTE_NUMBER.findall(a), _NOTE_NUMBER.findall(b)
    least = [x if float(x) <= float(y) else y for x, y in zip(numbers_a, numbers_b, strict=True)]
    return "".join(w + n for w, n in zip(words, [*least, ""], strict=True))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def partition_paths(out: Path, index: int, timeseries: bool) -> list[Path]:
    """The files of partition ``index`` (endpoints last)."""
    paths = [_part(out, "bands", index, "npz"), _part(out, "endpoints", index, "parquet")]
    return [_part(out, "timeseries", index, "parquet"), *paths] if timeseries else paths


def partition_record(out: Path, index: int, timeseries: bool) -> dict[str, dict[str, Any]]:
    """Size and sha256 of each file of a partition just written, by path relative to ``out`` (for the manifest)."""
    return {p.relative_to(out).as_posix(): {"bytes": p.stat().st_size, "sha256": _sha256(p)}
            for p in partition_paths(out, index, timeseries)}


def is_complete(out: Path, index: int, man: dict[str, Any]) -> bool:
    """Whether partition ``index`` is recorded in the manifest ``man`` and every one of its files is there with
    the recorded size and sha256 (a truncated, corrupt or missing file makes it incomplete: it is recomputed)."""
    record = (man.get("partitions") or {}).get(str(index))
    if not isinstance(record, dict):
        return False
    expected = {p.relative_to(out).as_posix() for p in partition_paths(out, index, bool(man.get("timeseries")))}
    if set(record) != expected:
        return False
    for rel, want in record.items():
        path = out / rel
        try:
            if path.stat().st_size != want.get("bytes") or _sha256(path) != want.get("sha256"):
                return False
        except (OSError, AttributeError):
            return False
    return True


MANIFEST = "manifest.json"
#: what a cohort folder holds (anything else in it is not hemasim's, and the folder is refused)
COHORT_ENTRIES = frozenset({MANIFEST, "endpoints", "timeseries", "bands", "summary.json", "summary.csv", "bands.csv",
                            "bands.png", "report.html"})
#: manifest keys that identify a cohort (a resumed run must match them all)
IDENTITY = ("scenario_sha256", "n_patients", "seed", "seed_list", "partition_size", "timeseries", "solver_rtol")


def manifest(scenario_data: dict[str, Any], n: int, seed: int, partition_size: int, seeds: Sequence[int] | None,
             timeseries: bool, rtol: float = COHORT_RTOL) -> dict[str, Any]:
    digest = hashlib.sha256(json.dumps(scenario_data, sort_keys=True).encode()).hexdigest()
    return {"hemasim_version": __version__, "scenario_sha256": digest, "scenario": scenario_data, "n_patients": n,
            "seed": seed, "seed_list": list(map(int, seeds)) if seeds is not None else None,
            "partition_size": partition_size, "timeseries": timeseries, "solver_rtol": rtol, "partitions": {}}


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest in ``out`` (None when there is none); a manifest that is not a JSON object is an error."""
    path = out / MANIFEST
    if not path.exists():
        return None
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CohortError(f"{path} is damaged ({err}); its partitions cannot be verified: re-run with --force to "
                          "recompute the cohort in this folder, or choose a new --out") from None
    if not isinstance(old, dict):
        raise CohortError(f"{path} is not a cohort manifest; re-run with --force, or choose a new --out")
    return old


def write_manifest(out: Path, man: dict[str, Any]) -> None:
    atomic_write_file(out / MANIFEST, _write_text(json.dumps(man, indent=2) + "\n"))


def _remove_cohort_files(out: Path) -> None:
    """What hemasim wrote in a cohort folder (--force); nothing else (a folder with more in it is refused)."""
    for name in COHORT_ENTRIES:
        path = out / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def open_cohort_folder(out: Path, man: dict[str, Any], force: bool = False) -> dict[str, Any]:
    """Check ``out`` for the cohort ``man`` and return the manifest to continue: the existing one (with its
    verified partitions) when it records the same cohort, else ``man``. Writes nothing but stale temporaries'
    removal (and, with ``force``, the removal of an earlier cohort's files); the manifest is written with the
    first partition, once the inputs have run."""
    check_output_folder(out, COHORT_ENTRIES)
    if not out.is_dir():
        return man
    probe_writable(out, out)  # partitions are written into the folder itself
    for sub in (out, *(out / k for k in ("endpoints", "timeseries", "bands"))):
        remove_stale_temporaries(sub)
    if force:
        _remove_cohort_files(out)
        return man
    old = read_manifest(out)
    if old is None or not old.get("partitions"):
        return man  # nothing computed yet (e.g. a run whose inputs failed): the new cohort takes the folder
    if old.get("hemasim_version") != __version__:
        raise CohortError(f"{out} was computed by hemasim {old.get('hemasim_version')}, this is hemasim "
                          f"{__version__}: resume it with that version, or start afresh with --force (its partitions "
                          "are deleted) or a new --out")
    diff = [k for k in IDENTITY if old.get(k) != man[k]]
    if diff:
        raise CohortError(f"{out} holds a different cohort (differs in: {', '.join(diff)}); "
                          "choose another --out folder, or --force to replace it")
    return old


def check_seeds(seeds: Sequence[int]) -> None:
    """Seeds are integers in 0 .. 2**63 - 1 (numpy's SeedSequence takes no negative entropy; the seed column is
    int64)."""
    for i, s in enumerate(seeds):
        if not 0 <= int(s) < 2**63:
            raise CohortError(f"--seed-list: seed {int(s)} (entry {i + 1}) is out of range; seeds are integers from "
                              "0 to 2**63 - 1")


# ---------------------------------------------------------------------------------------------- executors
#: ``on_histograms(index, histograms)`` of the executors' map: a partition's band histograms, before its endpoints
HistogramsHook = Callable[[int, np.ndarray], None]


#: seconds between the caller's looks at a cohort's progress while it waits for a partition's integration (a
#: notebook's text count is rewritten at most as often, hemasim._progress.TEXT_EVERY_S)
WAITING_LOOK_S = 0.1


class LocalExecutor:
    """Partitions in this process; each partition's integration uses every core (numba threads).

    Pipelined: :func:`simulate_partition`'s stages run in three threads, so that partition k + 1 is drawn and
    built (Python) and partition k - 1 finished (endpoints, histograms) and written by the caller while partition k
    integrates (the kernels release the GIL). Only the integration thread runs numba kernels, one partition at a
    time, so numba's threads are never shared. Beyond the partition the caller finishes and writes, at most
    ``1 + LOOKAHEAD`` are in the pipeline (one integrating, one being built: bounded memory, one partition more
    than the one-deep pipeline held). The results come in job order, as without the pipeline; an error surfaces where it
    would have. Any other ``fn`` runs one deep: job k + 1 in a worker thread while the caller takes job k.
    """

    LOOKAHEAD = 1

    def map(self, fn: Callable[..., PartitionOutput], jobs: list[tuple[Any, ...]],  # noqa: ANN201 - iterator
            on_histograms: HistogramsHook | None = None, on_integrated: IntegratedFn | None = None,
            while_waiting: Callable[[], None] | None = None):
        """``fn(*job)`` for each job, in job order. ``on_histograms(index, histograms)`` is called (in the caller's
        thread) as soon as a staged partition's band histograms are counted, before its endpoints: the summary's
        figure can start while the last partition is finished and written. ``on_integrated(patients, days)`` as the
        integration of a partition run here (one alone, or staged) goes (:func:`integrate_partition`): in the
        integrating thread, which is the caller's only for a single job. ``while_waiting()``: in the caller's thread,
        every :data:`WAITING_LOOK_S` while it waits for a staged partition's integration (where a cohort's patients
        integrated so far are told to its caller's thread)."""
        if len(jobs) < 2:
            for job in jobs:
                with listening_to_integration(on_integrated):  # in this thread: a generator runs in its caller's
                    done = fn(*job)
                yield done
            return
        if fn is _STAGED_PARTITION:
            yield from self._staged(jobs, on_histograms, on_integrated, while_waiting)
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hemasim-partition") as pool:
            pending = pool.submit(fn, *jobs[0])
            for job in jobs[1:]:
                done = pending.result()
                pending = pool.submit(fn, *job)
                yield done
            yield pending.result()

    def _staged(self, jobs: list[tuple[Any, ...]], on_histograms: HistogramsHook | None,  # noqa: ANN202
                on_integrated: IntegratedFn | None = None, while_waiting: Callable[[], None] | None = None):
        from concurrent.futures import CancelledError, Future, ThreadPoolExecutor, wait

        # set when the caller stops (Ctrl-C, an error, the iterator closed): a partition prepared after it is not
        # integrated. The pools' exit waits for the integrating thread, which was waiting for the partition being
        # prepared and then integrated it, to be thrown away (review37d: Ctrl-C 2 s into partitions of 160 ended at
        # 3.5 s, nothing kept)
        stop = threading.Event()

        def integrate(prepared: Future[PreparedPartition]) -> tuple[PreparedPartition, Result]:
            p = prepared.result()
            if stop.is_set():
                raise CancelledError(f"partition {p.index}: the cohort was stopped before its integration began")
            return p, integrate_partition(p, on_integrated)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hemasim-prepare") as preparing, \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="hemasim-integrate") as integrating:
            queued: list[Future[tuple[PreparedPartition, Result]]] = []
            upcoming = iter(jobs)

            def submit_next() -> None:
                job = next(upcoming, None)
                if job is not None:
                    queued.append(integrating.submit(integrate, preparing.submit(prepare_partition, *job)))

            for _ in range(1 + self.LOOKAHEAD):
                submit_next()
            try:
                while queued:
                    integrated = queued.pop(0)
                    if while_waiting is not None:
                        # returns as soon as the integration is done: the look costs nothing while there is none to
                        # wait for
                        while not wait([integrated], timeout=WAITING_LOOK_S).done:
                            while_waiting()
                        while_waiting()  # what the integration told last, before the partition is finished
                    prepared, result = integrated.result()
                    submit_next()
                    rows = _observable_rows(result)
                    hist = _band_histograms(result.times, result, rows, band_observables(prepared.scenario))
                    if on_histograms is not None:
                        on_histograms(prepared.index, hist)
                    yield finish_partition(prepared, result, hist, rows)
            except BaseException:
                # Ctrl-C, an error, or the caller closing the iterator: the partitions queued behind the one
                # integrating are dropped. The pools' exit waits for their work, so the next partition was integrated
                # too, and thrown away, before the command could end (ux37: 7-9 s after Ctrl-C, partitions of 1,000);
                # one prepared after this is not integrated (``stop``), one integrating now runs to its end
                stop.set()
                for future in queued:
                    future.cancel()
                preparing.shutdown(wait=False, cancel_futures=True)
                integrating.shutdown(wait=False, cancel_futures=True)
                raise

    def close(self) -> None:
        pass


#: seconds to wait for a Dask scheduler before giving up (``--scheduler-timeout``)
SCHEDULER_TIMEOUT_S = 5.0
_SCHEDULER_ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")
_LOOPBACK = ("127.", "localhost", "[::1]")


@dataclass(frozen=True)
class TLSFiles:
    """PEM files for a ``tls://`` scheduler: the certificate authority that signed the scheduler's certificate, and
    this client's certificate and key (``distributed.Security``; None: from the Dask configuration)."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None

    def security(self) -> Any:
        from distributed import Security

        for path in (self.ca_file, self.cert_file, self.key_file):
            if path is not None and not Path(path).is_file():
                raise CohortError(f"--tls-*: {path} is not a readable file")
        given = {k: str(v) for k, v in (("tls_ca_file", self.ca_file), ("tls_client_cert", self.cert_file),
                                        ("tls_client_key", self.key_file)) if v is not None}
        return Security(require_encryption=True, **given)


def check_scheduler_address(address: str) -> str:
    """``tcp://HOST:PORT`` or ``tls://HOST:PORT``, else a :class:`CohortError` saying so; the scheme."""
    m = _SCHEDULER_ADDRESS.match(address)
    if m is None or not 0 < int(m.group(3)) < 65536:
        raise CohortError(f"--scheduler {address!r}: expected tls://HOST:PORT (or tcp://HOST:PORT on a trusted "
                          "network), e.g. tls://10.0.0.5:8786")
    return m.group(1)


def plain_tcp_warning(address: str) -> str | None:
    """The warning for a plain ``tcp://`` scheduler off this machine (None for tls:// or loopback)."""
    if not address.startswith("tcp://") or address[len("tcp://"):].startswith(_LOOPBACK):
        return None
    return (f"--scheduler {address}: plain tcp:// is not encrypted or authenticated, and Dask unpickles what the "
            "peer sends (code can run in this process): use it on a trusted network only, tls:// elsewhere")


class DaskExecutor:
    """Partitions as tasks on a Dask distributed cluster (``tls://host:port`` or ``tcp://host:port``, or a
    Client/LocalCluster). ``security``: a ``distributed.Security`` (TLS certificates) or :class:`TLSFiles`; for
    tls:// without it, Dask's configuration (``distributed.comm.tls.*``) applies. Connecting gives up after
    ``timeout`` seconds."""

    def __init__(self, scheduler: Any, security: Any = None, timeout: float = SCHEDULER_TIMEOUT_S) -> None:
        try:
            from dask.distributed import Client
        except ImportError as err:  # pragma: no cover - depends on the install
            raise CohortError("a --scheduler needs dask.distributed: pip install 'hemasim[dask]'") from err
        self._own = not hasattr(scheduler, "submit")
        if not self._own:
            self.client = scheduler
            return
        if isinstance(scheduler, str):
            scheme = check_scheduler_address(scheduler)
            if security is not None and scheme != "tls":
                raise CohortError(f"--scheduler {scheduler}: TLS certificates are given, so the address must be "
                                  "tls://")
        if isinstance(security, TLSFiles):
            security = security.security()
        kwargs = {} if security is None else {"security": security}
        try:
            self.client = Client(scheduler, timeout=timeout, **kwargs)
            return
        except Exception as err:  # noqa: BLE001 - whatever answers there (nothing, a non-Dask server, a bad TLS peer)
            message = (f"--scheduler {scheduler}: cannot connect within {timeout:g} s "
                       f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else 'no answer'})")
        # the half-built Client is finalised by its __del__, which stops its event-loop thread; left to the garbage
        # collector, that could run inside the next Client's loop start and deadlock (seen in the test suite), so
        # it is collected here, where nothing else holds distributed's locks
        gc.collect()
        raise CohortError(message)

    def map(self, fn: Callable[..., PartitionOutput], jobs: list[tuple[Any, ...]],  # noqa: ANN201 - iterator
            on_histograms: HistogramsHook | None = None, on_integrated: IntegratedFn | None = None,
            while_waiting: Callable[[], None] | None = None):
        """The partitions as they complete (``on_histograms``, ``on_integrated``, ``while_waiting``: not called; the
        histograms come with each output, and a worker's integration tells no one)."""
        from dask.distributed import as_completed

        futures = [self.client.submit(fn, *job, pure=False) for job in jobs]
        for fut in as_completed(futures):
            yield fut.result()

    def close(self) -> None:
        if self._own:
            self.client.close()


# ---------------------------------------------------------------------------------------------- summary
def _quantiles_from_histogram(hist: np.ndarray, edges: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Quantiles per time from counts (n_times, N_BINS + 2); values at bin centres (geometric)."""
    centres = np.concatenate([[edges[0]], np.sqrt(edges[:-1] * edges[1:]), [edges[-1]]])
    cum = np.cumsum(hist, axis=1)
    total = cum[:, -1:]
    out = np.empty((hist.shape[0], len(qs)))
    for j, q in enumerate(qs):
        idx = np.argmax(cum >= q * total, axis=1)
        out[:, j] = centres[idx]
    return out


@dataclass(frozen=True)
class _Column:
    """A per-patient column summarised like an endpoint."""

    name: str
    unit: str
    definition: str
    missing: str | None = None  # EndpointMeta's note: "not computed" (None: a missing value is "not reached")


def _bands_table(hist: np.ndarray, times: np.ndarray, observables: Sequence[str] = BAND_OBSERVABLES) -> pd.DataFrame:
    """bands.csv's table: each band observable's 5th, 50th and 95th percentile per output time, from the summed
    histograms (n_band_obs, n_times, N_BINS + 2)."""
    bands = pd.DataFrame({"time_days": times})
    if len(hist) != len(observables):
        raise ValueError(f"band histograms of {len(hist)} observables for {len(observables)} bands")
    for b, name in enumerate(observables):
        q = _quantiles_from_histogram(hist[b], _bin_edges(name), (0.05, 0.5, 0.95))
        bands[f"{name}_p05"], bands[f"{name}_median"], bands[f"{name}_p95"] = q[:, 0], q[:, 1], q[:, 2]
    return bands


def _png(figure: Any) -> bytes:
    """bands.png's bytes (80 dpi)."""
    from hemasim.report.html import png_bytes

    return png_bytes(figure, dpi=80)


class _BandsFigureThread:
    """The summary's bands figure drawn in a thread of its own, so that its ~0.3 s (matplotlib's Agg: the largest
    piece of the cohort's tail) overlaps the last partition's endpoints and files and the summary's tables instead of
    following them. The panels (:class:`~hemasim.report.plots.CohortBandsFigure`: what the output times and the
    number of patients decide) are built when the thread starts; :meth:`draw` hands it the bands, and :meth:`png`
    waits for the PNG. Only this thread touches the figure (matplotlib's object API, no pyplot state); the PNG's
    bytes are those of :func:`~hemasim.report.plots.cohort_bands_figure` (tests/test_cohort_tail.py)."""

    def __init__(self, times: np.ndarray, n: int, observables: Sequence[str] = BAND_OBSERVABLES,
                 graft: float | None = None, sex: str | None = None) -> None:
        from concurrent.futures import Future, ThreadPoolExecutor

        self.n = n
        self._bands: Future[pd.DataFrame] = Future()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hemasim-figure")
        self._png = self._pool.submit(self._render, times, n, observables, graft, sex)

    def _render(self, times: np.ndarray, n: int, observables: Sequence[str], graft: float | None,
                sex: str | None) -> bytes:
        figure = CohortBandsFigure(times, n, observables, graft, sex)
        return _png(figure.draw(self._bands.result()))  # a cancelled wait (close) raises CancelledError here

    def draw(self, bands: pd.DataFrame) -> None:
        self._bands.set_result(bands)

    def png(self) -> bytes:
        return self._png.result()

    def close(self) -> None:
        """Stop a figure still waiting for its bands (a run that failed or stopped early) and join the thread."""
        self._bands.cancel()
        self._pool.shutdown(wait=True)


class _SummaryParts:
    """What :func:`summarise` reads of the partitions, kept as this run computes them (a run that computes every
    partition: none was complete before it), so that the summary re-reads no file: the band histograms' sum and the
    endpoint columns it summarises (the summary's own columns: :data:`~hemasim.endpoints.DEFAULT_ENDPOINTS` and the
    scenario's endpoints), with their units. When the last partition's histograms are in (before its endpoints, with
    the local executor), the bands are computed and, with ``figure``, handed to a :class:`_BandsFigureThread`,
    started with the first partition's histograms (not before: the first partition's preparation runs alone)."""

    def __init__(self, n_parts: int, n: int, times: np.ndarray, figure: bool = True,
                 observables: Sequence[str] = BAND_OBSERVABLES, graft: float | None = None,
                 sex: str | None = None) -> None:
        self.n_parts, self.n, self.times, self.observables = n_parts, n, times, tuple(observables)
        self.graft, self.sex = graft, sex
        self.hist: np.ndarray | None = None
        self.bands: pd.DataFrame | None = None
        self.endpoints: dict[int, pd.DataFrame] = {}
        self.meta: dict[int, dict[str, EndpointMeta]] = {}
        self.figure: _BandsFigureThread | None = None
        self._figure = figure
        self._counted: set[int] = set()

    def histograms(self, index: int, hist: np.ndarray) -> None:
        """Partition ``index``'s histograms (counted once: the local executor gives them before the partition)."""
        if index in self._counted:
            return
        if self._figure and self.figure is None:
            self.figure = _BandsFigureThread(self.times, self.n, self.observables, self.graft, self.sex)
        self._counted.add(index)
        if self.hist is None:
            self.hist = np.array(hist, dtype=np.int64)  # a copy: the partition's own array is written as it is
        else:
            self.hist += hist  # integer counts: the same sum in any order
        if len(self._counted) == self.n_parts:
            self.bands = _bands_table(self.hist, self.times, self.observables)
            if self.figure is not None:
                self.figure.draw(self.bands)

    def add(self, part: PartitionOutput) -> None:
        self.histograms(part.index, part.histograms)
        wanted = {e.name for e in DEFAULT_ENDPOINTS} | set(part.endpoint_meta) | set(flag_column_names())
        self.endpoints[part.index] = part.endpoints[[c for c in part.endpoints.columns if c in wanted]]
        self.meta[part.index] = dict(part.endpoint_meta)

    def complete(self, n_parts: int) -> bool:
        return n_parts == self.n_parts and set(self.endpoints) == set(range(n_parts)) and self.bands is not None

    def close(self) -> None:
        if self.figure is not None:
            self.figure.close()


#: how a column's ``missing`` note begins where the value is decided on a day the run has not reached (primary graft
#: failure's GRAFT_FAILURE_UNDECIDED): the patients with a value are then not a sample of all
UNDECIDED = "not yet decidable"


def _undecided_parts(why: str | None) -> tuple[str, str]:
    """A flag's merged note split into what its "not yet decidable: ..." parts say (the words after those) and its
    other parts ("no window: ..."), each joined with "; " ("" where none)."""
    parts = [p for p in (why or "").split("; ") if p]
    undecided = [p.removeprefix(UNDECIDED).lstrip(": ") for p in parts if p.startswith(UNDECIDED)]
    return "; ".join(p for p in undecided if p), "; ".join(p for p in parts if not p.startswith(UNDECIDED))


def _given_cycle(name: str, ep: pd.DataFrame) -> np.ndarray | None:
    """The patients given chemotherapy cycle k (a nadir of the cycle, ``*_nadir_cycle<k>``, none for a cycle not given
    within the run) where ``name`` is a per-cycle count's column (``days_platelets_below_50_cycle3``, a nadir's, their
    flags); None for any other (the dose rules' ``chemotherapy_cycle<k>_delayed`` is a share of all patients)."""
    m = re.fullmatch(r"(?:days_.+|.+_nadir(?:_day)?)_cycle(\d+)(?:_.*)?", name)
    if m is None:
        return None
    nadirs = [c for c in ep.columns if re.fullmatch(rf"[a-z]+_nadir_cycle{m.group(1)}", str(c))]
    return ~np.isnan(ep[nadirs[0]].to_numpy(dtype=np.float64)) if nadirs else None


def _summary_row(e: Endpoint | _Column, ep: pd.DataFrame) -> dict[str, Any]:
    """summary.json's and summary.csv's row of endpoint ``e`` over the patients' table ``ep``: the same fields for
    every endpoint and cohort (``missing``: "not computed" for a G-CSF's Cmax, else None; the column was in
    summary.csv only where a cohort had such an endpoint, so the file's columns changed with the scenario)."""
    v = ep[e.name].to_numpy(dtype=np.float64)
    given = _given_cycle(e.name, ep)
    reached = ~np.isnan(v)
    if e.name.startswith("days_") or e.unit in ("flag", "count"):
        # a chemotherapy cycle's: a share of the patients given it (a cycle not given read as no grade 4 in it, where
        # the dose-reduced row's share was of those given it; review37b)
        reached = v > 0
        at_end = f"{e.name}{AT_RUN_END}"
        if e.name.startswith("days_") and at_end in ep:
            # below the threshold only at the last output counts no day (each interval by its start) but is an
            # episode all the same: its flag says so (18 of 38 cycle-3 grade-4 patients were missed; review37d)
            reached = reached | (ep[at_end].to_numpy(dtype=np.float64) == 1)
        reached = reached[given] if given is not None else reached
    elif given is not None:
        reached = ~np.isnan(v[given])
    finite = v[~np.isnan(v)]
    if e.unit == "flag" and np.isnan(v).any():  # a flag that is undefined for some (a fold-rise responder without a
        reached = finite > 0                    # fold-rise): the share of those it is defined for, None for none
    not_fallen = did_not_fall(ep, e.name)  # "none reached" reads very differently from "did not fall"
    # why a patient has no value where that is not "not reached" ("not computed": a G-CSF's Cmax; a fold-rise without
    # IgG before the series); the row's ``missing`` when no patient has one: no share of patients "reached" it
    why = getattr(e, "missing", None)
    note = why if not len(finite) else None
    no_value = why if len(finite) < len(v) else None
    undecided_column = f"{e.name}{UNDECIDED_SUFFIX}"
    if e.unit == "flag" and undecided_column in ep:
        # the patients the flag is not yet decidable for, told apart from those it does not apply to (not engrafted):
        # a share of the decided ones is biased towards those decided early (those who fell; review36h), so none
        k = int(np.nansum(ep[undecided_column].to_numpy(dtype=np.float64) > 0))
        words, other = _undecided_parts(why)
        # the note's own words after "not yet decidable" (they began with them too: "are not yet decidable (see
        # ...; not yet decidable: the run ends ...)", review mend37a)
        undecided = f"{UNDECIDED}: {words or 'the run ends before the day it is decided on'}"
        if k:
            note = (f"no share: {k} of the {len(v)} patients {'is' if k == 1 else 'are'} {undecided} (see "
                    f"{undecided_column})")
        # why the others have none, by patient: the undecided note was said of the not engrafted too, and those read
        # "not reached" where none was undecided (review mend37a)
        m = len(v) - len(finite) - k
        not_applicable = f"not applicable{f' ({other})' if other else ''} (see the definition)"
        if k and m:
            no_value = f"{k} {undecided}; the other {m} {not_applicable}"
        elif k or m:
            no_value = undecided if k else not_applicable
    elif why is not None and why.startswith(UNDECIDED) and 0 < len(finite) < len(v):
        # undecided for some (the run ends before the day it is decided on): a share of the others counts only those
        # decided early (primary graft failure: those engrafted by the run's end, "0%"; review36d), so none
        k = len(v) - len(finite)
        note = (f"no share: {k} of the {len(v)} patients {'is' if k == 1 else 'are'} {why} (the "
                f"{len(finite)} with a value are those decided before it)")

    def share(suffix: str) -> float | None:  # of a flag column (Endpoint.flag_columns), None where it has none
        column = f"{e.name}{suffix}"
        if column not in ep:
            return None
        flags = ep[column].to_numpy(dtype=np.float64)
        # a cycle's: of the patients given it (none given: None)
        flags = flags if given is None else flags[given]
        return float(flags.mean()) if len(flags) else None

    return {"endpoint": e.name, "unit": e.unit, "definition": e.definition,
            "median": float(np.median(finite)) if len(finite) else None,
            "p05": float(np.percentile(finite, 5)) if len(finite) else None,
            "p95": float(np.percentile(finite, 95)) if len(finite) else None,
            "fraction_reaching": None if note or not len(reached) else float(reached.mean()), "n": int(len(v)),
            # the share's denominator where it is not every patient (a flag none for some: "of the 39 with IgG before
            # the series"), and why the others have none
            "n_with_value": int(len(finite)), "no_value_note": no_value,
            # a chemotherapy cycle's row: its shares are of the patients given the cycle (None: not a cycle's)
            "n_given_cycle": None if given is None else int(given.sum()),
            "fraction_did_not_fall": None if not_fallen is None else float(not_fallen.mean()), "missing": note,
            # the share of patients whose value the run's end cut short (a nadir still falling then: its lowest value
            # so far; days below a count still below then), and whose count fell below a recovery's threshold again
            "fraction_at_run_end": share(AT_RUN_END), "fraction_fell_again": share(FELL_AGAIN)}


def summarise(out: Path, times: np.ndarray, n_parts: int | None = None,
              kept: _SummaryParts | None = None, report: bool = True) -> dict[str, Any]:
    """Merge partitions 0 .. ``n_parts`` - 1 (None: every one in ``out``) into summary.json/.csv and
    bands.csv/.png; return the summary. ``kept``: what the run that computed every partition kept of them (no
    file is read again, and the figure may be drawn already); else the partitions' files are read. ``report``:
    also draw bands.png and write report.html (False: the tables only; an earlier run's figure and report of the
    same cohort are left as they are)."""
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    scenario = parse_scenario(man["scenario"])
    observables, graft = band_observables(scenario), graft_day(scenario.interventions)
    found = sorted((out / "endpoints").glob("part-*.parquet"))
    parts = found if n_parts is None else [_part(out, "endpoints", k, "parquet") for k in range(n_parts)]
    if kept is not None and not kept.complete(len(parts)):
        kept = None  # some partitions were computed by an earlier run: read every one from its files
    if kept is not None:
        ep = pd.concat([kept.endpoints[k] for k in range(len(parts))], ignore_index=True)
        meta: dict[str, EndpointMeta] = {}
        for k in range(len(parts)):  # as _endpoint_meta reads them: in partition order, every note kept
            merge_endpoint_meta(meta, kept.meta[k])
    else:
        ep = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        meta = _endpoint_meta(parts)
    scenario_cols = [(c, *meta[c]) for c in ep.columns if c in meta]  # units as computed, not guessed
    columns: list[Endpoint | _Column] = [*DEFAULT_ENDPOINTS, *(_Column(*c) for c in scenario_cols)]
    rows = [_summary_row(e, ep) for e in columns]
    summary = {"n_patients": int(len(ep)), "endpoints": rows}
    if kept is not None and kept.bands is not None:  # always, once complete (the check is for the type)
        bands = kept.bands
    else:
        band_files = [p.parent.parent / "bands" / p.name.replace(".parquet", ".npz") for p in parts]
        bands = _bands_table(sum(np.load(p)["hist"] for p in band_files), times, observables)
    # the summary's files as one set (:func:`~hemasim.io.atomic_write_files`): a figure or report that fails leaves an
    # earlier summary whole, not new tables beside an old report. Values to endpoints.json's digits (a median of
    # 4.749999999999999 is 4.75); the summary returned keeps them as computed
    files = {out / "summary.json": _write_text(json.dumps(written_floats(summary), indent=2) + "\n"),
             out / "summary.csv": _write_text(pd.DataFrame(written_floats(rows)).to_csv(index=False)),
             out / "bands.csv": _write_text(bands.to_csv(index=False, float_format="%.6g"))}
    if report:
        figure = kept.figure if kept is not None else None
        if figure is not None and figure.n == len(ep):
            png = figure.png()  # drawn in its thread while the above ran
        else:  # hemasim.report.plots
            png = _png(cohort_bands_figure(bands, len(ep), observables, graft, band_sex(scenario)))
        files[out / "bands.png"] = _write_bytes(png)
        files[out / "report.html"] = _write_text(render_cohort_report(summary, png, man))
    atomic_write_files(files)
    return summary


# ---------------------------------------------------------------------------------------------- entry point
def run_cohort(scenario: Scenario, n: int, out: str | Path, *, seed: int = 0, seeds: Sequence[int] | None = None,
               partition_size: int = 1000, timeseries: bool = False, scheduler: Any = None,
               progress: bool | StageFn = True, max_partitions: int | None = None,
               security: Any = None,
               scheduler_timeout: float = SCHEDULER_TIMEOUT_S, force: bool = False,
               report: bool = True) -> dict[str, Any] | None:
    """Simulate ``n`` virtual patients of ``scenario`` into ``out`` (see the module docstring).

    Complete partitions already in ``out`` (recorded in its manifest, their files' sizes and sha256 matching) are
    skipped; others are (re)computed. ``progress``: rich bars, one per stage (True; in a notebook without
    ipywidgets, both stages on one line of stderr, "cohort patients 1034/2000 · cohort partitions 1/2"), or
    ``progress("cohort partitions", done, total)`` after each partition is written
    and ``progress("cohort patients", done, total)`` as the patients are
    integrated, from inside a partition (:class:`_PatientsIntegrated`), or False: nothing; a resumed cohort's counts
    start from what the earlier run completed (partitions 10/100 after 9 kept). Both are called in the
    thread that called run_cohort (the integration's own thread only counts the patients). The patients' draws do not
    depend on ``partition_size``; their results only within the solver's tolerance, as a partition is integrated in
    lock step (2e-7 relative in the ANC nadir, 40 patients of examples/cohort_docetaxel.yaml in one partition or
    four, ux34b; chunks of 32 patients share their steps, harden34). The per-patient endpoint table is
    ``pandas.read_parquet(out / "endpoints")``, the summary ``out / "summary.csv"`` (the returned dict holds the
    same). ``max_partitions`` stops after that many new partitions (for tests of
    resumption); the summary is then not written and None is returned. ``force`` deletes an earlier cohort in
    ``out`` (another cohort, one from another hemasim version, a damaged manifest) and starts afresh. ``scheduler``,
    ``security``, ``scheduler_timeout``: see :class:`DaskExecutor`. ``report=False``: no bands.png and no
    report.html (matplotlib's figure is most of a small cohort's summary); the partitions, summary.json/.csv and
    bands.csv are the same files.
    """
    if not 1 <= n <= MAX_PATIENTS:
        raise CohortError(f"--n: {n:,} patients; allowed: 1 to {MAX_PATIENTS:,}")
    if (n + partition_size - 1) // partition_size > MAX_PARTITIONS:
        raise CohortError(f"--partition-size: {partition_size:,} gives {-(-n // partition_size):,} partitions for --n "
                          f"{n:,}; at most {MAX_PARTITIONS:,} (--partition-size >= {-(-n // MAX_PARTITIONS):,})")
    if not 0 <= seed < 2**63:  # the seed column is int64, as a --seed-list's seeds are (2**64 was a traceback)
        raise CohortError(f"--seed: {seed} is out of range; seeds are integers from 0 to 2**63 - 1")
    if seeds is not None:
        if len(seeds) != n:
            raise CohortError(f"--seed-list: {len(seeds)} seeds for --n {n} patients (one seed per patient, a line "
                              "each)")
        check_seeds(seeds)
    if getattr(scenario.model, "kind", "full") != "full":
        raise CohortError(f"model: cohorts run the full model (the scenario asks for {scenario.model.kind})")
    if isinstance(scheduler, str):
        check_scheduler_address(scheduler)
    varied_drug_sets(scenario)  # refuse a drug_variability no set can give before anything is written
    check_white_cell_baseline(scenario)  # and a white-cell baseline that would replace a value the user set
    check_blood_losses(scenario, n, seed, seeds)  # and a loss of a drawn patient's whole blood (review35e)
    out = Path(out)
    data = scenario.model_dump(mode="json")
    rtol = cohort_rtol(scenario)
    man = open_cohort_folder(out, manifest(data, n, seed, partition_size, seeds, timeseries, rtol), force)
    n_parts = (n + partition_size - 1) // partition_size
    todo = [k for k in range(n_parts) if not is_complete(out, k, man)]
    man["partitions"] = {k: v for k, v in (man.get("partitions") or {}).items() if k.isdigit() and int(k) not in todo}
    # a resumed cohort counts on from what it kept ("partitions 10/100" after 9 kept: it said "1/91")
    resumed = (n_parts - len(todo), n - sum(min(n, (k + 1) * partition_size) - k * partition_size for k in todo))
    if max_partitions is not None:
        todo = todo[:max_partitions]
    jobs = [(data, k, k * partition_size, min(n, (k + 1) * partition_size), seed, seeds, timeseries, rtol)
            for k in todo]
    times = output_times(scenario.duration_days, scenario.output.every_days)  # the grid: the extra days are aside
    # a run that computes every partition keeps what the summary reads of them, and draws its figure beside the tail
    kept = _SummaryParts(n_parts, n, times, figure=report, observables=band_observables(scenario), graft=graft_day(
        scenario.interventions), sex=band_sex(scenario)) if len(todo) == n_parts else None
    with raised_while_running():
        try:
            executor = DaskExecutor(scheduler, security, scheduler_timeout) if scheduler is not None \
                else LocalExecutor()
            try:
                with stage_bars(progress if jobs else False) as stages:
                    _run_partitions(out, man, executor, jobs, stages, kept, scenario.duration_days, resumed)
            finally:
                executor.close()
            if not all(is_complete(out, k, man) for k in range(n_parts)):
                return None
            return summarise(out, times, n_parts, kept, report)
        finally:
            if kept is not None:
                kept.close()


#: seconds between rewrites of the manifest while partitions complete (a kill loses at most this much of the
#: record: those partitions are recomputed); rewriting it after every one of thousands of partitions would write
#: gigabytes
MANIFEST_EVERY_S = 5.0


class _PatientsIntegrated:
    """A cohort's second stage of progress, ``progress("cohort patients", done, total)``: ``done`` is how many whole
    patients' runs the integrated patient-days make (told from inside a partition's integration, per lock-step chunk:
    a partition of 1,000 patients said nothing until it was written), at least the patients of the partitions
    written (a Dask worker's integration tells nothing). Each count is told once, in the thread that made this (the
    caller of run_cohort, as its partitions' stage is): the integrating thread only queues the counts its chunks
    reach (under a lock), and the caller tells them, in order, as it waits for the partition (:meth:`tell`,
    ``while_waiting`` of :meth:`LocalExecutor.map`) or writes one (review34b: the callback ran in
    'hemasim-integrate_0')."""

    def __init__(self, progress: StageFn, total: int, duration_days: float, kept: int = 0) -> None:
        """``kept``: the patients of the partitions an earlier run completed (counted from, not told)."""
        self._progress, self._total, self._duration = progress, total, duration_days
        self._caller = threading.get_ident()
        self._patient_days = kept * duration_days
        self._queued: list[int] = []  # counts reached by the integration, not yet told
        self._reached = kept
        self._written = kept
        self._shown = kept
        self._lock = threading.Lock()

    def integrated(self, patients: int, days: float) -> None:
        with self._lock:
            self._patient_days += patients * days
            # 1e-9: a patient's segments add up to its duration only to rounding
            whole = min(self._total, int(self._patient_days / self._duration + 1e-9))
            if whole > self._reached:
                self._reached = whole
                self._queued.append(whole)
        if threading.get_ident() == self._caller:  # a single partition integrates in the caller's thread
            self.tell()

    def written(self, patients: int) -> None:
        self._written += patients  # the caller's thread only
        self.tell()

    def tell(self) -> None:
        """In the caller's thread: the counts the integration reached since the last look, then the patients
        written, each one more than told before; then what a notebook's text line held back (its throttle)."""
        with self._lock:
            counts, self._queued = self._queued, []
        for done in [*counts, min(self._total, self._written)]:
            if done > self._shown:
                self._shown = done
                self._progress(PATIENTS_STAGE, done, self._total)
        flush_held(self._progress)


#: the progress stages of a cohort (hemasim.cli.cohort shows them as "partitions" and "patients")
PARTITIONS_STAGE = "cohort partitions"
PATIENTS_STAGE = "cohort patients"


def _run_partitions(out: Path, man: dict[str, Any], executor: LocalExecutor | DaskExecutor,
                    jobs: list[tuple[Any, ...]], progress: StageFn | None,
                    kept: _SummaryParts | None = None, duration_days: float = 1.0,
                    resumed: tuple[int, int] = (0, 0)) -> None:
    """Compute the partitions of ``jobs``; write each one's files, then record their checksums in the manifest
    (written with the first partition, at most every MANIFEST_EVERY_S after, and when the loop ends or fails:
    inputs that fail before a partition is done leave nothing behind). ``kept``: given each partition (and its
    histograms as soon as they are counted) for the summary. ``progress``: told of each partition once it is
    written, and of the patients as they are integrated (:class:`_PatientsIntegrated`, over ``duration_days``),
    each count from the (partitions, patients) an earlier run completed, ``resumed``."""
    last_written: float | None = None
    unwritten = False

    on_histograms = kept.histograms if kept is not None else None
    kept_parts, kept_patients = resumed
    patients = _PatientsIntegrated(progress, kept_patients + sum(job[3] - job[2] for job in jobs), duration_days,
                                   kept_patients) if progress is not None else None

    def keep(part: PartitionOutput) -> None:
        nonlocal last_written, unwritten
        if kept is not None:
            kept.add(part)  # before the files: with the last partition, the figure starts beside its writing
        write_partition(out, part)
        man["partitions"][str(part.index)] = partition_record(out, part.index, bool(man["timeseries"]))
        unwritten = True
        if last_written is None or time.monotonic() - last_written >= MANIFEST_EVERY_S:
            write_manifest(out, man)
            last_written, unwritten = time.monotonic(), False
        if patients is not None:
            patients.written(len(part.endpoints))

    try:
        # the command's display (hemasim.cli._progress) or rich bars, told of each partition once it is written
        parts = executor.map(simulate_partition, jobs, on_histograms,
                             patients.integrated if patients is not None else None,
                             patients.tell if patients is not None else None)
        for done, part in enumerate(parts, start=1):
            keep(part)
            if progress is not None:  # once its files are written
                progress(PARTITIONS_STAGE, kept_parts + done, kept_parts + len(jobs))
    finally:
        if unwritten:
            write_manifest(out, man)
