"""A new intervention kind is one module: this test writes a toy kind (a platelet transfusion) in one place,
registers it, and runs it end to end through the CLI (run, export-sbml) and the report - nothing else in
hemasim is touched. It also holds the registry's contract: every built-in kind is in the scenario union
and its error messages, and the order of endpoint families and report sections is the registration order."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
import yaml
from pydantic import Field
from typer.testing import CliRunner

from hemasim.assembly import build_events, build_model, endpoint_families, report_sections
from hemasim.cli.app import app
from hemasim.events import Event
from hemasim.interventions import (
    EndpointColumn,
    EndpointContext,
    EndpointFamily,
    EventContext,
    InterventionSpec,
    ReportSection,
    register,
    registered_kinds,
    unregister,
)
from hemasim.model.compiled import CompiledModel
from hemasim.model.sbml_events import sbml_event_form
from hemasim.scenario import ScenarioError, parse_scenario

PLATELET_STATES = ("megakaryocyte_blood_1", "megakaryocyte_blood_2", "megakaryocyte_blood_3")


# ---------------------------------------------------------------- the whole toy kind: one module's worth
@dataclass(frozen=True)
class PlateletTransfusion(Event):
    """Platelets added to the circulating platelet stages (spread evenly over the three)."""

    platelets: float

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        y = x.copy()
        for name in PLATELET_STATES:
            y[..., model.index(name)] += self.platelets / len(PLATELET_STATES)
        return y


@sbml_event_form(PlateletTransfusion)
def _transfusion_sbml(model: CompiledModel, event: PlateletTransfusion) -> list[tuple[str, str]]:
    share = event.platelets / len(PLATELET_STATES)
    return [(name, f"{name} + {share!r} item") for name in PLATELET_STATES]


class PeakPlatelets(EndpointFamily):
    def observables(self, available: Sequence[str]) -> list[str]:
        return ["platelets_1e9_per_L"]

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        return [EndpointColumn("toy_peak_platelets", "1e9/L", "highest platelet count",
                               obs["platelets_1e9_per_L"].max(axis=1))]

    def units(self) -> dict[str, str]:
        return {"toy_peak_platelets": "1e9/L"}


class ToyTransfusion(InterventionSpec):
    """A platelet transfusion of ``units`` apheresis units (3e11 platelets each) on ``day``."""

    kind: Literal["toy_platelet_transfusion"]
    day: float = Field(ge=0)
    units: int = Field(ge=1, le=4)

    report_section = ReportSection("toy", lambda result: "<h2>Toy transfusions</h2>")

    @classmethod
    def endpoint_family(cls, interventions: Sequence[InterventionSpec]) -> EndpointFamily | None:
        return PeakPlatelets()

    @property
    def last_day(self) -> float:
        return self.day

    def to_events(self, ctx: EventContext) -> list[Event]:
        return [PlateletTransfusion(self.day, 3e11 * self.units)]


# ---------------------------------------------------------------- tests
@pytest.fixture
def toy_kind() -> Iterator[type[ToyTransfusion]]:
    register(ToyTransfusion)
    yield ToyTransfusion
    unregister("toy_platelet_transfusion")


SCENARIO = {"name": "toy transfusion", "duration_days": 20, "patient": {"age_years": 40, "sex": "female",
                                                                           "weight_kg": 65, "height_cm": 165},
            "interventions": [{"kind": "toy_platelet_transfusion", "day": 5, "units": 2}]}


def test_a_toy_kind_runs_through_the_cli_sbml_and_report(toy_kind: type[ToyTransfusion], tmp_path: Path) -> None:
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(SCENARIO))
    runner = CliRunner()
    run = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert run.exit_code == 0, run.output
    endpoints = json.loads((tmp_path / "out" / "endpoints.json").read_text())
    healthy_peak = endpoints["platelets_nadir"]["value"]
    assert endpoints["toy_peak_platelets"]["value"] > healthy_peak * 1.05  # 6e11 platelets more in 5 L of blood
    assert "<h2>Toy transfusions</h2>" in (tmp_path / "out" / "report.html").read_text()
    export = runner.invoke(app, ["export-sbml", str(path), "--out", str(tmp_path / "toy.xml")])
    assert export.exit_code == 0, export.output
    libsbml = pytest.importorskip("libsbml")
    model = libsbml.readSBMLFromString((tmp_path / "toy.xml").read_text()).getModel()
    assigned = {a.getVariable(): libsbml.formulaToL3String(a.getMath())
                for e in model.getListOfEvents() for a in e.getListOfEventAssignments()}
    assert set(PLATELET_STATES) <= set(assigned)  # each stage gets its share: 2 units x 3e11 / 3 = 2e11
    assert all("200000000000" in assigned[name] for name in PLATELET_STATES), assigned


def test_a_toy_kind_is_in_the_union_and_its_errors_name_the_field(toy_kind: type[ToyTransfusion]) -> None:
    bad = {**SCENARIO, "interventions": [{"kind": "toy_platelet_transfusion", "day": 5, "units": 9}]}
    with pytest.raises(ScenarioError, match=r"interventions\.0\.units: "):
        parse_scenario(bad)
    unknown = {**SCENARIO, "interventions": [{"kind": "no_such_kind", "day": 5}]}
    with pytest.raises(ScenarioError, match="toy_platelet_transfusion"):
        parse_scenario(unknown)
    spec = parse_scenario(SCENARIO)
    assert isinstance(build_events(spec)[0], PlateletTransfusion)
    assert isinstance(endpoint_families(spec)[0], PeakPlatelets)


def test_an_unregistered_kind_is_refused_again() -> None:
    register(ToyTransfusion)
    unregister("toy_platelet_transfusion")
    with pytest.raises(ScenarioError, match="does not match any of the expected tags"):
        parse_scenario(SCENARIO)


def test_every_builtin_kind_reaches_the_error_messages() -> None:
    """Error locations drop the union tag of every kind (``interventions.0.day``, never
    ``interventions.0.viral_infection.day``)."""
    for tag in registered_kinds():
        data = {**SCENARIO, "interventions": [{"kind": tag, "no_such_field": 1}]}
        with pytest.raises(ScenarioError) as err:
            parse_scenario(data)
        assert f".{tag}." not in str(err.value), str(err.value)
        assert "interventions.0" in str(err.value)


def test_families_and_sections_follow_the_registration_order() -> None:
    spec = parse_scenario({
        "name": "many", "duration_days": 80,
        "patient": {"age_years": 40, "sex": "male", "weight_kg": 70, "height_cm": 175},
        "interventions": [{"kind": "infection", "day": 40}, {"kind": "vaccine", "day": 10, "antigen": "tetanus"},
                          {"kind": "chemotherapy", "drug_set": "docetaxel_friberg2002", "dose_mg_per_m2": 75,
                           "route": "iv_infusion", "infusion_hours": 1, "schedule": {"days": [0]}}]})
    kinds = list(registered_kinds())
    families = [type(f).__name__ for f in endpoint_families(spec)]
    assert families == ["DrugEndpoints", "VaccineEndpoints", "InfectionEndpoints"]
    assert [s.key for s in report_sections(spec)] == ["drugs", "vaccine", "infection"]
    assert kinds.index("chemotherapy") < kinds.index("vaccine") < kinds.index("infection")
    # the model holds each extension once, drugs first
    names = build_model(spec).compile().state_names
    assert names.index("docetaxel_central") < names.index("tetanus_antigen") < names.index("bacteria_bacteria")
