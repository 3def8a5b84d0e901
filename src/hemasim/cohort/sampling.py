"""Virtual patients: covariates from the scenario's population and parameters from between-patient
variability (log-normal around each parameter's typical value, clipped to its bounds).

Every patient has its own seed: patient ``i`` of a cohort with base seed ``s`` draws from
``numpy.random.default_rng(SeedSequence(s, spawn_key=(i,)))``, so any patient can be re-drawn alone,
and a cohort given an explicit seed list draws patient ``i`` from ``seeds[i]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.random.bit_generator import ISeedSequence

from hemasim.biology import Covariates
from hemasim.parameters import Parameter, ParameterSet
from hemasim.pharmacology.drug_sets import DrugSet, value_range
from hemasim.scenario import Patient, Population


@dataclass(frozen=True)
class VirtualPatients:
    ids: np.ndarray  # (N,) int64, position in the cohort
    seeds: np.ndarray  # (N,) int64 or object: what each patient's generator was seeded with
    covariates: Covariates  # arrays
    parameters: dict[str, np.ndarray]  # per-patient values of the parameters with variability
    #: per-patient values of drug sets' values (set name -> dotted path -> (N,)), from
    #: ``population.drug_variability``
    drug_values: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


def variable_parameters(params: ParameterSet) -> list[str]:
    """Parameters that carry between-patient variability, in a fixed (sorted) order."""
    return sorted(n for n, p in params.items() if p.iiv_cv)


def iiv_values(param: Parameter, eta: np.ndarray) -> np.ndarray:
    """``param``'s values for the standard normal draws ``eta``: log-normal around its value with its between-patient
    CV (``iiv_cv``), clipped to its bounds."""
    omega = np.sqrt(np.log1p(param.iiv_cv**2))  # type: ignore[operator]
    return log_normal(param.value, omega, eta, param.bounds)


def log_normal(typical: float | np.ndarray, sd_log: float, eta: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """``typical`` times exp(``sd_log`` ``eta``) (median: ``typical``), clipped to ``bounds``."""
    return np.clip(typical * np.exp(sd_log * eta), *bounds)


def patient_rng(base_seed: int, index: int, seeds: Sequence[int] | None = None) -> np.random.Generator:
    if seeds is not None:
        return np.random.default_rng(int(seeds[index]))
    return np.random.default_rng(np.random.SeedSequence(base_seed, spawn_key=(index,)))


class _SeedState(ISeedSequence):
    """A seed sequence whose state is already computed (:func:`patient_rngs`): what ``generate_state(4, np.uint64)``
    of numpy's SeedSequence gives, the one call a PCG64 makes when it is seeded."""

    __slots__ = ("state",)

    def __init__(self, state: np.ndarray) -> None:
        self.state = state

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> np.ndarray:
        if n_words != 4 or np.dtype(dtype) != np.uint64:
            raise ValueError("a patient's seed state is PCG64's: 4 words of uint64")
        return self.state


_MASK32 = 0xFFFFFFFF
#: the constants of O'Neill's seed_seq hash as numpy's SeedSequence uses them (numpy/random/bit_generator.pyx)
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R = 0xCA01F9DD, 0x4973F715
_POOL_SIZE = 4


def _words(x: int) -> list[int]:
    """A non-negative integer as SeedSequence reads it: 32-bit words, lowest first ([0] for 0)."""
    words = [x & _MASK32]
    x >>= 32
    while x > 0:
        words.append(x & _MASK32)
        x >>= 32
    return words


