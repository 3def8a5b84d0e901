"""Scenario files: YAML data validated by a typed schema (never code).

A scenario is a patient, a duration, output settings, a solver choice and a list of
interventions. Every field is checked; an unknown field, a wrong type or an out-of-range value
is a :class:`ScenarioError` whose message names the field and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hemasim.biology.body import Covariates
from hemasim.interventions import InterventionSpec, ScenarioFacts, kind_tag, on_registry_change, registered_kinds
from hemasim.interventions.chemotherapy import ChemotherapySpec
from hemasim.interventions.dosed import drug_set_of
from hemasim.pharmacology.drug_sets import available_drug_sets, load_drug_set
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
    if TYPE_CHECKING:  # type checkers see the common base; pydantic the tagged union of registered kinds
        interventions: list[InterventionSpec]
    else:
        interventions: list[_intervention_union()] = Field(default_factory=list)
    population: Population | None = Field(default=None, description="how patients of a cohort differ")
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
        facts = ScenarioFacts(self.duration_days, self.patient.height_cm, self.is_chimeric, self.interventions)
        for i, iv in enumerate(self.interventions):
            if iv.day > self.duration_days:
                raise ValueError(f"interventions.{i}.day: day {iv.day} is after the end of the scenario "
                                 f"(duration_days = {self.duration_days})")
            iv.check_in(facts, i)
        return self

    @field_validator("parameter_set")
    @classmethod
    def _fitted_set_loads(cls, path: str | None) -> str | None:
        if path is not None:
            from hemasim.inference.fitted import load_fitted_values  # late import: inference sits above scenarios

            load_fitted_values(path)
        return path

    @property
    def is_chimeric(self) -> bool:
        """Host and donor cells are tracked apart (a transplant, or a SCID genotype)."""
        return self.patient.genotype != "healthy" or any(iv.makes_chimeric for iv in self.interventions)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Scenario:
        return load_scenario(path)


def _format_error(err: ValidationError) -> str:
    e = err.errors()[0]
    tags = _union_tags()
    loc = ".".join(str(p) for p in e["loc"] if not (isinstance(p, str) and p in tags))
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


def _union_tags() -> set[str]:
    """The ``kind`` tags of every tagged union in the schema: pydantic puts them in error locations, where they
    are noise (``interventions.0.transplant.day`` reads ``interventions.0.day``)."""
    classes: list[type[BaseModel]] = [*registered_kinds().values(), FullModel, FribergChain, DormandPrinceSettings,
                                      ScipySettings]
    return {kind_tag(c) for c in classes}


def _rebuild_union() -> None:
    """Refresh the interventions union when a kind is registered after this module was imported."""
    union = _intervention_union()
    Scenario.model_fields["interventions"].annotation = list[union]  # type: ignore[valid-type]
    Scenario.model_rebuild(force=True)


on_registry_change(_rebuild_union)


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
