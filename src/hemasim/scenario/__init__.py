"""Scenario files: YAML data validated by a typed schema (never code).

A scenario is a patient, a duration, output settings, a solver choice and a list of
interventions. Every field is checked; an unknown field, a wrong type, a non-finite number, a
boolean where a number belongs or an out-of-range value is a :class:`ScenarioError` whose message
names the file and the field and says what is allowed, one line per problem. The file is read within
the limits of :mod:`hemasim._yaml_limits`; work and memory of the run are bounded before it starts
(:data:`MAX_OUTPUT_POINTS`, :data:`MAX_SOLVER_STEPS`). docs/reliability.md lists the guarantees.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator, model_validator

from hemasim._file_kinds import wrong_file
from hemasim._schema import MAX_DURATION_DAYS, StrictData, several_problems, validation_problems
from hemasim._yaml_limits import YamlInputError, load_yaml_file
from hemasim.biology.body import Covariates
from hemasim.interventions import InterventionSpec, ScenarioFacts, kind_tag, on_registry_change, registered_kinds
from hemasim.interventions.chemotherapy import ChemotherapySpec
from hemasim.interventions.dosed import drug_set_of
from hemasim.scenario.arms import Arm, check_arms
from hemasim.scenario.messages import complete
from hemasim.scenario.overrides import ParameterOverrides
from hemasim.solvers import DEFAULT_MAX_STEPS, AdditiveRungeKutta, DormandPrince, ScipyReference, Solver, UnreadStates

__all__ = ["MAX_OUTPUT_POINTS", "MAX_SOLVER_STEPS", "MIN_AGE_YEARS", "Patient", "Population", "Scenario",
           "ScenarioError", "load_scenario", "parse_scenario"]

#: youngest patient, years (3.7 days): the memory T-cell pools accrue from none at birth as 1 - exp(-age / tau),
#: so at age 0 they are empty (a division by zero) and at 1e-6 years the run needs ~1e5 steps; at 0.01 years
#: a 30-day run takes 5 steps, as an adult's does
MIN_AGE_YEARS = 0.01
#: output points of a run (duration_days / output.every_days): 100,000 rows of ~200 columns are ~160 MB
MAX_OUTPUT_POINTS = 100_000
#: steps the solver's max_step_days may force (duration_days / max_step_days): 1e6 steps of the healthy
#: model take ~6 s on one core
MAX_SOLVER_STEPS = 1_000_000
#: smallest relative tolerance: below it the steps approach the float resolution of the states
MIN_RTOL = 1e-12
#: the loosest relative tolerance, exclusive (rtol < MAX_RTOL; the error names the range as "< 0.01")
MAX_RTOL = 1e-2


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message has one line per problem, each naming the file and the field
    (or the line and column of the YAML text)."""


_Strict = StrictData


class LineageOutput(_Strict):
    """Output of a clone per lineage relative to a wild-type HSC (1 = the same)."""

    neutrophil: float = Field(default=1.0, ge=0, le=100)
    monocyte: float = Field(default=1.0, ge=0, le=100)
    erythroid: float = Field(default=1.0, ge=0, le=100)
    megakaryocyte: float = Field(default=1.0, ge=0, le=100)
    lymphoid: float = Field(default=1.0, ge=0, le=100)


class CloneSpec(_Strict):
    """An expanded HSC clone (clonal haematopoiesis) and the lineages it favours."""

    label: str = Field(min_length=1, max_length=80, description="e.g. the driver, JAK2 V617F")
    vaf: float = Field(gt=0, le=0.5, description="variant allele fraction in blood (heterozygous: pool share / 2)")
    lineage_output: LineageOutput = Field(default_factory=LineageOutput)