def _seed_states(entropy: np.ndarray) -> np.ndarray:
    """``SeedSequence``'s ``generate_state(4, np.uint64)`` for each row of ``entropy`` ((n, L) uint32: a row is the
    entropy SeedSequence assembles from its entropy and spawn key), all rows at once: the pool mixed from the
    entropy, then 8 words hashed from the pool and paired, lowest first, into 4 uint64. The hash constants evolve
    alike for every row, so they are scalars; uint32 arrays wrap as the C code's uint32_t does."""
    n, length = entropy.shape
    const = _INIT_A

    def hashmix(value: np.ndarray) -> np.ndarray:
        nonlocal const
        value = value ^ np.uint32(const)
        const = (const * _MULT_A) & _MASK32
        value = value * np.uint32(const)
        return value ^ (value >> np.uint32(16))

    def mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        result: np.ndarray = np.uint32(_MIX_MULT_L) * x - np.uint32(_MIX_MULT_R) * y
        return result ^ (result >> np.uint32(16))

    zeros = np.zeros(n, dtype=np.uint32)
    pool = [hashmix(entropy[:, i] if i < length else zeros) for i in range(_POOL_SIZE)]
    for src in range(_POOL_SIZE):
        for dst in range(_POOL_SIZE):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(_POOL_SIZE, length):
        for dst in range(_POOL_SIZE):
            pool[dst] = mix(pool[dst], hashmix(entropy[:, src]))
    const = _INIT_B
    words = []
    for i in range(8):
        value = pool[i % _POOL_SIZE] ^ np.uint32(const)
        const = (const * _MULT_B) & _MASK32
        value = value * np.uint32(const)
        words.append((value ^ (value >> np.uint32(16))).astype(np.uint64))
    return np.stack([words[2 * j] | (words[2 * j + 1] << np.uint64(32)) for j in range(4)], axis=1)


def patient_rngs(base_seed: int, start: int, stop: int, seeds: Sequence[int] | None = None
                 ) -> list[np.random.Generator]:
    """``patient_rng(base_seed, i, seeds)`` for i in ``start`` .. ``stop - 1``: the same generators (the same
    streams, tests/test_cohort_sampling_seeds.py), their SeedSequence hashing done for all patients at once
    (numpy's, one patient at a time, was ~30 us a patient: most of drawing a 2,000-patient partition)."""
    rows: dict[int, list[tuple[int, list[int]]]] = {}
    for k, i in enumerate(range(start, stop)):
        if seeds is not None:
            seed = int(seeds[i])
            if seed < 0:
                raise ValueError("expected non-negative integer")
            entropy = _words(seed)  # SeedSequence(seed): no spawn key, no padding
        else:
            if base_seed < 0 or i < 0:
                raise ValueError("expected non-negative integer")
            run = _words(int(base_seed))  # with a spawn key, the run entropy is padded to the pool size
            entropy = run + [0] * (_POOL_SIZE - len(run)) + _words(i)
        rows.setdefault(len(entropy), []).append((k, entropy))
    states = np.empty((stop - start, 4), dtype=np.uint64)
    for group in rows.values():
        at = [k for k, _ in group]
        states[at] = _seed_states(np.array([e for _, e in group], dtype=np.uint32))
    # numpy's stubs name SeedSequence alone; PCG64 takes any ISeedSequence
    return [np.random.Generator(np.random.PCG64(_SeedState(row))) for row in states]  # type: ignore[arg-type]


def cohort_sex(female_fraction: float | None, sex: str | None) -> str | None:
    """The one sex of every patient of a cohort as :func:`draw_covariates` draws them (``sex``, the scenario
    patient's, without a female fraction; all women at 1, all men at 0), or None where men and women are mixed."""
    if female_fraction is None:
        return sex
    return "female" if female_fraction == 1 else "male" if female_fraction == 0 else None


def youngest_age_years(population: Population | None, base: Patient) -> float:
    """The youngest age, years, a patient of the cohort can be drawn at (:func:`draw_covariates`'s rule): the
    population's ``age_years.min``, else the scenario's patient's age."""
    return population.age_years.min if population is not None and population.age_years else base.age_years


#: heights, cm, an adult of a cohort is drawn within (a child's: :func:`height_range_cm`)
ADULT_HEIGHT_CM = (120.0, 220.0)
#: the age, years, from which a cohort's patient is drawn within the adults' ranges (below: the growth reference's),
#: as the plausibility checks tell an adult from a child (hemasim.scenario.plausibility)
ADULT_AGE_YEARS = 18.0


