"""Scenario files: YAML data validated by a typed schema (never code).

A scenario is a patient, a duration, output settings, a solver choice and a list of
interventions. Every field is checked; an unknown field, a wrong type or an out-of-range value
is a :class:`ScenarioError` whose message names the field and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hemasim.biology.body import Covariates
from hemasim.events import BloodLoss, CellDepletion, CellInfusion, Event
from hemasim.scenario.interventions import (
    ChemotherapySpec,
    ConditioningSpec,
    GcsfSpec,
    InfectionSpec,
    RadiationSpec,
    TransplantSpec,
    VaccineSpec,
    ViralInfectionSpec,
    drug_set_of,
)
from hemasim.solvers import DormandPrince, ScipyReference, Solver

__all__ = ["Patient", "Population", "Scenario", "ScenarioError", "load_scenario", "parse_scenario"]

MAX_DURATION_DAYS = 120 * 365.25


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message is one line naming the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    age_years: float = Field(ge=0, le=120, description="age at the start of the scenario, years")
    sex: Literal["male", "female"]
    weight_kg: float = Field(gt=0, le=400, description="body weight, kg")
    height_cm: float | None = Field(default=None, gt=30, le=250,
                                    description="height, cm (blood volume by Nadler 1962 when given)")
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

    def clonal_output(self) -> Any:
        """The model extension of the patient's clones, or None."""
        if not self.clones:
            return None
        from hemasim.clonal.coupling import ClonalOutput, Clone

        return ClonalOutput.from_clones([Clone(2.0 * c.vaf, c.lineage_output.model_dump(), c.label)
                                         for c in self.clones])

    def covariates(self) -> Covariates:
        return Covariates(self.age_years, self.sex, self.weight_kg, self.height_cm)


class Output(_Strict):
    every_days: float = Field(default=1.0, gt=0, le=365, description="output interval, days")


class DormandPrinceSettings(_Strict):
    kind: Literal["dormand_prince"] = "dormand_prince"
    rtol: float = Field(default=1e-8, gt=0, lt=1e-2)
    max_step_days: float = Field(default=30.0, gt=0)

    def build(self) -> Solver:
        return DormandPrince(rtol=self.rtol, max_step_days=self.max_step_days)


class ScipySettings(_Strict):
    kind: Literal["scipy"]
    method: Literal["RK45", "DOP853", "LSODA", "BDF", "Radau"] = "DOP853"
    rtol: float = Field(default=1e-8, gt=0, lt=1e-2)

    def build(self) -> Solver:
        return ScipyReference(rtol=self.rtol, method=self.method)


SolverSettings = Annotated[DormandPrinceSettings | ScipySettings, Field(discriminator="kind")]


# --------------------------------------------------------------------------- interventions
class BloodDonation(_Strict):
    """Whole-blood loss (donation, phlebotomy or haemorrhage) on one day."""

    kind: Literal["blood_donation"]
    day: float = Field(ge=0)
    volume_mL: float = Field(gt=0, le=5000)

    def to_events(self) -> list[Event]:
        return [BloodLoss(self.day, self.volume_mL)]


Group = Literal["hsc", "progenitor", "precursor", "lymphoid_progenitor", "marrow", "blood", "myeloid", "erythroid",
                "megakaryocytic", "lymphocyte", "b_cell", "nk", "t_cell", "cd4", "cd8", "thymus"]


class CellDepletionSpec(_Strict):
    """A generic cytotoxic hit: a fraction of the cells in the named groups (minus the excepted) survives."""

    kind: Literal["cell_depletion"]
    day: float = Field(ge=0)
    groups: list[Group] = Field(min_length=1)
    except_groups: list[Group] = Field(default_factory=list)
    surviving_fraction: float = Field(ge=0, le=1)

    def to_events(self) -> list[Event]:
        return [CellDepletion(self.day, tuple(self.groups), self.surviving_fraction, tuple(self.except_groups))]


class CellInfusionSpec(_Strict):
    """Cells infused into one compartment, dosed per kg body weight."""

    kind: Literal["cell_infusion"]
    day: float = Field(ge=0)
    compartment: Literal["hsc", "mpp", "clp", "neutrophil_progenitor", "erythroid_progenitor",
                         "megakaryocyte_progenitor", "monocyte_progenitor", "naive_cd4", "naive_cd8",
                         "cm_cd4", "em_cd4", "memory_cd8", "b_cells", "nk_cells"]
    cells_per_kg: float = Field(gt=0, le=1e10)

    def to_events(self, weight_kg: float | np.ndarray) -> list[Event]:
        return [CellInfusion(self.day, self.compartment, self.cells_per_kg * weight_kg)]