class Patient(_Strict):
    age_years: float = Field(ge=MIN_AGE_YEARS, le=120, description="age at the start of the scenario, years "
                                                                   "(from 0.01, 3.7 days)")
    sex: Literal["male", "female"]
    # a weight in pounds is mostly a possible weight in kg too (165): no bound can refuse it (tidy30)
    weight_kg: float = Field(gt=0, le=400, description="body weight, kg, not pounds: a weight in pounds that is also "
                             "a possible weight in kg (165) runs as kg; with height_cm, an adult's BMI of 40 or more "
                             "is asked about as maybe pounds (weight_confirmed: true stops the question)")
    height_cm: float | None = Field(default=None, gt=30, le=250,
                                    description="height, cm (blood volume by Nadler 1962 when given)")
    # an adult with a BMI of 40 or more was asked on every run and check whether the weight was pounds, with no way
    # to answer (firsthour30)
    weight_confirmed: bool = Field(default=False, description="true: weight_kg is right as written, in kg; its "
                                   "plausibility questions (pounds? outside the range for the age?) are not asked")
    genotype: Literal["healthy", "il2rg_scid", "ada_scid", "rag_scid"] = Field(
        default="healthy", description="SCID genotypes remove the host lineages they block")
    clones: list[CloneSpec] = Field(default_factory=list, description="expanded HSC clones and their lineage output")
    autoimmune_disease: Literal["multiple_sclerosis", "rheumatoid_arthritis"] | None = Field(
        default=None, description="an autoimmune disease carried by autoreactive memory T cells (docs/immunity.md)")

    @model_validator(mode="after")
    def _clones_fit_in_the_pool(self) -> Patient:
        total = sum(2.0 * c.vaf for c in self.clones)
        if total > 1.0:
            raise ValueError(f"patient.clones hold {total:.3g} of the HSC pool (2 x VAF each); the sum must be <= 1")
        return self

    def covariates(self) -> Covariates:
        return Covariates(self.age_years, self.sex, self.weight_kg, self.height_cm)


class Output(_Strict):
    every_days: float = Field(default=1.0, gt=0, le=365, description="output interval, days")


class DormandPrinceSettings(_Strict):
    kind: Literal["dormand_prince"] = "dormand_prince"
    rtol: float = Field(default=1e-8, ge=MIN_RTOL, lt=MAX_RTOL)
    max_step_days: float = Field(default=30.0, gt=0, description="at least duration_days / 1e6")
    max_steps: int = Field(default=DEFAULT_MAX_STEPS, ge=1, le=10**9, description="run budget: steps per solve call")

    def build(self) -> Solver:
        return DormandPrince(rtol=self.rtol, max_step_days=self.max_step_days, max_steps=self.max_steps)


class ScipySettings(_Strict):
    kind: Literal["scipy"]
    method: Literal["RK45", "DOP853", "LSODA", "BDF", "Radau"] = "DOP853"
    rtol: float = Field(default=1e-8, ge=MIN_RTOL, lt=MAX_RTOL)
    max_steps: int = Field(default=DEFAULT_MAX_STEPS, ge=1, le=10**9, description="run budget: steps per solve call")

    def build(self) -> Solver:
        return ScipyReference(rtol=self.rtol, method=self.method, max_steps=self.max_steps)


class GpuDormandPrinceSettings(_Strict):
    """The cohort lock-step Dormand-Prince on a CUDA GPU (``pip install 'hemasim[gpu]'``; docs/performance_gpu.md)."""

    kind: Literal["gpu_dormand_prince"]
    rtol: float = Field(default=1e-8, ge=MIN_RTOL, lt=MAX_RTOL)
    max_step_days: float = Field(default=30.0, gt=0, description="at least duration_days / 1e6")
    max_steps: int = Field(default=DEFAULT_MAX_STEPS, ge=1, le=10**9, description="run budget: steps per solve call")

    def build(self) -> Solver:
        from hemasim.solvers.gpu import GpuDormandPrince  # numba.cuda itself loads only when it solves

        return GpuDormandPrince(rtol=self.rtol, max_step_days=self.max_step_days, max_steps=self.max_steps)