def weight_range_kg(age_years: float, sex: str) -> tuple[float, float]:
    """The weights, kg, a cohort's patient of ``age_years`` and ``sex`` is drawn within (its normal draw truncated
    there): an adult's 30-250 kg (:data:`hemasim.scenario.plausibility.ADULT_WEIGHT_KG`); a child's (under 18) 3 SD
    either side of the CDC 2000 weight-for-age median for its age and sex (Kuczmarski 2002, Vital Health Stat
    11(246), the LMS tables data/cdc2000_weight_for_age/README.md names:
    :func:`~hemasim.scenario.plausibility.child_weight_band`), the band a single child's weight is not warned
    outside. A 2-year-old's draws were floored at the adults' 30 kg (mend36)."""
    from hemasim.scenario.plausibility import ADULT_WEIGHT_KG, child_weight_band

    return ADULT_WEIGHT_KG if age_years >= ADULT_AGE_YEARS else child_weight_band(age_years, sex)


def height_range_cm(age_years: float, sex: str) -> tuple[float, float]:
    """The heights, cm, a cohort's patient is drawn within: an adult's :data:`ADULT_HEIGHT_CM`; a child's 3 SD either
    side of the CDC 2000 length-for-age (under 2 years) and stature-for-age median (data/cdc2000_height_for_age/
    README.md: :func:`~hemasim.scenario.plausibility.child_height_band`). A toddler's were floored at 120 cm."""
    from hemasim.scenario.plausibility import child_height_band

    return ADULT_HEIGHT_CM if age_years >= ADULT_AGE_YEARS else child_height_band(age_years, sex)


def draw_covariates(population: Population, base: Patient, rng: np.random.Generator
                    ) -> tuple[float, bool, float, float]:
    """(age, female, weight, height) of one patient, ``base`` (the scenario's patient) giving what the
    population does not vary; height NaN when neither given nor drawn. Weight and height are normal by sex, truncated
    to the ranges of the patient's age (:func:`weight_range_kg`, :func:`height_range_cm`: a child's by the growth
    reference). The order of draws is fixed: it is what makes patients reproducible."""
    age = rng.uniform(population.age_years.min, population.age_years.max) if population.age_years \
        else base.age_years
    female = bool(rng.random() < population.female_fraction) if population.female_fraction is not None \
        else base.sex == "female"
    sex = "female" if female else "male"
    if population.weight_kg:
        ms = getattr(population.weight_kg, sex)
        low, high = weight_range_kg(age, sex)
        weight = min(max(float(rng.normal(ms.mean, ms.sd)), low), high)  # np.clip's value; a scalar np.clip costs ~5 us
    else:
        weight = base.weight_kg
    if population.height_cm:
        ms = getattr(population.height_cm, sex)
        low, high = height_range_cm(age, sex)
        height = min(max(float(rng.normal(ms.mean, ms.sd)), low), high)
    else:
        height = base.height_cm if base.height_cm is not None else float("nan")
    return float(age), female, float(weight), float(height)


def draw_cohort_covariates(population: Population | None, base: Patient, start: int, stop: int, base_seed: int,
                           seeds: Sequence[int] | None = None) -> Covariates:
    """The covariates of patients ``start`` .. ``stop - 1`` alone, the same values :func:`draw_patients` gives them
    (they are each patient's first draws), without the parameters: ~10 us a patient, for checks made on every
    patient before a cohort runs (:func:`hemasim.cohort.runner.check_blood_losses`)."""
    population = population if population is not None else Population()
    drawn = [draw_covariates(population, base, rng) for rng in patient_rngs(base_seed, start, stop, seeds)]
    age, female, weight, height = (np.array(column, dtype=dtype) for column, dtype in
                                   zip(zip(*drawn, strict=True), (float, bool, float, float), strict=True)) \
        if drawn else (np.empty(0), np.empty(0, dtype=bool), np.empty(0), np.empty(0))
    return Covariates(age_years=age, sex=np.where(female, "female", "male"), weight_kg=weight,
                      height_cm=None if np.all(np.isnan(height)) else height)


