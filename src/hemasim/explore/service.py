"""What the explorer's web page asks for, as plain functions of JSON data (no HTTP here: :mod:`.server`).

The page sends scenarios as JSON, one per arm; each is checked by the same schema as a YAML file
(:func:`hemasim.scenario.parse_scenario`: data, never code) and run on the one run path
(:func:`hemasim.assembly.run_scenario`). The page cannot name files: a ``drug_set`` given as a path is refused
unless the server itself handed it out (the scenario given on the command line); uploads are YAML text parsed in
memory within the limits of every YAML input.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hemasim.scenario import Scenario
    from hemasim.simulation import Result

__all__ = ["MAX_ARMS", "ExploreError", "Explorer", "default_examples_folder"]

MAX_ARMS = 2
ARM_NAMES = ("A", "B")
ARM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,39}")  # as hemasim.scenario.arms.Arm.name


def optional_number_fields() -> dict[str, dict[str, str]]:
    """Each intervention kind's numeric fields that may be left unset (kind -> field -> the schema's description).

    The page draws the fields a scenario sets; these it offers empty, so that a cord-blood graft can be dosed by its
    nucleated cells (``tnc_per_kg``, which the note on a CD34+ dose names), a graft's T cells set (``cd3_per_kg``) or
    a drug dosed flat (``dose_mg``): none of them could be set on the page (ux34c)."""
    from types import NoneType
    from typing import get_args

    from hemasim.interventions import registered_kinds

    out: dict[str, dict[str, str]] = {}
    for kind, spec in registered_kinds().items():
        names = {name: f.description or "" for name, f in spec.model_fields.items()
                 if f.default is None and NoneType in get_args(f.annotation)
                 and set(get_args(f.annotation)) - {NoneType} <= {float, int}}
        if names:
            out[kind] = names
    return out


class ExploreError(ValueError):
    """A request the explorer refuses (bad scenario, unknown example, a path): one line per problem."""


def default_examples_folder() -> Path:
    """The example scenarios shipped with the package (a clone's ``examples/`` folder links to them)."""
    from hemasim._examples import examples_folder

    return examples_folder()


def _scenario_json(scenario: Scenario) -> dict[str, Any]:
    data = scenario.model_dump(mode="json", exclude_none=True)
    data.pop("arms", None)
    return dict(data)


def _arms_json(scenario: Scenario, source: str) -> list[dict[str, Any]]:
    """A scenario as the page's arms: its own arms (the first two), or itself as arm A."""
    from hemasim.scenario.arms import arm_scenarios

    if not scenario.arms:
        return [{"name": ARM_NAMES[0], "scenario": _scenario_json(scenario)}]
    # each arm under the base scenario's name (a download names the arms again)
    return [{"name": name, "scenario": {**_scenario_json(arm), "name": scenario.name}}
            for name, arm in arm_scenarios(scenario, source)[:MAX_ARMS]]


#: what a path field names, for the refusal's wording
_KIND_OF_FILE = {"drug_set": "drug set", "parameter_set": "parameter set", "regimen": "regimen"}


def _notes(result: Result) -> list[str]:
    """What the report says above its plots, for the explorer's page too: the plausibility questions (an adult's
    BMI of 40 or more: pounds?), the PK-only drugs, and what a fitted kill rests on (AC). The page showed the AC-T
    example's grade-4 AC nadirs, and took a weight of 118 kg, without a word of either (firsthour30)."""
    from hemasim.interventions.dosed import drug_notes
    from hemasim.scenario.plausibility import plausibility_warnings

    scenario = result.record.scenario
    if scenario is None:
        return []
    return [f"check {field}: {message}" for field, message in plausibility_warnings(scenario)] + drug_notes(result)


def _arm_names(arms: list[Any]) -> list[str]:
    """The names the arms of a request run under (and their problems name): an arm's own name where it is a valid
    one and not taken by an arm before it, else A or B by its place."""
    out: list[str] = []
    for k, arm in enumerate(arms):
        name = arm.get("name") if isinstance(arm, dict) else None
        name = name if isinstance(name, str) and ARM_NAME.fullmatch(name) else ARM_NAMES[k]
        if name in out:
            name = ARM_NAMES[k] if ARM_NAMES[k] != name else f"{name}2"
        out.append(name)
    return out


def _paths_in(data: Any, where: str = "") -> list[tuple[str, str]]:
    """(field, value) of every file path in ``data`` (the scenario's PATH_FIELDS holding a path)."""
    from hemasim.scenario import PATH_FIELDS, is_path_value

    if isinstance(data, dict):
        return [p for k, v in data.items() for p in (
            [(f"{where}{k}", v)] if k in PATH_FIELDS and isinstance(v, str) and is_path_value(v)
            else _paths_in(v, f"{where}{k}."))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _paths_in(v, f"{where}{i}.")]
    return []


@dataclass
class Explorer:
    """The explorer's state: where examples come from, the scenario given at start, the paths it may use."""

    examples_folder: Path | None = field(default_factory=default_examples_folder)
    initial: Path | None = None
    allowed_paths: set[str] = field(default_factory=set)
    #: names this explorer for the page: a tab keeps its edits over a reload only while the same explorer serves it
    #: (restarted on another file, the tab showed the edits of the last one's)
    session: str = field(default_factory=lambda: secrets.token_hex(8))
    _examples: list[dict[str, str]] | None = field(default=None, init=False, repr=False)

    def examples(self) -> dict[str, Any]:
        """The shipped examples a single run accepts (cohorts and bad files left out), by file stem."""
        if self._examples is None:
            self._examples = self._read_examples()
        return {"examples": self._examples, "initial": "initial" if self.initial else None, "session": self.session}

    def _read_examples(self) -> list[dict[str, str]]:
        from hemasim.scenario import ScenarioError, load_scenario

        out = []
        for path in sorted(self.examples_folder.glob("*.yaml")) if self.examples_folder else []:
            try:
                scenario = load_scenario(path)
            except (ScenarioError, ValueError):
                continue
            if scenario.population is None:
                out.append({"id": path.stem, "name": scenario.name, "description": scenario.description})
        return out

    def example(self, example_id: str) -> dict[str, Any]:
        """The arms of an example (or of the scenario given at start: ``initial``), for the page to edit."""
        from hemasim.scenario import ScenarioError, load_scenario

        if example_id == "initial" and self.initial is not None:
            path = self.initial
        else:
            known = {e["id"] for e in self.examples()["examples"]}
            if example_id not in known or self.examples_folder is None:
                raise ExploreError(f"example {example_id!r}: not one of the shipped examples")
            path = self.examples_folder / f"{example_id}.yaml"
        try:
            scenario = load_scenario(path)
        except ScenarioError as err:
            raise ExploreError(str(err)) from None
        arms = _arms_json(scenario, path.name)
        self.allowed_paths |= {v for arm in arms for _, v in _paths_in(arm["scenario"])}
        return {"source": path.name, "arms": arms}

    def upload(self, text: str, filename: str = "upload.yaml") -> dict[str, Any]:
        """An uploaded scenario (YAML text, parsed in memory) as arms; it may not name files."""
        from hemasim._yaml_limits import YamlInputError, load_yaml_text
        from hemasim.scenario import ScenarioError, parse_scenario

        source = Path(filename).name or "upload.yaml"
        try:
            data = load_yaml_text(text, source, "scenario")
        except YamlInputError as err:
            raise ExploreError(str(err)) from None
        self._check_paths(data, source)
        try:
            scenario = parse_scenario(data, source)
        except ScenarioError as err:
            raise ExploreError(str(err)) from None
        return {"source": source, "arms": _arms_json(scenario, source)}

    def _check_paths(self, data: Any, source: str) -> None:
        bad = [(f, v) for f, v in _paths_in(data) if v not in self.allowed_paths]
        if bad:
            raise ExploreError("\n".join(f"{source}: {f}: the explorer takes the name of a shipped "
                                         f"{_KIND_OF_FILE.get(f.rsplit('.', 1)[-1], 'set')}, not a file path ({v!r}); "
                                         "run files that name their own by `hemasim explore FILE`" for f, v in bad))

    def scenarios(self, request: Any) -> list[tuple[str, Scenario]]:
        """The arms of a run request ``{"arms": [{"name", "scenario"}, ...]}``, each validated by the schema."""
        from hemasim.scenario import ScenarioError, parse_scenario

        arms = request.get("arms") if isinstance(request, dict) else None
        if not isinstance(arms, list) or not 1 <= len(arms) <= MAX_ARMS:
            raise ExploreError(f"request: 'arms' must be a list of 1 to {MAX_ARMS} arms")
        out: list[tuple[str, Scenario]] = []
        for name, arm in zip(_arm_names(arms), arms, strict=True):
            data = arm.get("scenario") if isinstance(arm, dict) else None
            self._check_paths(data, f"arm {name}")
            try:
                out.append((name, parse_scenario(data, f"arm {name}")))
            except ScenarioError as err:
                raise ExploreError(str(err)) from None
            if out[-1][1].population is not None or out[-1][1].arms:
                raise ExploreError(f"arm {name}: the explorer runs one patient per arm (no population, no arms)")
        return out

    def simulate(self, request: Any) -> list[tuple[str, Result]]:
        """Run each arm of a request; one arm is unnamed in plots."""
        from hemasim.assembly import run_scenario
        from hemasim.solvers import SolverError

        arms = self.scenarios(request)
        try:
            runs = [(name, run_scenario(scenario)) for name, scenario in arms]
        except (SolverError, ValueError) as err:
            raise ExploreError(f"simulation: {err}") from None
        return runs if len(runs) > 1 else [("", runs[0][1])]

    def run(self, request: Any) -> dict[str, Any]:
        """Plots (hemaplot specs) and endpoints of each arm."""
        from hemasim.endpoints import evaluate_endpoints
        from hemasim.report.html import endpoint_text
        from hemasim.report.interactive import panel_specs
        from hemasim.report.key_results import unit_words

        start = time.perf_counter()
        runs = self.simulate(request)
        arms: list[dict[str, Any]] = []
        for name, result in runs:
            endpoints = evaluate_endpoints(result)
            # the unit column as the report writes it ("×10⁹/L", "cells/µL", "day of the run" beside "day after
            # graft"); the explorer's read "1e9/L" and "cells/uL" (branch ux33); "unit" stays the data files' ASCII
            words = unit_words({e.name: e.unit for e in endpoints})
            arms.append({"name": name or "A", "notes": _notes(result), "endpoints": [
                {"name": e.name, "value": e.value, "text": endpoint_text(e), "unit": e.unit,
                 "unit_text": words[e.name], "definition": e.definition} for e in endpoints]})
        return {"arms": arms, "plots": panel_specs(runs), "elapsed_s": round(time.perf_counter() - start, 4)}

    def download(self, request: Any, kind: str) -> tuple[str, str, bytes]:
        """(file name, media type, content) of the scenario as YAML, or of the results as CSV or JSON."""
        if kind == "yaml":
            return "scenario.yaml", "application/yaml", self.scenario_yaml(request).encode("utf-8")
        if kind not in ("csv", "json"):
            raise ExploreError(f"download {kind!r}: one of yaml, csv, json")
        runs = self.simulate(request)
        if kind == "csv":
            from hemasim.arms import ArmRun, arm_table

            table = arm_table([ArmRun(name or "A", result) for name, result in runs])
            return "timeseries.csv", "text/csv", table.to_csv(index=False, float_format="%.10g").encode("utf-8")
        from hemasim.endpoints import evaluate_endpoints
        from hemasim.io import run_record

        doc = {name or "A": {"endpoints": {e.name: e.to_json() for e in evaluate_endpoints(result)},
                             "run": run_record(result)} for name, result in runs}
        return "results.json", "application/json", (json.dumps(doc, indent=2, allow_nan=False, default=str)
                                                     + "\n").encode("utf-8")

    def scenario_yaml(self, request: Any) -> str:
        """The edited scenario as YAML: arm A, with arm B as an arm of it when two are compared."""
        import yaml

        arms = self.scenarios(request)
        base = _scenario_json(arms[0][1])
        if len(arms) > 1:
            other = _scenario_json(arms[1][1])
            differ = ("name", "description", "patient", "interventions", "parameters")
            if {k: v for k, v in base.items() if k not in differ} != {k: v for k, v in other.items() if k not in differ}:
                raise ExploreError(f"arm {arms[1][0]}: arms may differ only in patient, interventions and parameters")
            # an arm's patient and parameters are merged over the base's (hemasim.scenario.arms): B's file arm
            # names A's patient fields B leaves unset (as null) and the base keeps only the values both arms share,
            # else B ran without A's override or height and its file arm inherited them
            own = {k: v for k, v in base.get("parameters", {}).items()}
            shared = {k: v for k, v in own.items() if other.get("parameters", {}).get(k) == v}
            base["parameters"] = shared
            patient_b = {**{k: None for k in base["patient"] if k not in other["patient"]}, **other["patient"]}
            base["arms"] = [{"name": arms[0][0], "description": base.get("description", ""),
                             "parameters": {k: v for k, v in own.items() if k not in shared}},
                            {"name": arms[1][0], "description": other.get("description", ""),
                             "patient": patient_b, "interventions": other.get("interventions", []),
                             "parameters": {k: v for k, v in other.get("parameters", {}).items() if k not in shared}}]
        header = "# written by hemasim explore\n"
        return header + yaml.safe_dump(base, sort_keys=False, allow_unicode=True)

    def choices(self) -> dict[str, Any]:
        """The values the scenario schema allows for each field the page edits as a choice list (a dosed drug's
        route, a dose rule's action and observable, the patient's sex and genotype, a graft's source and donor),
        read from the schema's own types: the page holds no copy to fall behind it (its route was free text, its
        action a copy: tidy27; a graft's source was free text, "cord blood" refused only after a run: ux34c)."""
        from typing import get_args

        from hemasim.interventions.dosed import DosedSpec, Rule
        from hemasim.interventions.transplant import TransplantSpec
        from hemasim.scenario import Patient

        fields = {"route": DosedSpec.model_fields["route"], "action": Rule.model_fields["action"],
                  "observable": Rule.model_fields["observable"], "sex": Patient.model_fields["sex"],
                  "genotype": Patient.model_fields["genotype"], "source": TransplantSpec.model_fields["source"],
                  "donor": TransplantSpec.model_fields["donor"]}
        return {"choices": {key: list(get_args(f.annotation)) for key, f in fields.items()},
                "optional": optional_number_fields(),
                # infusion_hours only for iv_infusion: kept after a switch to iv_bolus (or offered for a subcutaneous
                # drug), it was refused by the server (mend34d)
                "route_only": dict(DosedSpec.ROUTE_ONLY_FIELDS),
                # the shipped names a drug set or regimen field takes, by kind: a choice list on the page where it
                # was free text (a typo was refused only after a run; ux35's walk)
                "names": shipped_names()}

    def forms(self) -> dict[str, Any]:
        """The intervention kinds the page may add, each with its fields (:func:`intervention_forms`)."""
        return {"kinds": intervention_forms()}

    def add_intervention(self, request: Any) -> dict[str, Any]:
        """Check an intervention to be added to one arm: ``{"arms": [...], "editing": k, "intervention": {...}}``.

        The arm is validated whole with the intervention appended (the schema, and the scenario's own checks: a
        last dose after the run's end, one drug set per drug), as a run would. The answer is the intervention as the
        schema reads it (its defaults filled in, as a loaded one is shown), or its problems, each with the field it
        names within the intervention ("" for the whole; none for a problem elsewhere in the arm): the page writes
        them beside the form's fields instead of in one block at the top."""
        arms, editing, new = (request.get(k) for k in ("arms", "editing", "intervention"))
        if not isinstance(arms, list) or isinstance(editing, bool) or not isinstance(editing, int) \
                or not 0 <= editing < len(arms) or not isinstance(new, dict):
            raise ExploreError("add intervention: 'arms', 'editing' (an arm's index) and 'intervention' expected")
        # each arm a mapping, and the edited arm's interventions a list: a number or a string there raised a
        # TypeError in the copy below and the connection closed without an answer (review35a)
        for k, arm in enumerate(arms):
            if not isinstance(arm, dict):
                raise ExploreError(f"add intervention: arms.{k}: an arm (name and scenario) expected, "
                                   f"not {type(arm).__name__}")
        scenario = arms[editing].get("scenario")
        if not isinstance(scenario, dict):
            raise ExploreError(f"add intervention: arms.{editing}.scenario: a scenario (a mapping) expected")
        given = scenario.get("interventions")
        if given is not None and not isinstance(given, list):
            raise ExploreError(f"add intervention: arms.{editing}.scenario.interventions: a list expected, "
                               f"not {type(given).__name__}")
        if len(arms) > MAX_ARMS:
            raise ExploreError(f"request: 'arms' must be a list of 1 to {MAX_ARMS} arms")
        index = len(given or [])
        trial = list(arms)  # (only the edited arm is replaced: the others go to the schema as they came)
        trial[editing] = {**arms[editing], "scenario": {**scenario, "interventions": [*(given or []), new]}}
        # a problem is the form's only when it names the arm edited, as the run names it: arm A's problem at its
        # interventions.1 was written beside the form of a G-CSF added to arm B as B's interventions.1 (review35a)
        own = _arm_names(trial)[editing]
        try:
            parsed = self.scenarios({"arms": trial})
        except ExploreError as err:
            problems = []
            for line in str(err).splitlines():
                match = _PROBLEM.match(line)
                mine = match is not None and match.group(1) == own and int(match.group(2)) == index
                problems.append({"field": (match.group(3) or "") if mine else None,  # type: ignore[union-attr]
                                 "message": match.group(4) if mine else line})  # type: ignore[union-attr]
            return {"ok": False, "problems": problems}
        added = parsed[editing][1].interventions[index]
        return {"ok": True, "intervention": added.model_dump(mode="json", exclude_none=True)}

    def parameters(self) -> dict[str, Any]:
        """The parameter table (name, value, unit, bounds, description) for the override controls."""
        import math

        from hemasim.scenario.overrides import parameter_table

        table = parameter_table()
        return {"parameters": [{"name": n, "value": table[n].value, "unit": table[n].unit,
                                "lower": table[n].bounds[0] if math.isfinite(table[n].bounds[0]) else None,
                                "upper": table[n].bounds[1] if math.isfinite(table[n].bounds[1]) else None,
                                "description": table[n].description} for n in table]}


#: what the schema leaves as text but the explorer can offer as a list: the shipped files a path field names
#: (a drug set of the kind, a regimen of the kind), by kind and field. The page cannot name a file (the server
#: refuses paths), so a shipped name is all it can give; the list is read from the shipped folders
def shipped_names() -> dict[str, dict[str, list[str]]]:
    """kind -> field -> the shipped names the field takes (drug sets that fit the kind and can be dosed,
    combination regimens, conditioning regimens)."""
    from hemasim.interventions import registered_kinds
    from hemasim.interventions.chemo_regimen import ChemoRegimenSpec
    from hemasim.interventions.conditioning import ConditioningSpec
    from hemasim.interventions.dosed import DosedSpec, drug_set_of
    from hemasim.pharmacology.chemo_regimens import available_chemo_regimens
    from hemasim.pharmacology.conditioning import available_regimens
    from hemasim.pharmacology.drug_sets import available_drug_sets

    sets = [drug_set_of(name) for name in available_drug_sets()]
    out: dict[str, dict[str, list[str]]] = {}
    for kind, spec in registered_kinds().items():
        if issubclass(spec, DosedSpec):
            fits = []
            for ds in sets:
                try:  # the kind's own check (a G-CSF is no chemotherapy), as a YAML file is checked
                    spec.model_construct()._kind_fits(ds)
                except ValueError:
                    continue
                if ds.pk is not None:
                    fits.append(ds.name)
            out[kind] = {"drug_set": fits}
        elif issubclass(spec, ChemoRegimenSpec):
            out[kind] = {"regimen": available_chemo_regimens()}
        elif issubclass(spec, ConditioningSpec):
            out[kind] = {"regimen": available_regimens()}
    return out


def _form_field(name: str, prop: dict[str, Any], required: bool, defs: dict[str, Any],
                names: dict[str, list[str]]) -> dict[str, Any]:
    """One field of the add-intervention form, read from the kind's JSON schema (pydantic's): its type, whether it
    must be given, the schema's default, the values it allows (an enum; a shipped name), its bounds, its
    description; a nested model (a schedule) is a group of such fields; any other shape is ``unsupported`` (the page
    says a scenario file sets it)."""
    branches = prop.get("anyOf", [prop])
    real = [b for b in branches if b.get("type") != "null"]
    optional = len(real) < len(branches) or not required
    node = dict(real[0]) if len(real) == 1 else {}
    if "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    out: dict[str, Any] = {"name": name, "required": not optional,
                           "description": prop.get("description") or node.get("description", "")}
    if "default" in prop and prop["default"] is not None:
        out["default"] = prop["default"]
    bounds = {k: node[k] for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") if k in node}
    kind = node.get("type")
    if "const" in node:
        out.update(type="choice", choices=[node["const"]])
    elif "enum" in node:
        out.update(type="choice", choices=list(node["enum"]))
    elif name in names:  # (the schema's "or path of a ... file" is not for the page: it takes shipped names only)
        out.update(type="choice", choices=names[name], description="")
    elif kind in ("number", "integer"):
        out.update(type=kind, **bounds)
    elif kind == "boolean":
        out.update(type="boolean")
    elif kind == "string":
        out.update(type="text", **{k: node[k] for k in ("pattern", "maxLength") if k in node})
    elif kind == "array" and node.get("items", {}).get("type") in ("number", "integer"):
        out.update(type="numbers", **{k: node["items"][k] for k in ("minimum", "maximum") if k in node["items"]})
    elif kind == "array" and "enum" in node.get("items", {}):
        out.update(type="choices", choices=list(node["items"]["enum"]))
    elif kind == "object" and "properties" in node:
        out.update(type="group", fields=_form_fields(node, defs, {}))
    elif kind == "array":  # a list of models (a chemotherapy's dose rules): added after, on the intervention
        out.update(type="list")
    else:  # a shape the form does not draw (a union of types, a mapping, a tagged union): said, not dropped
        # (a required one blocks the form: the page could only send an intervention the schema refuses; review35a)
        out.update(type="unsupported")
    return out


def _form_fields(schema: dict[str, Any], defs: dict[str, Any], names: dict[str, list[str]]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [_form_field(n, p, n in required, defs, names) for n, p in schema["properties"].items() if n != "kind"]


def intervention_forms() -> list[dict[str, Any]]:
    """Each intervention kind the scenario schema allows, in the registry's order, with the fields of its form
    (:func:`_form_field`): the page's "add intervention" lists these, so it cannot fall behind the schema."""
    from hemasim.interventions import registered_kinds

    names = shipped_names()
    forms = []
    for kind, spec in registered_kinds().items():
        schema = spec.model_json_schema()
        forms.append({"kind": kind, "description": (schema.get("description") or "").split("\n\n")[0],
                      "fields": _form_fields(schema, schema.get("$defs", {}), names.get(kind, {}))})
    return forms


_PROBLEM = re.compile(r"^arm ([^:]+): interventions\.(\d+)(?:\.([A-Za-z0-9_.]+))?: (.*)$")