class AdditiveRungeKuttaSettings(_Strict):
    """The IMEX solver: linear transit flows implicit (docs/performance.md, "The IMEX solver"). Faster than
    Dormand-Prince on recoveries and near steady state, slower under repeated chemotherapy."""

    kind: Literal["additive_runge_kutta"]
    rtol: float = Field(default=1e-8, ge=MIN_RTOL, lt=MAX_RTOL)
    max_step_days: float = Field(default=7.0, gt=0, description="at most ~7: the explicit part's stability near a "
                                                                "steady state; at least duration_days / 1e6")
    max_steps: int = Field(default=DEFAULT_MAX_STEPS, ge=1, le=10**9, description="run budget: steps per solve call")
    unread_states: UnreadStates = Field(
        default="own", description="passed_on (opt-in): a state nothing reads is held to rtol of the first read state "
                                   "downstream (hemasim.solvers.AdditiveRungeKutta.unread_states)")

    def build(self) -> Solver:
        return AdditiveRungeKutta(rtol=self.rtol, max_step_days=self.max_step_days, max_steps=self.max_steps,
                                  unread_states=self.unread_states)


SolverSettings = Annotated[DormandPrinceSettings | ScipySettings | GpuDormandPrinceSettings |
                           AdditiveRungeKuttaSettings, Field(discriminator="kind")]


class AgeRange(_Strict):
    min: float = Field(ge=MIN_AGE_YEARS, le=120)
    max: float = Field(ge=MIN_AGE_YEARS, le=120)

    @model_validator(mode="after")
    def _ordered(self) -> AgeRange:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


class MeanSd(_Strict):
    """A normal distribution (kg or cm); draws are truncated to the population's range."""

    mean: float = Field(gt=0, le=1000)
    sd: float = Field(ge=0, le=1000)


class BySex(_Strict):
    """A normal distribution for each sex the cohort draws: a sex it never draws (``female_fraction`` 1 or 0, or
    without one the other sex than the scenario's patient) may be left out (:meth:`Scenario._drawn_sexes_given`);
    an all-women cohort had to invent a block for men, which its report then printed (ux37)."""

    male: MeanSd | None = None
    female: MeanSd | None = None


class Population(_Strict):
    """How virtual patients of a cohort differ. Anything not given stays at the scenario's patient."""

    age_years: AgeRange | None = Field(default=None, description="uniform between min and max, years")
    female_fraction: float | None = Field(default=None, ge=0, le=1)
    weight_kg: BySex | None = Field(default=None, description="normal by sex, truncated to 30-250 kg (a child under 18: "
                                    "to 3 SD either side of the CDC 2000 median weight for its age and sex); kg, not "
                                    "pounds (a mean in pounds is warned where it and the mean height give a BMI over 50)")
    height_cm: BySex | None = Field(default=None, description="normal by sex, truncated to 120-220 cm (a child under 18: "
                                    "to 3 SD either side of the CDC 2000 median height for its age and sex)")
    variability: bool = Field(default=True, description="draw parameters from their between-patient variability")
    drug_variability: bool = Field(default=False, description="draw the between-patient variability the dosed drug "
                                   "sets publish (docs/cohorts.md)")
    white_cell_baseline: Literal["healthy", "metastatic_cancer"] = Field(
        default="healthy", description="lymphocytes and monocytes before the scenario: healthy (the reference counts, "
        "with `variability` their own between-patient variability) or metastatic_cancer (the draw of the validated "
        "chemotherapy cohorts: lymphocyte median 1.4e9/L, 25% below 1.0e9/L; docs/cohorts.md)")


def _intervention_union() -> Any:
    """The scenario's tagged union of intervention blocks: every registered kind, by its ``kind`` tag."""
    kinds = tuple(registered_kinds().values())
    return Annotated[Union[kinds], Field(discriminator="kind")]  # noqa: UP007 - a union built at run time


class FullModel(_Strict):
    """The multilineage healthy human model (default)."""

    kind: Literal["full"] = "full"


class FribergChain(_Strict):
    """The published Friberg chain of a drug set (ANC or leukocytes only), for comparison with NONMEM,
    nlmixr2 or mrgsolve code; only that drug's chemotherapy may be given."""

    kind: Literal["friberg_chain"]
    drug_set: str = Field(min_length=1)
    prior_therapy: bool = Field(default=False, description="apply the set's prior-therapy baseline change")

    @model_validator(mode="after")
    def _has_chain(self) -> FribergChain:
        ds = drug_set_of(self.drug_set)
        if ds.friberg is None:
            raise ValueError(f"drug_set: {ds.name!r} has no published chain (friberg block); sets with one: "
                             + ", ".join(n for n in _sets_with_chain()))
        return self