def draw_patients(population: Population | None, base: Patient, params: ParameterSet, start: int, stop: int,
                  base_seed: int, seeds: Sequence[int] | None = None,
                  drug_sets: Sequence[DrugSet] = ()) -> VirtualPatients:
    """Patients ``start`` .. ``stop - 1`` of a cohort: covariates from the scenario's ``population`` (None: all
    like ``base``, the scenario's patient), parameters from between-patient variability unless the population
    turns it off, and, when the population asks for ``drug_variability``, the published variability of
    ``drug_sets`` (:func:`drug_variability_draws`; each patient's draws after its covariates and parameters, so
    patients drawn without it are unchanged). A healthy-model parameter a drug set varies takes the drug set's
    value (that published population's variability) instead of its own draw, clipped to its bounds as every draw
    is (:func:`drug_variability_draws`; as in the validation cohorts, hemasim.validation.chemotherapy). With ``white_cell_baseline: metastatic_cancer`` each
    patient then draws, after everything else, cancer patients' lymphocytes and monocytes
    (:func:`cancer_white_cell_draws`, as the validation's chemotherapy cohorts do), which take the place of those
    parameters' own draws (still made, so every other value is that of the default ``healthy``). Last, with
    variability on, each patient's vaccine-response factor (:func:`vaccine_response_values`, one normal draw)."""
    population = population if population is not None else Population()
    names = variable_parameters(params) if population.variability else []
    n = stop - start
    age = np.empty(n)
    female = np.empty(n, dtype=bool)
    weight = np.empty(n)
    height = np.empty(n)
    etas = np.empty((n, len(names)))
    varied_sets = list(drug_sets) if population.drug_variability else []
    drug_healthy: dict[str, np.ndarray] = {}
    drug_values: dict[str, dict[str, np.ndarray]] = {}
    cancer = population.white_cell_baseline == "metastatic_cancer"
    white_cells: dict[str, np.ndarray] = {}
    responsiveness = np.empty(n)
    for k, rng in enumerate(patient_rngs(base_seed, start, stop, seeds)):
        a, f, w, h = draw_covariates(population, base, rng)
        age[k], female[k], weight[k], height[k] = a, f, w, h
        etas[k] = rng.standard_normal(len(names))
        for ds in varied_sets:
            drawn = drug_variability_draws(ds, params, rng, 1)
            for name, v in drawn.healthy.items():
                drug_healthy.setdefault(name, np.empty(n))[k] = v[0]
            for path, v in drawn.drug.items():
                drug_values.setdefault(ds.name, {}).setdefault(path, np.empty(n))[k] = v[0]
        if cancer:  # after the draws above: they are those of the default
            for name, v in cancer_white_cell_draws(params, rng, 1).items():
                white_cells.setdefault(name, np.empty(n))[k] = v[0]
        if population.variability:  # last in the patient's generator: every draw above is as it was without it
            responsiveness[k] = rng.standard_normal()
    values: dict[str, np.ndarray] = {}
    for j, name in enumerate(names):
        values[name] = iiv_values(params[name], etas[:, j])
    values.update(drug_healthy)
    values.update(white_cells)
    if population.variability:
        values[VACCINE_RESPONSE] = vaccine_response_values(params, responsiveness, values.get(VACCINE_RESPONSE))
    has_height = not np.all(np.isnan(height))
    cov = Covariates(age_years=age, sex=np.where(female, "female", "male"), weight_kg=weight,
                     height_cm=height if has_height else None)
    ids = np.arange(start, stop, dtype=np.int64)
    seed_col = np.asarray(seeds[start:stop], dtype=np.int64) if seeds is not None else np.full(n, base_seed)
    return VirtualPatients(ids, seed_col, cov, values, drug_values)


#: the parameter a patient's vaccine-response factor multiplies: B-cell recruitment into a response, to which the
#: whole response (and the memory it leaves) is proportional below the antibody feedback's reach (docs/immunity.md,
#: "Between-patient variability of vaccine responses")
VACCINE_RESPONSE = "vaccine_b_recruitment_per_au_day"