class Range(_Strict):
    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


class MeanSd(_Strict):
    mean: float = Field(gt=0)
    sd: float = Field(ge=0)


class BySex(_Strict):
    male: MeanSd
    female: MeanSd


class Population(_Strict):
    """How virtual patients of a cohort differ. Anything not given stays at the scenario's patient."""

    age_years: Range | None = Field(default=None, description="uniform between min and max, years")
    female_fraction: float | None = Field(default=None, ge=0, le=1)
    weight_kg: BySex | None = Field(default=None, description="normal by sex, truncated to 30-250 kg")
    height_cm: BySex | None = Field(default=None, description="normal by sex, truncated to 120-220 cm")
    variability: bool = Field(default=True, description="draw parameters from their between-patient variability")

    def draw(self, rng: np.random.Generator, base: Patient) -> tuple[float, bool, float, float]:
        """(age, female, weight, height) of one patient, ``base`` giving what is not varied; height NaN
        when neither given nor drawn. The order of draws is fixed: it is what makes patients reproducible."""
        age = rng.uniform(self.age_years.min, self.age_years.max) if self.age_years else base.age_years
        female = bool(rng.random() < self.female_fraction) if self.female_fraction is not None \
            else base.sex == "female"
        sex = "female" if female else "male"
        if self.weight_kg:
            ms = getattr(self.weight_kg, sex)
            weight = float(np.clip(rng.normal(ms.mean, ms.sd), 30.0, 250.0))
        else:
            weight = base.weight_kg
        if self.height_cm:
            ms = getattr(self.height_cm, sex)
            height = float(np.clip(rng.normal(ms.mean, ms.sd), 120.0, 220.0))
        else:
            height = base.height_cm if base.height_cm is not None else float("nan")
        return float(age), female, float(weight), float(height)


Intervention = Annotated[BloodDonation | CellDepletionSpec | CellInfusionSpec | ChemotherapySpec | GcsfSpec
                         | RadiationSpec | ConditioningSpec | TransplantSpec | VaccineSpec | InfectionSpec
                         | ViralInfectionSpec,
                         Field(discriminator="kind")]
# Planned kinds (see docs/scenarios.md): gene_therapy (clone-resolved). Each will be one more member of this union.


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
    from hemasim.pharmacology import available_drug_sets, load_drug_set

    return [n for n in available_drug_sets() if load_drug_set(n).friberg is not None]


ModelChoice = Annotated[FullModel | FribergChain, Field(discriminator="kind")]


