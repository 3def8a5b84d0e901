"""Calibration and inference: fit any hemasim model to measurements, with uncertainty.

Public API (names stable):

* problem - :class:`Problem` (conditions, observables, parameters, measurements), :class:`Condition`,
  :class:`ObservableSpec`, :class:`EstimatedParameter`, :class:`Prior`, :class:`Measurements`,
  :func:`load_problem` (YAML + CSV), :func:`load_measurements`, :class:`ProblemError`;
* model sources - :class:`ScenarioSource` (a scenario: the full model or the Friberg chain),
  :class:`BuilderSource` (any model built in Python), :func:`scenario_model`;
* noise - :class:`NoiseModel` (additive, proportional, combined, lognormal; censoring below an assay limit),
  :func:`negative_log_likelihood`;
* forward engines - :class:`KernelEngine` (lock-step batch kernel, default), :class:`ScipyEngine` (LSODA loop),
  :func:`stack_compiled`;
* objective - :class:`Objective` (batch negative log-likelihood + priors, batch finite-difference gradients);
* optimisation - :func:`fit` (multi-start; least squares or L-BFGS-B) -> :class:`FitResult`, :func:`local_fit`,
  :func:`latin_hypercube`;
* uncertainty - :func:`profile_likelihood` -> :class:`Profile`, :func:`identifiability`,
  :func:`sample_posterior` -> :class:`PosteriorSample`;
* outputs - :func:`fitted_parameter_set`, :func:`write_fitted_set`, :func:`run_fit` (what ``hemasim fit`` does);
* PEtab - :func:`export_petab`, :func:`import_petab` (:mod:`hemasim.inference.petab`).

A minimal fit in Python::

    from hemasim.inference import Objective, fit, load_problem
    problem = load_problem("examples/fit/problem.yaml")
    result = fit(Objective(problem), n_starts=8, seed=1)
    print(result.natural, result.fun)

Names are imported lazily (PEP 562), so importing this package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "Condition": "problem", "EstimatedParameter": "problem", "Measurements": "problem", "ObservableSpec": "problem",
    "Prior": "problem", "Problem": "problem", "ProblemError": "problem", "load_measurements": "problem",
    "load_problem": "problem",
    "BuilderSource": "sources", "ModelSource": "sources", "ScenarioSource": "sources", "scenario_model": "sources",
    "NoiseModel": "noise", "negative_log_likelihood": "noise",
    "ForwardEngine": "forward", "KernelEngine": "forward", "ScipyEngine": "forward", "stack_compiled": "forward",
    "Objective": "objective",
    "FitResult": "optimize", "LocalResult": "optimize", "fit": "optimize", "latin_hypercube": "optimize",
    "local_fit": "optimize",
    "Profile": "uncertainty", "profile_likelihood": "uncertainty", "identifiability": "uncertainty",
    "PosteriorSample": "uncertainty", "sample_posterior": "uncertainty",
    "fitted_parameter_set": "fitted", "write_fitted_set": "fitted", "load_fitted_values": "fitted",
    "run_fit": "outputs",
    "export_petab": "petab", "import_petab": "petab",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'hemasim.inference' has no attribute {name!r}")
    return getattr(importlib.import_module(f"hemasim.inference.{_WHERE[name]}"), name)
