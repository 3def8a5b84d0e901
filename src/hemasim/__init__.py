"""hemasim: a simulator of human hematopoiesis and immune-system regeneration.

Importing the package is cheap and has no side effects: the heavy parts (numba, scipy,
pandas, matplotlib) are imported only when a function that needs them is called.

Typical use::

    import hemasim as hs
    from hemasim.endpoints import evaluate_endpoints

    # in a clone; elsewhere hs.examples_folder() / "marrow_depletion.yaml" (the installed copy) or
    # `hemasim examples marrow_depletion --out examples` (a copy here)
    scenario = hs.load_scenario("examples/marrow_depletion.yaml")
    result = hs.run_scenario(scenario)
    print(result.observables[["time_days", "anc_1e9_per_L", "platelets_1e9_per_L"]].iloc[::30])
    print([(e.name, e.value, e.unit) for e in evaluate_endpoints(result)][:4])  # the ANC nadir, its day, days below CTCAE grades

More: docs/getting_started.md (the command line, what each output file holds, the same from Python),
docs/tutorials, docs/scenarios.md (the scenario file), ``hemasim --help``; ``hs.Simulation`` runs a model
built from covariates without a scenario (``hs.healthy_human_model``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> module that defines it. Resolved on first attribute access (PEP 562),
# so `import hemasim` stays fast.
_LAZY = {
    "Scenario": "hemasim.scenario",
    "Patient": "hemasim.scenario",
    "load_scenario": "hemasim.scenario",
    "ScenarioError": "hemasim.scenario",
    "Model": "hemasim.model",
    "Module": "hemasim.model",
    "CompiledModel": "hemasim.model",
    "ParameterSet": "hemasim.parameters",
    "Parameter": "hemasim.parameters",
    "healthy_adult_parameters": "hemasim.parameters",
    "healthy_human_model": "hemasim.biology",
    "Simulation": "hemasim.simulation",
    "Result": "hemasim.simulation",
    "run_scenario": "hemasim.assembly",
    "AdditiveRungeKutta": "hemasim.solvers",
    "DormandPrince": "hemasim.solvers",
    "ScipyReference": "hemasim.solvers",
    "run_validation": "hemasim.validation",
    "examples_folder": "hemasim._examples",
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from hemasim._examples import examples_folder
    from hemasim.assembly import run_scenario
    from hemasim.biology import healthy_human_model
    from hemasim.model import CompiledModel, Model, Module
    from hemasim.parameters import Parameter, ParameterSet, healthy_adult_parameters
    from hemasim.scenario import Patient, Scenario, ScenarioError, load_scenario
    from hemasim.simulation import Result, Simulation
    from hemasim.solvers import AdditiveRungeKutta, DormandPrince, ScipyReference
    from hemasim.validation import run_validation


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'hemasim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