def _sets_with_chain() -> list[str]:
    from hemasim.pharmacology.drug_sets import available_drug_sets, load_drug_set

    return [n for n in available_drug_sets() if load_drug_set(n).friberg is not None]


ModelChoice = Annotated[FullModel | FribergChain, Field(discriminator="kind")]


class Scenario(_Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    patient: Patient
    duration_days: float = Field(gt=0, le=MAX_DURATION_DAYS, description="simulated time, days")
    aging: bool = Field(default=True, description="age-dependent processes follow the patient's age over time")
    seed: int = Field(default=0, ge=0, le=2**63 - 1, description="seed of the run's random number generator")
    output: Output = Output()
    solver: SolverSettings = DormandPrinceSettings()
    model: ModelChoice = Field(default_factory=FullModel, description="which model to simulate")
    if TYPE_CHECKING:  # type checkers see the common base; pydantic the tagged union of registered kinds
        interventions: list[InterventionSpec]
    else:
        interventions: list[_intervention_union()] = Field(default_factory=list)
    population: Population | None = Field(default=None, description="how patients of a cohort differ")
    parameters: ParameterOverrides = Field(default_factory=dict, description="parameter values to change (overrides)")
    arms: list[Arm] = Field(default_factory=list, description="variants run side by side (scenario.arms)")

    @field_validator("solver", "model", mode="before")
    @classmethod
    def _default_kind(cls, value: Any, info: ValidationInfo) -> Any:
        """A solver or model block without ``kind`` is of the default kind (as when the block is left out)."""
        if isinstance(value, dict) and "kind" not in value:
            default = "dormand_prince" if info.field_name == "solver" else "full"
            members = get_args(get_args(SolverSettings if info.field_name == "solver" else ModelChoice)[0])
            fields = {get_args(m.model_fields["kind"].annotation)[0]: set(m.model_fields) for m in members}
            given = {str(k) for k in value}
            # fields of another kind only: that kind was meant (they read as unknown fields of the default kind)
            other = [k for k, f in fields.items() if k != default and given <= f] if not given <= fields[default] else []
            if len(other) == 1:
                raise ValueError(f"kind: required field is missing; {', '.join(sorted(given))}: field(s) of kind "
                                 f"{other[0]} (kinds: {', '.join(fields)}; without kind: {default})")
            return {**value, "kind": default}
        return value

    @model_validator(mode="after")
    def _work_is_bounded(self) -> Scenario:
        """Output points and forced solver steps are bounded before anything runs (memory and time)."""
        d = self.duration_days
        if d / self.output.every_days > MAX_OUTPUT_POINTS:
            raise ValueError(f"output.every_days: {self.output.every_days:g} gives {d / self.output.every_days:,.0f} "
                             f"output points over duration_days = {d:g}; at most {MAX_OUTPUT_POINTS:,} "
                             f"(every_days >= {d / MAX_OUTPUT_POINTS:.3g})")
        if isinstance(self.solver, DormandPrinceSettings | GpuDormandPrinceSettings | AdditiveRungeKuttaSettings) and \
                d / self.solver.max_step_days > MAX_SOLVER_STEPS:
            raise ValueError(f"solver.max_step_days: {self.solver.max_step_days:g} forces "
                             f"{d / self.solver.max_step_days:,.0f} steps over duration_days = {d:g}; at most "
                             f"{MAX_SOLVER_STEPS:,} (max_step_days >= {d / MAX_SOLVER_STEPS:.3g})")
        return self
    parameter_set: str | None = Field(default=None, min_length=1,
                                      description="path of a fitted parameter set (the YAML `hemasim fit` writes)")

    @model_validator(mode="after")
    def _interventions_fit(self) -> Scenario:
        if isinstance(self.model, FribergChain):
            chain = drug_set_of(self.model.drug_set)
            for i, iv in enumerate(self.interventions):
                if not isinstance(iv, ChemotherapySpec) or drug_set_of(iv.drug_set).name != chain.name:
                    raise ValueError(f"interventions.{i}: the Friberg chain of {chain.name!r} takes only chemotherapy "
                                     f"with drug_set {chain.name!r}")
        ages = self.population.age_years if self.population is not None else None
        facts = ScenarioFacts(self.duration_days, self.patient.height_cm, self.is_chimeric, self.interventions,
                              youngest_age_years=ages.min if ages is not None else self.patient.age_years)
        problems = []  # every intervention's, a line each (the iron kinds' came one run at a time)
        for i, iv in enumerate(self.interventions):
            if iv.day > self.duration_days:
                problems.append(f"interventions.{i}.{_first_day_field(iv)}: day {iv.day:g} is after the end of the "
                                f"scenario (duration_days = {self.duration_days:g})")
                continue
            try:
                iv.check_in(facts, i)
            except ValueError as err:  # a line each of its problems (InterventionSpec.check_in)
                problems += str(err).splitlines()
        if problems:
            raise several_problems("Scenario", problems)
        return self

    @model_validator(mode="after")
    def _drawn_sexes_given(self) -> Scenario:
        """Each sex the cohort draws has its ``weight_kg`` and ``height_cm`` block (where the population gives one)."""
        pop = self.population
        if pop is None:
            return self
        fraction = pop.female_fraction
        drawn = [self.patient.sex] if fraction is None else [s for s, share in (("male", 1 - fraction),
                                                                                ("female", fraction)) if share > 0]
        why = {"male": "men", "female": "women"}
        because = (f"female_fraction {fraction:g}" if fraction is not None
                   else f"no female_fraction: every patient is the scenario patient's sex, {self.patient.sex}")
        problems = [f"population.{name}.{sex}: required field is missing: the cohort draws {why[sex]} ({because}); "
                    "{mean, sd}, as for the other sex"
                    for name in ("weight_kg", "height_cm") if getattr(pop, name) is not None
                    for sex in drawn if getattr(getattr(pop, name), sex) is None]
        if problems:
            raise several_problems("Scenario", problems)
        return self

    @field_validator("parameter_set")
    @classmethod
    def _fitted_set_loads(cls, path: str | None) -> str | None:
        if path is not None:
            from hemasim.inference.fitted import load_fitted_values  # late import: inference sits above scenarios

            try:
                load_fitted_values(path)
            except ValueError as err:  # its message names the field, which the error's location names already
                # (it read "parameter_set.parameter_set: PATH: ...")
                raise ValueError(f"the file {str(err).removeprefix('parameter_set: ')}") from None
        return path

    @property
    def is_chimeric(self) -> bool:
        """Host and donor cells are tracked apart (a transplant, or a SCID genotype)."""
        return self.patient.genotype != "healthy" or any(iv.makes_chimeric for iv in self.interventions)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Scenario:
        return load_scenario(path)


UNKNOWN_FIELD = "unknown field (check the spelling; see docs/scenarios.md for the allowed fields)"


def _problems(err: ValidationError) -> list[str]:
    # the hints of a new user's first mistakes (the fields allowed, the kind meant, a unit after a number)
    tags = _union_tags()
    return complete(validation_problems(err, tags, UNKNOWN_FIELD, Scenario), err, Scenario, tags)


def _union_tags() -> set[str]:
    """The ``kind`` tags of every tagged union in the schema: pydantic puts them in error locations, where they
    are noise (``interventions.0.transplant.day`` reads ``interventions.0.day``)."""
    classes: list[type[BaseModel]] = [*registered_kinds().values(), FullModel, FribergChain, DormandPrinceSettings,
                                      ScipySettings, GpuDormandPrinceSettings, AdditiveRungeKuttaSettings]
    return {kind_tag(c) for c in classes}


def _rebuild_union() -> None:
    """Refresh the interventions union when a kind is registered after this module was imported."""
    union = _intervention_union()
    Scenario.model_fields["interventions"].annotation = list[union]  # type: ignore[valid-type]
    Scenario.model_rebuild(force=True)


on_registry_change(_rebuild_union)


def parse_scenario(data: object, source: str = "scenario") -> Scenario:
    """Validate already-loaded data; raises :class:`ScenarioError`, one line per problem, each naming
    ``source`` and the field."""
    if data is None:  # an empty file, or one of comments only (YAML reads it as null)
        raise ScenarioError(f"{source}: the file holds no fields; a scenario has name, patient, duration_days and "
                            "interventions (examples/*.yaml, docs/scenarios.md)")
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: the top level must be a mapping of fields (got {type(data).__name__})")
    other = wrong_file(data, source, "a scenario", "a scenario has name, patient, duration_days and interventions "
                                                   "(docs/scenarios.md)")
    if other is not None and not {"patient", "duration_days"} <= set(data):  # a scenario with a stray field is one
        raise ScenarioError(other)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError("\n".join(f"{source}: {line}" for line in _problems(err))) from None
    check_arms(scenario, source)  # each arm is a whole scenario (hemasim.scenario.arms)
    return scenario


#: fields that hold the path of another file (a drug set, a regimen: a shipped name, or a path ending .yaml/.yml or
#: holding a /); a relative path is relative to the scenario file's folder
PATH_FIELDS = ("drug_set", "parameter_set", "regimen")


def is_path_value(value: str) -> bool:
    return value.endswith((".yaml", ".yml")) or "/" in value


def resolve_paths(data: Any, folder: Path) -> Any:
    """``data`` with every relative path of a :data:`PATH_FIELDS` field made relative to ``folder`` (bare names
    of shipped sets stay as they are)."""
    if isinstance(data, dict):
        return {k: (str(folder / v) if k in PATH_FIELDS and isinstance(v, str) and is_path_value(v)
                    and not Path(v).is_absolute() else resolve_paths(v, folder)) for k, v in data.items()}
    if isinstance(data, list):
        return [resolve_paths(v, folder) for v in data]
    return data


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file (safe loader within limits: data only). Paths inside it (a
    ``drug_set`` file) are relative to the file's folder. A value outside its clinical range (``cd34_per_kg:
    4.5``) is warned, a :class:`~hemasim.scenario.plausibility.PlausibilityWarning` each, and kept as written (a
    chemotherapy scenario without an output step, its subclass
    :class:`~hemasim.scenario.plausibility.OutputGridWarning`)."""
    from hemasim.scenario.plausibility import scenario_warnings, warn_implausible

    p = Path(path)
    try:
        data = load_yaml_file(p, "scenario")
    except YamlInputError as err:
        raise ScenarioError(str(err)) from None
    folder = p.absolute().parent
    try:
        scenario = parse_scenario(resolve_paths(data, folder), str(p))
    except ScenarioError as err:
        raise ScenarioError("\n".join(_own_file_hint(line, folder) for line in str(err).splitlines())) from None
    warn_implausible(scenario_warnings(scenario, str(p)))
    return scenario


def _first_day_field(iv: Any) -> str:
    """The field that sets an intervention's first day, as its file has it: ``day`` is a field of some kinds and a
    property of the others (``start_day``, a schedule's first day; the message named ``day`` for them all)."""
    fields = type(iv).model_fields
    for name in ("day", "start_day"):
        if name in fields:
            return name
    block = getattr(iv, "schedule_field", "schedule")
    schedule = getattr(iv, block, None)
    if getattr(schedule, "days", None) is not None:
        return f"{block}.days"
    return f"{block}.start_day" if schedule is not None else "day"


#: an unknown drug set's or regimen's name in a problem line, and the guess that follows it there
_UNKNOWN_NAME = re.compile(r"unknown (drug set|regimen) '([a-z0-9_.-]{1,60})'")


def _own_file_hint(line: str, folder: Path) -> str:
    """For an unknown drug set or regimen whose name is a file beside the scenario (``drug_set: etoposide_mine``
    with etoposide_mine.yaml there): the name as a path, in place of a guess among the shipped ones (it guessed
    "did you mean etoposide? its sets: etoposide_toffoli2001")."""
    match = _UNKNOWN_NAME.search(line)
    if match is None:
        return line
    found = [f"{match.group(2)}{ext}" for ext in (".yaml", ".yml") if (folder / f"{match.group(2)}{ext}").is_file()]
    if not found:
        return line
    field = "drug_set" if match.group(1) == "drug set" else "regimen"
    return (line.split("; did you mean", 1)[0]
            + f"; {found[0]} is in the scenario's folder: a file is given with its extension, {field}: {found[0]}")
