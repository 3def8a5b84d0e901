"""Combination chemotherapy regimens: YAML data files (drugs, doses, days, cycle length, cycles), loadable by
name like drug sets, with every dose and schedule value cited or marked assumed::

    name: ac_docetaxel
    description: ...
    references: {Ahmed2020: {authors: ..., year: 2020, title: ..., journal: ...}}
    phases:                        # given one after the other
      - cycle_length_days: {value: 21, assumed: "..."}
        cycles: {value: 4, assumed: "..."}
        drugs:
          - {drug_set: doxorubicin_joerger2007, route: iv_bolus,
             dose_mg_per_m2: {value: 60, source: Ahmed2020, where: "Methods, AC-T arm"}}

Only shipped (or user) drug sets with PK can be in a regimen; a scenario gives one with
``kind: chemotherapy_regimen`` (``hemasim.interventions.chemo_regimen``). Shipped regimens live in
``hemasim/pharmacology/chemo_regimens/``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, cast

from pydantic import Field, ValidationError, model_validator

from hemasim._file_kinds import wrong_file
from hemasim._schema import MAX_DURATION_DAYS, StrictData, field_hints, suggestions, validation_problems
from hemasim._yaml_limits import YamlInputError, load_yaml_file, quoted
from hemasim.pharmacology.drug_sets import ReferenceSpec, Value, file_name_refusal, unknown_reference

__all__ = ["ChemoRegimen", "RegimenDrug", "RegimenError", "RegimenPhase", "available_chemo_regimens",
           "load_chemo_regimen"]


class RegimenError(ValueError):
    """A regimen file that cannot be used; the message is one line naming the file and field."""


class _Strict(StrictData):
    """A regimen file's blocks: a user's file (by path) as strict as a scenario (NaN and inf refused: a NaN day of a
    cycle passed the file and was refused only where the scenario's schedule was built from it, without its bounds)."""


class RegimenDrug(_Strict):
    """One drug of a phase: a drug set, one dose form, the route and the days of the cycle it is given."""

    kind: Literal["chemotherapy", "gcsf"] = "chemotherapy"
    drug_set: str = Field(min_length=1)
    dose_mg_per_m2: Value | None = None
    dose_mg_per_kg: Value | None = None
    dose_ug_per_kg: Value | None = None
    dose_mg: Value | None = None
    route: Literal["iv_bolus", "iv_infusion", "subcutaneous", "oral"]
    infusion_hours: Value | None = None
    days_in_cycle: list[Annotated[float, Field(ge=0)]] = Field(default_factory=lambda: [0.0], min_length=1)

    @model_validator(mode="after")
    def _one_dose(self) -> RegimenDrug:
        doses = [k for k in ("dose_mg_per_m2", "dose_mg_per_kg", "dose_ug_per_kg", "dose_mg") if getattr(self, k)]
        if len(doses) != 1:
            raise ValueError("give exactly one of dose_mg_per_m2, dose_mg_per_kg, dose_ug_per_kg or dose_mg")
        # each value's field and the value, within the bounds of the scenario's field it becomes (the infusion's
        # was unchecked here: a negative one reached the scenario; a dose of 1e300 was refused only there, without
        # the file's field)
        for key in (doses[0], "infusion_hours"):
            v = getattr(self, key)
            if v is not None and not 0 < v.value <= _scenario_bound(key):
                raise ValueError(f"{key}.value: must be {_range_text(key)} (got {v.value:g})")
        return self

    def dose_fields(self) -> dict[str, float]:
        """The dose and infusion length as the fields of a scenario's dosed intervention."""
        out = {k: getattr(self, k).value for k in ("dose_mg_per_m2", "dose_mg_per_kg", "dose_ug_per_kg", "dose_mg")
               if getattr(self, k) is not None}
        if self.infusion_hours is not None:
            out["infusion_hours"] = self.infusion_hours.value
        return out


class RegimenPhase(_Strict):
    """Cycles of the same drugs; phases follow one another (AC x 4, then docetaxel x 4)."""

    cycle_length_days: Value
    cycles: Value
    drugs: list[RegimenDrug] = Field(min_length=1)

    @model_validator(mode="after")
    def _whole_cycles(self) -> RegimenPhase:
        length = self.cycle_length_days.value
        if not 0 < length <= MAX_DURATION_DAYS:
            raise ValueError(f"cycle_length_days.value: must be > 0 and at most {MAX_DURATION_DAYS:g} (the longest "
                             f"scenario) (got {length:g})")
        if self.cycles.value != int(self.cycles.value) or not 1 <= self.cycles.value <= 100:
            raise ValueError(f"cycles.value: must be a whole number from 1 to 100 (got {self.cycles.value:g})")
        for j, drug in enumerate(self.drugs):  # the scenario's schedule refused these without naming the file's field
            if max(drug.days_in_cycle) >= length:
                raise ValueError(f"drugs.{j}.days_in_cycle: days inside the cycle, each below cycle_length_days "
                                 f"({length:g}) (got {max(drug.days_in_cycle):g})")
        return self

    @property
    def duration_days(self) -> float:
        return self.cycle_length_days.value * int(self.cycles.value)


class ChemoRegimen(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)
    description: str
    references: dict[str, ReferenceSpec] = Field(default_factory=dict)
    phases: list[RegimenPhase] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_sources(self) -> ChemoRegimen:
        for i, phase in enumerate(self.phases):
            values = [("cycle_length_days", phase.cycle_length_days), ("cycles", phase.cycles)]
            for j, d in enumerate(phase.drugs):
                values += [(f"drugs.{j}.{k}", getattr(d, k)) for k in ("dose_mg_per_m2", "dose_mg_per_kg",
                                                                       "dose_ug_per_kg", "dose_mg", "infusion_hours")
                           if getattr(d, k) is not None]
            for path, v in values:
                if v.source is not None and v.source not in self.references:
                    raise ValueError(unknown_reference(f"phases.{i}.{path}", v.source, self.references, "regimen"))
        return self

    def phase_starts(self) -> list[float]:
        """Day of each phase's first cycle, counted from the regimen's start."""
        starts, day = [], 0.0
        for phase in self.phases:
            starts.append(day)
            day += phase.duration_days
        return starts


@cache
def _scenario_bound(key: str) -> float:
    """The upper bound of the scenario's field ``key`` (a dose or the infusion's length) that a regimen's value
    becomes (:class:`hemasim.interventions.dosed.DosedSpec`): the one place the bound is written."""
    from annotated_types import Le

    from hemasim.interventions.dosed import DosedSpec

    return next(float(cast(float, m.le)) for m in DosedSpec.model_fields[key].metadata if isinstance(m, Le))


#: the values a regimen's Value fields take (checked in the validators above), for their errors and the error of one
#: that is no number; a dose's and the infusion's are those of the scenario field it becomes (:func:`_scenario_bound`)
_VALUE_RANGES = {"cycle_length_days": f"> 0, at most {MAX_DURATION_DAYS:g}", "cycles": "a whole number from 1 to 100"}
_DOSED_FIELDS = ("dose_mg_per_m2", "dose_mg_per_kg", "dose_ug_per_kg", "dose_mg", "infusion_hours")


def _range_text(key: str) -> str | None:
    if key in _DOSED_FIELDS:
        return f"> 0 and at most {_scenario_bound(key):g}"
    return _VALUE_RANGES.get(key)


def _format(err: ValidationError) -> str:
    """The first problem, as a scenario's are written (a number's error names its bounds)."""
    lines = validation_problems(err, unknown_field="unknown field (see docs/drugs.md, combination regimens)",
                                model=ChemoRegimen, range_of=_value_range)
    # the hints a drug set's errors carry: an unknown field's allowed fields (a regimen's `dose_mg_m2` named none)
    return field_hints(lines, err, ChemoRegimen)[0]


def _value_range(loc: tuple[int | str, ...]) -> str | None:
    return _range_text(str(loc[-2])) if len(loc) >= 2 and loc[-1] == "value" else None


def _shipped_dir() -> Path:
    return Path(str(resources.files("hemasim.pharmacology") / "chemo_regimens"))


def available_chemo_regimens() -> list[str]:
    """Names of the combination regimens shipped with hemasim."""
    return sorted(p.stem for p in _shipped_dir().glob("*.yaml"))


def _load_file(path: Path) -> ChemoRegimen:
    try:  # within the input limits (size, depth, aliases, duplicate keys; docs/reliability.md)
        data = load_yaml_file(path, "regimen")
    except YamlInputError as err:
        raise RegimenError(str(err)) from None
    if (other := wrong_file(data, str(path), "a regimen", "a combination regimen has name, description and phases "
                            "(docs/drugs.md)", kinds=("a combination regimen",))) is not None:
        raise RegimenError(other)
    if not isinstance(data, dict):
        raise RegimenError(f"{path}: a regimen is a mapping of fields")
    if (refused := file_name_refusal(path, "a combination regimen")) is not None:
        raise RegimenError(refused)
    from hemasim.scenario import resolve_paths

    # a drug set's relative path is relative to the regimen file's folder, as a scenario's paths are to its own: it
    # was read from the folder hemasim ran in (a run from elsewhere failed, or took another file of that name)
    data = resolve_paths(data, path.absolute().parent)
    try:
        reg = ChemoRegimen.model_validate(data)
    except ValidationError as err:
        raise RegimenError(f"{path}: {_format(err)}") from None
    if reg.name != path.stem:
        raise RegimenError(f"{path}: name {reg.name!r} must equal the file name {path.stem!r}")
    from hemasim.pharmacology.drug_sets import available_drug_sets

    for i, phase in enumerate(reg.phases):  # a set's name, not its file's path, is known here (the file was accepted)
        for j, drug in enumerate(phase.drugs):
            name = drug.drug_set
            if not (name.endswith((".yaml", ".yml")) or "/" in name) and name not in available_drug_sets():
                close = suggestions(name, available_drug_sets())
                raise RegimenError(f"{path}: phases.{i}.drugs.{j}.drug_set: unknown drug set {quoted(name)}"
                                   f"{f'; did you mean {close[0]}?' if close else ''} (shipped sets: "
                                   f"{', '.join(available_drug_sets())}, or the path of a drug set's .yaml file)")
    return reg


@cache
def _load_shipped(name: str) -> ChemoRegimen:
    return _load_file(_shipped_dir() / f"{name}.yaml")


def load_chemo_regimen(name_or_path: str | Path) -> ChemoRegimen:
    """A shipped regimen by name (see :func:`available_chemo_regimens`) or a user's YAML file by path."""
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or "/" in text:
        return _load_file(Path(text))
    if text not in available_chemo_regimens():
        raise RegimenError(f"unknown regimen {text!r}; shipped regimens: {', '.join(available_chemo_regimens())} "
                           "(or give the path of your own .yaml file)")
    return _load_shipped(text)

