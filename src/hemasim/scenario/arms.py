"""Arms: variants of one scenario run side by side (``hemasim run`` writes one report and one table).

::

    arms:
      - name: healthy
      - name: scid
        patient: {genotype: il2rg_scid}          # fields of the base patient to change
        interventions: [...]                      # replaces the base interventions (omit to keep them)
        parameters: {igg_half_life_days: 25}      # merged over the base parameters

Every arm is the base scenario with its changes applied, validated as a whole scenario: a field an arm gets
wrong is reported as ``arms.N: field: problem``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from hemasim.scenario.overrides import PartialParameterOverrides

if TYPE_CHECKING:
    from hemasim.scenario import Scenario

__all__ = ["Arm", "arm_refusals", "arm_scenarios", "check_arms"]

MAX_ARMS = 8


class Arm(BaseModel):
    """One arm: a name and what differs from the base scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$", max_length=40,
                      description="a short name (letters, digits, _ . + -): the arm's column in tables")
    description: str = ""
    patient: dict[str, Any] | None = Field(default=None, description="fields of the base patient to change")
    interventions: list[dict[str, Any]] | None = Field(default=None, description="replaces the base interventions")
    parameters: PartialParameterOverrides | None = Field(default=None, description="merged over the base parameters")


def _arm_data(base: dict[str, Any], arm: Arm) -> dict[str, Any]:
    data = {k: v for k, v in base.items() if k != "arms"}
    data["name"] = f"{base['name']}: {arm.name}"[:200]
    if arm.description:
        data["description"] = arm.description
    data["patient"] = {**base["patient"], **(arm.patient or {})}
    if arm.interventions is not None:
        data["interventions"] = arm.interventions
    data["parameters"] = {**(base.get("parameters") or {}), **(arm.parameters or {})}
    return data


def arm_scenarios(scenario: Scenario, source: str = "scenario") -> list[tuple[str, Scenario]]:
    """Each arm's full scenario, by arm name (empty when the scenario has no arms); raises ScenarioError."""
    from hemasim.scenario import ScenarioError, parse_scenario  # the schema imports this module

    if not scenario.arms:
        return []
    names = [a.name for a in scenario.arms]
    if len(set(names)) != len(names):
        raise ScenarioError(f"{source}: arms: arm names must differ (got {', '.join(names)})")
    if len(names) > MAX_ARMS:
        raise ScenarioError(f"{source}: arms: at most {MAX_ARMS} arms (got {len(names)})")
    base = scenario.model_dump(mode="json", exclude_defaults=True)
    base.update(name=scenario.name, patient=scenario.patient.model_dump(mode="json", exclude_defaults=True))
    # the output fields the file gives, even at their defaults: an arm of a scenario giving `output: {every_days: 1}`
    # was warned that it gives no output step (plausibility._output_grid reads the fields set)
    base["output"] = scenario.output.model_dump(mode="json", exclude_unset=True)
    base["interventions"] = [iv.model_dump(mode="json") for iv in scenario.interventions]
    return [(arm.name, parse_scenario(_arm_data(base, arm), f"{source}: arms.{i}"))
            for i, arm in enumerate(scenario.arms)]


@contextmanager
def arm_refusals(name: str) -> Iterator[None]:
    """A ValueError raised inside (an arm's events built or run) says the arm first, ``arms.NAME: field: problem``:
    the arms share the base scenario's fields, so the field alone does not say whose patient refused it (review35e:
    `hemasim check` named the arm, `hemasim run` did not). The one wording of both commands."""
    try:
        yield
    except ValueError as err:
        raise ValueError(f"arms.{name}: {err}") from err


def check_arms(scenario: Scenario, source: str) -> None:
    """Raise ScenarioError when an arm does not make a valid scenario, or when overrides meet the Friberg chain."""
    from hemasim.scenario import FribergChain, ScenarioError

    for label, one in [("", scenario), *((f"arms.{i}.", s) for i, (_, s) in
                                        enumerate(arm_scenarios(scenario, source)))]:
        if one.parameters and isinstance(one.model, FribergChain):
            raise ScenarioError(f"{source}: {label}parameters: the Friberg chain takes its values from its drug set; "
                                "parameter overrides apply to the full model only")