class Scenario(_Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    patient: Patient
    duration_days: float = Field(gt=0, le=MAX_DURATION_DAYS, description="simulated time, days")
    aging: bool = Field(default=True, description="age-dependent processes follow the patient's age over time")
    seed: int = Field(default=0, ge=0, description="seed of the run's random number generator")
    output: Output = Output()
    solver: SolverSettings = DormandPrinceSettings()
    model: ModelChoice = Field(default_factory=FullModel, description="which model to simulate")
    interventions: list[Intervention] = Field(default_factory=list)
    population: Population | None = Field(default=None, description="how patients of a cohort differ")

    def population_or_default(self) -> _BoundPopulation:
        return _BoundPopulation(self.population or Population(), self.patient)

    def solver_max_step_days(self) -> float:
        return getattr(self.solver, "max_step_days", 30.0)

    @model_validator(mode="after")
    def _interventions_inside_duration(self) -> Scenario:
        drugs: dict[str, str] = {}
        if isinstance(self.model, FribergChain):
            chain = drug_set_of(self.model.drug_set)
            for i, iv in enumerate(self.interventions):
                if not isinstance(iv, ChemotherapySpec) or drug_set_of(iv.drug_set).name != chain.name:
                    raise ValueError(f"interventions.{i}: the Friberg chain of {chain.name!r} takes only chemotherapy "
                                     f"with drug_set {chain.name!r}")
        for i, iv in enumerate(self.interventions):
            if iv.day > self.duration_days:
                raise ValueError(f"interventions.{i}.day: day {iv.day} is after the end of the scenario "
                                 f"(duration_days = {self.duration_days})")
            if isinstance(iv, TransplantSpec):
                for j, other in enumerate(self.interventions):
                    if isinstance(other, ConditioningSpec) and other.start_day <= iv.day < other.graft_day:
                        raise ValueError(f"interventions.{i}.day: the graft (day {iv.day:g}) comes before conditioning "
                                         f"interventions.{j} ({other.regimen}) allows it, on day {other.graft_day:g}")
            if isinstance(iv, CellInfusionSpec) and self.is_chimeric:
                raise ValueError(f"interventions.{i}: cell_infusion names a compartment of the plain model; with a "
                                 "transplant or a SCID genotype give cells through a transplant instead")
            if isinstance(iv, RadiationSpec | ConditioningSpec) and iv.last_day > self.duration_days:
                raise ValueError(f"interventions.{i}.start_day: the {iv.kind} ends on day {iv.last_day:g}, after the "
                                 f"end of the scenario (duration_days = {self.duration_days:g})")
            if isinstance(iv, ChemotherapySpec | GcsfSpec):
                field = "schedule" if getattr(iv, "schedule", None) is not None else "on_demand"
                if iv.last_day > self.duration_days:
                    raise ValueError(f"interventions.{i}.{field}: the last dose (day {iv.last_day:g}) is after the "
                                     f"end of the scenario (duration_days = {self.duration_days:g})")
                drug = drug_set_of(iv.drug_set)
                if drugs.setdefault(drug.drug, drug.name) != drug.name:
                    raise ValueError(f"interventions.{i}.drug_set: {drug.drug} is already dosed with set "
                                     f"{drugs[drug.drug]!r}; one scenario uses one set per drug")
                if iv.dose_mg_per_m2 is not None and self.patient.height_cm is None:
                    raise ValueError(f"patient.height_cm: needed for dose_mg_per_m2 in interventions.{i} "
                                     "(body surface area, Mosteller 1987)")
        return self

    def build_events(self, covariates: Covariates | None = None) -> list[Event]:
        """The interventions as events, dosed for the scenario's patient or for ``covariates`` (a cohort)."""
        from hemasim.parameters import healthy_adult_parameters
        from hemasim.radiation import lq_from_parameters

        cov = self.patient.covariates() if covariates is None else covariates
        params = healthy_adult_parameters() if any(
            isinstance(iv, RadiationSpec | ConditioningSpec | TransplantSpec) for iv in self.interventions) else None
        events: list[Event] = []
        for iv in self.interventions:
            if isinstance(iv, CellInfusionSpec):
                events += iv.to_events(cov.weight_kg)
            elif isinstance(iv, ChemotherapySpec | GcsfSpec):
                events += iv.to_events(cov)
            elif isinstance(iv, RadiationSpec | ConditioningSpec):
                events += iv.to_events(lq_from_parameters(params))
            elif isinstance(iv, TransplantSpec):
                events += iv.to_events(cov, params)
            else:
                events += iv.to_events()
        return events

    def model_extensions(self) -> list[Any]:
        """What the interventions add to the healthy model: each drug's PK/PD, each vaccine antigen's
        response, each pathogen."""
        from hemasim.biology.infection import BacterialInfection
        from hemasim.biology.vaccine import VaccineResponse
        from hemasim.biology.viral import ViralInfection
        from hemasim.pharmacology.pkpd import DrugExposure

        sets = {}
        antigens: dict[str, None] = {}
        pathogens: dict[str, None] = {}
        viruses: dict[str, None] = {}
        for iv in self.interventions:
            if isinstance(iv, ChemotherapySpec | GcsfSpec):
                ds = drug_set_of(iv.drug_set)
                sets[ds.drug] = ds
            elif isinstance(iv, VaccineSpec):
                antigens[iv.antigen] = None
            elif isinstance(iv, InfectionSpec):
                pathogens[iv.pathogen] = None
            elif isinstance(iv, ViralInfectionSpec):
                viruses[iv.virus] = None
        patient_ext: list[Any] = []  # what the patient carries: an autoimmune disease, expanded clones
        if self.patient.autoimmune_disease is not None:
            from hemasim.biology.autoimmunity import AutoimmuneDisease

            patient_ext.append(AutoimmuneDisease(self.patient.autoimmune_disease))
        if self.patient.clones:
            patient_ext.append(self.patient.clonal_output())
        if any(isinstance(iv, TransplantSpec) for iv in self.interventions):
            from hemasim.biology.transplant import GraftLodging

            patient_ext.append(GraftLodging())
        # a pathogen brings the humoral response to its own antigen; vaccine blocks with that antigen dose it
        antigens = {a: None for a in antigens if a not in pathogens and a not in viruses}
        return [*(DrugExposure(ds) for ds in sets.values()), *(VaccineResponse(a) for a in antigens),
                *(BacterialInfection(n) for n in pathogens), *(ViralInfection(v) for v in viruses),
                *patient_ext]

    def build_model(self, covariates: Covariates | None = None, parameters: Any = None,
                    per_patient: Any = None) -> Any:
        """The healthy human model of the patient (or cohort) with what the interventions add, or the
        published Friberg chain of a drug set when ``model.kind`` is ``friberg_chain``."""
        from hemasim.biology import healthy_human_model

        cov = self.patient.covariates() if covariates is None else covariates
        if isinstance(self.model, FribergChain):
            from hemasim.pharmacology import friberg_model

            if np.ndim(cov.age_years):
                raise ValueError("model: the Friberg chain runs one patient at a time (cohorts use the full model)")
            return friberg_model(drug_set_of(self.model.drug_set), cov, prior_therapy=self.model.prior_therapy)
        model = healthy_human_model(cov, parameters, aging=self.aging, per_patient=per_patient,
                                    extensions=self.model_extensions())
        if not self.is_chimeric:
            return model
        from hemasim.biology.origins import split_origins
        from hemasim.biology.transplant import blocked_flows, host_absent_compartments

        g = self.patient.genotype
        return split_origins(model, blocked_flows(g), host_absent_compartments(g))

    @property
    def is_chimeric(self) -> bool:
        """Host and donor cells are tracked apart (a transplant, or a SCID genotype)."""
        return self.patient.genotype != "healthy" or any(isinstance(iv, TransplantSpec) for iv in self.interventions)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Scenario:
        return load_scenario(path)


class _BoundPopulation:
    """A population with the scenario's patient as the default for what it does not vary."""

    def __init__(self, population: Population, patient: Patient) -> None:
        self.population, self.patient = population, patient
        self.variability = population.variability

    def draw(self, rng: np.random.Generator) -> tuple[float, bool, float, float]:
        return self.population.draw(rng, self.patient)


def _format_error(err: ValidationError) -> str:
    e = err.errors()[0]
    loc = ".".join(str(p) for p in e["loc"] if not (isinstance(p, str) and p in _UNION_TAGS))
    msg = e["msg"]
    if e["type"] == "extra_forbidden":
        msg = "unknown field (check the spelling; see docs/scenarios.md for the allowed fields)"
    elif e["type"] == "missing":
        msg = "required field is missing"
    elif e["type"] == "value_error":
        msg = msg.removeprefix("Value error, ")
        if ":" in msg.split(" ")[0]:  # the message already names its field (relative to where it was raised)
            return f"{loc}.{msg}" if loc else msg
    got = e.get("input")
    got_txt = "" if e["type"] in ("missing", "extra_forbidden") or isinstance(got, dict) else f" (got {got!r})"
    more = f" [and {len(err.errors()) - 1} more problem(s)]" if len(err.errors()) > 1 else ""
    return f"{loc or 'scenario'}: {msg}{got_txt}{more}"


_UNION_TAGS = {"full", "friberg_chain", "blood_donation", "cell_depletion", "cell_infusion", "chemotherapy", "gcsf", "radiation",
               "conditioning", "transplant", "vaccine", "infection", "dormand_prince",
               "scipy"}


def parse_scenario(data: object, source: str = "scenario") -> Scenario:
    """Validate already-loaded data; raises :class:`ScenarioError` with a one-line message."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: the top level must be a mapping of fields (got {type(data).__name__})")
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(f"{source}: {_format_error(err)}") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file (safe loader: data only)."""
    import yaml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise ScenarioError(f"{p}: cannot read the scenario file ({err.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise ScenarioError(f"{p}: malformed YAML{where}: {problem}") from None
    return parse_scenario(data, str(p))