def vaccine_response_values(params: ParameterSet, z: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
    """Per-patient B-cell recruitment for the standard normal draws ``z``: ``base`` (the patients' values drawn
    already, when a parameter set gives the parameter its own variability; else the typical value) times
    exp(``vaccine_response_sd_log`` z) (median: the typical response), clipped to the parameter's bounds."""
    param = params[VACCINE_RESPONSE]
    return log_normal(param.value if base is None else base, params.value("vaccine_response_sd_log"), z, param.bounds)


@dataclass(frozen=True)
class DrugVariability:
    """Per-patient values drawn from a drug set's published between-patient variability: healthy-model
    parameters (by name, for ``per_patient`` of the healthy model) and the drug set's own values (by dotted
    path, for :class:`~hemasim.pharmacology.DrugExposure` ``per_patient``)."""

    healthy: dict[str, np.ndarray]
    drug: dict[str, np.ndarray]


#: healthy-model parameters that carry a Friberg chain's mean transit time (the whole marrow transit of the
#: neutrophil lineage: one factor scales both stages)
NEUTROPHIL_TRANSITS = ("neutrophil_mitotic_transit_days", "neutrophil_marrow_transit_days")


def publishes_variability(ds: DrugSet) -> bool:
    """Whether ``ds`` publishes between-patient variability this module can draw (Friberg chain IIV of an ANC
    model, or a clearance IIV)."""
    chain = ds.friberg is not None and ds.friberg.observable == "anc" and bool(ds.friberg.iiv_variance)
    return chain or (ds.pk is not None and ds.pk.clearance_iiv_sd_log is not None)


def _full_model_slope_path(ds: DrugSet) -> str | None:
    """Where the full model reads the kill slope of the set's first effect: its full-model block's own slope, else
    the chain's (a linear effect without that block acts with it); None when the first effect has no slope."""
    if not ds.effects:
        return None
    if ds.effects[0].full_model is not None:
        return "effects.0.full_model.slope_L_per_umol"
    return "effects.0.slope_L_per_umol" if ds.effects[0].slope_L_per_umol is not None else None


def drug_variability_draws(ds: DrugSet, params: ParameterSet, rng: np.random.Generator,
                           n: int, *, system_only: bool = False) -> DrugVariability:
    """``n`` patients' values from the between-patient variability ``ds`` publishes, log-normal around the typical
    values of ``params`` (the healthy model's) and the set's own values.

    The ANC chain's variances (``friberg.iiv_variance``, on the log scale) go to the full model: mean transit
    time -> the neutrophil marrow transit times (one factor for both, :data:`NEUTROPHIL_TRANSITS`), baseline ->
    ``anc_setpoint_1e9_per_L``, slope -> the full model's kill slope of the first effect
    (``effects.0.full_model.slope_L_per_umol``, or the chain's slope when that effect has no full-model block);
    ``pk.clearance_iiv_sd_log`` (sd of log clearance) -> the set's clearance. The draws come in that fixed order
    (transit, baseline, slope, clearance), ``n`` at a time: it is what makes a cohort reproducible.
    ``system_only`` draws the chain's system part alone (transit, baseline: the patient's granulopoiesis, not the
    drug's slope or clearance), for a cohort that carries one set's chain variability over to other drugs (C12).

    Every value drawn is positive (log-normal: the pharmacometric form of a variability on a positive parameter;
    none of them is a fraction, which would take a logit-normal), and each is clipped to its declared bounds: a
    healthy-model parameter's (``params[name].bounds``; the transit factor so that both transits stay within
    theirs, still one factor for both), a drug set's value's plausible range
    (:func:`hemasim.pharmacology.drug_sets.value_range`), as the model's own variability is (:func:`iiv_values`):
    a patient outside them is one a single run refuses. Clipped, not redrawn: a redraw would move every later
    value of the cohort in the generator's stream. docs/drug_sets.md, "Between-patient variability".
    """
    healthy: dict[str, np.ndarray] = {}
    drug: dict[str, np.ndarray] = {}
    chain = ds.friberg if ds.friberg is not None and ds.friberg.observable == "anc" else None
    omega = {k: float(np.sqrt(v.value)) for k, v in chain.iiv_variance.items()} if chain is not None else {}
    if "mean_transit_time" in omega:
        # the factor's range: the one that keeps every transit within its bounds (Kloft 2006's omega^2 0.0192 put
        # ~1.3% of patients' post-mitotic transit past its 8 days, mend36)
        low = max(params[name].bounds[0] / params.value(name) for name in NEUTROPHIL_TRANSITS)
        high = min(params[name].bounds[1] / params.value(name) for name in NEUTROPHIL_TRANSITS)
        transit = np.clip(np.exp(rng.normal(0.0, omega["mean_transit_time"], n)), low, high)
        healthy.update({name: params.value(name) * transit for name in NEUTROPHIL_TRANSITS})
    if "baseline" in omega:
        setpoint = params["anc_setpoint_1e9_per_L"]
        healthy["anc_setpoint_1e9_per_L"] = log_normal(setpoint.value, omega["baseline"], rng.standard_normal(n),
                                                       setpoint.bounds)
    if system_only:
        return DrugVariability(healthy, drug)
    slope_path = _full_model_slope_path(ds)
    if "slope" in omega and slope_path is not None:
        drug[slope_path] = log_normal(ds.get(slope_path), omega["slope"], rng.standard_normal(n),
                                      value_range(slope_path))
    pk = ds.pk
    if pk is not None and pk.clearance_iiv_sd_log is not None:
        path = "pk.clearance_L_per_h_per_m2" if pk.clearance_L_per_h_per_m2 is not None else "pk.clearance_L_per_h"
        drug[path] = log_normal(ds.get(path), pk.clearance_iiv_sd_log.value, rng.standard_normal(n),
                                value_range(path))
    return DrugVariability(healthy, drug)


#: the lymphopenia threshold of ``metastatic_cancer_lymphopenia_fraction`` (Ray-Coquard 2009: 1000/uL)
LYMPHOPENIA_THRESHOLD_1E9_PER_L = 1.0


def lymphocyte_log_sd(median_1e9_per_L: float, share_below_threshold: float) -> float:
    """SD of ln(lymphocyte count) of the log-normal with this median and this share of patients below
    :data:`LYMPHOPENIA_THRESHOLD_1E9_PER_L` (1.4e9/L and 25%: 0.499)."""
    return math.log(median_1e9_per_L / LYMPHOPENIA_THRESHOLD_1E9_PER_L) / -NormalDist().inv_cdf(share_below_threshold)


#: the lymphocyte reference counts (cells/uL) a cancer patient's lymphocyte factor scales alike
LYMPHOCYTE_REFERENCES = ("cd4_reference_per_uL", "cd8_reference_per_uL", "b_reference_per_uL", "nk_reference_per_uL")
_CELLS_PER_UL_IN_1E9_PER_L = 1e3


def cancer_white_cell_draws(params: ParameterSet, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """``n`` cancer patients' white cells other than neutrophils (healthy-model parameter name -> (n,) values):
    one log-normal factor on the four lymphocyte reference counts (:data:`LYMPHOCYTE_REFERENCES`) whose total
    then has the metastatic-cancer median ``metastatic_cancer_lymphocytes_median_1e9_per_L`` and the share
    ``metastatic_cancer_lymphopenia_fraction`` below 1.0e9/L (:func:`lymphocyte_log_sd`), and the monocyte set point from its own between-patient
    variability (``iiv_cv``); each clipped to its parameter's bounds. Draws ``2 n`` normals from ``rng``
    (lymphocytes, then monocytes). docs/chemotherapy_full_model.md, "White cells other than neutrophils"."""
    z_lymph = rng.standard_normal(n)
    z_mono = rng.standard_normal(n)
    reference_total = sum(params.value(name) for name in LYMPHOCYTE_REFERENCES) / _CELLS_PER_UL_IN_1E9_PER_L
    median = params.value("metastatic_cancer_lymphocytes_median_1e9_per_L")
    sd_log = lymphocyte_log_sd(median, params.value("metastatic_cancer_lymphopenia_fraction"))
    factor = median / reference_total * np.exp(sd_log * z_lymph)
    values = {name: np.clip(params.value(name) * factor, *params[name].bounds) for name in LYMPHOCYTE_REFERENCES}
    values["monocyte_setpoint_1e9_per_L"] = iiv_values(params["monocyte_setpoint_1e9_per_L"], z_mono)
    return values
