"""Where a condition's model comes from, and how estimated values enter it.

A *model source* builds the (uncompiled) model of one condition for given values of named parameters and
gives its events. The fit builds one model per parameter vector and stacks the compiled models into a cohort
(:func:`hemasim.inference.forward.stack_compiled`), so any model can be fitted on the lock-step kernel:

* :class:`ScenarioSource` - a scenario (the full model, or ``model: {kind: friberg_chain}``). Its parameters
  are named as in a run record (``run.json``): a parameter of the healthy model (``neutrophil_feedback_log_slope``)
  or a value of a drug set the scenario uses, ``<drug set>__<dotted path with _>``
  (``docetaxel_friberg2002__friberg_mean_transit_time_h``, ``docetaxel_friberg2002__effects_0_slope_L_per_umol``).
* :class:`BuilderSource` - any model built in Python: a function from the values to a :class:`Model`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from hemasim.biology.body import Covariates
from hemasim.events import Event
from hemasim.model import Model
from hemasim.parameters import ParameterSet
from hemasim.parameters.core import Fitted, HeldFixed
from hemasim.pharmacology.drug_sets import DrugSet
from hemasim.scenario import Scenario

__all__ = ["BuilderSource", "ModelSource", "ScenarioSource", "drug_set_with_values", "scenario_model"]


class ModelSource(Protocol):
    """What a condition needs: the parameters it accepts, a model for given values, and its events."""

    @property
    def parameter_names(self) -> frozenset[str]: ...

    def build(self, values: Mapping[str, float]) -> Model: ...

    def events(self) -> list[Event]: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class BuilderSource:
    """A model built in Python: ``build_fn(values)`` returns the model for the named values (the names
    in ``names``); ``event_list`` are its events."""

    build_fn: Callable[[Mapping[str, float]], Model]
    names: Sequence[str]
    event_list: Sequence[Event] = ()
    label: str = "a model built in Python"

    @property
    def parameter_names(self) -> frozenset[str]:
        return frozenset(self.names)

    def build(self, values: Mapping[str, float]) -> Model:
        return self.build_fn(values)

    def events(self) -> list[Event]:
        return list(self.event_list)

    def describe(self) -> str:
        return self.label


def _set_path(data: Any, path: str, value: float, how: str | None = None) -> None:
    """Set ``value`` at the dotted ``path`` of dumped drug-set data (list items by index)."""
    keys = path.split(".")
    node = data
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    leaf = node[int(keys[-1])] if isinstance(node, list) else node[keys[-1]]
    leaf["value"] = float(value)
    if how is not None:
        leaf.update(source=None, where="", derived=how, assumed=None)


def drug_set_with_values(drug_set: DrugSet, values: Mapping[str, float], how: str | None = None) -> DrugSet:
    """A copy of ``drug_set`` with the values at dotted paths replaced (validated like a loaded set); ``how``
    (e.g. a :class:`Fitted` description) becomes their provenance (``derived``)."""
    if not values:
        return drug_set
    data = drug_set.model_dump()
    for path, v in values.items():
        _set_path(data, path, v, how)
    return DrugSet.model_validate(data)


def _drug_paths(drug_set: DrugSet) -> dict[str, str]:
    """Run-record parameter name -> dotted path of every value of a drug set."""
    return {f"{drug_set.name}__{path.replace('.', '_')}": path for path, _ in drug_set.values_with_paths()}


@dataclass(frozen=True)
class ScenarioSource:
    """A scenario as a model source (``path`` only names it in outputs and PEtab files)."""

    scenario: Scenario
    path: Path | None = None
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def drug_sets(self) -> dict[str, DrugSet]:
        from hemasim.interventions.dosed import DosedSpec, drug_set_of
        from hemasim.scenario import FribergChain

        names = {iv.drug_set for iv in self.scenario.interventions if isinstance(iv, DosedSpec)}
        if isinstance(self.scenario.model, FribergChain):
            names.add(self.scenario.model.drug_set)
        sets = [drug_set_of(n) for n in sorted(names)]
        return {ds.name: ds for ds in sets}

    @cached_property
    def drug_parameter_paths(self) -> dict[str, tuple[str, str]]:
        """Run-record name -> (drug set name, dotted path) of every drug-set value of the scenario."""
        return {name: (ds.name, path) for ds in self.drug_sets.values() for name, path in _drug_paths(ds).items()}

    def split_columns(self, columns: Mapping[str, np.ndarray]
                      ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
        """Per-patient ``columns`` (run-record names) split into the model's (by name, as given) and the drug sets'
        values (by set and dotted path, as float64: what the full model and the Friberg chain take per patient)."""
        model: dict[str, np.ndarray] = {}
        per_set: dict[str, dict[str, np.ndarray]] = {}
        for name, column in columns.items():
            if name in self.drug_parameter_paths:
                set_name, path = self.drug_parameter_paths[name]
                per_set.setdefault(set_name, {})[path] = np.asarray(column, dtype=np.float64)
            else:
                model[name] = column
        return model, per_set

    @cached_property
    def model_parameter_names(self) -> frozenset[str]:
        from hemasim.parameters import healthy_adult_parameters
        from hemasim.scenario import FribergChain

        if isinstance(self.scenario.model, FribergChain):
            return frozenset()
        return frozenset(healthy_adult_parameters())

    @property
    def parameter_names(self) -> frozenset[str]:
        return self.model_parameter_names | frozenset(self.drug_parameter_paths)

    def parameter_bounds(self, name: str) -> tuple[float, float]:
        """The range the model accepts for a healthy-model parameter (drug-set values: unbounded)."""
        from hemasim.parameters import healthy_adult_parameters

        return healthy_adult_parameters()[name].bounds if name in self.model_parameter_names else (-math.inf,
                                                                                                   math.inf)

    def build(self, values: Mapping[str, float]) -> Model:
        """The scenario's model with ``values`` over its ``parameters:`` (and those over its fitted set, as a run
        of it has them: the events are built from the same table, :meth:`events`)."""
        if self.scenario.parameter_set is not None:  # the scenario's fitted set, under the values being fitted
            from hemasim.inference.fitted import fitted_values_under, load_fitted_values

            values = {**fitted_values_under(load_fitted_values(self.scenario.parameter_set), self.scenario), **values}
        return scenario_model(self.scenario, values, self.drug_sets, self.drug_parameter_paths)

    def build_batch(self, values: Sequence[Mapping[str, float]]) -> Model | None:
        """One model for every vector of ``values`` (a cohort: one patient per vector, each value a per-patient
        array, as the cohort engine builds its patients), or None where this source builds one vector at a time:
        a scenario with a fitted set, vectors naming different parameters. The Friberg chain is built so too (its
        drug-set values per patient: :func:`~hemasim.pharmacology.friberg.friberg_model`'s ``per_patient``). Each
        vector is checked first as :meth:`build` checks it (ValueError: a value outside its range)."""
        from hemasim.parameters import healthy_adult_parameters

        if (self.scenario.parameter_set is not None or not values
                or any(v.keys() != values[0].keys() for v in values)):
            return None
        per_patient, per_set = self.split_columns({name: np.array([float(v[name]) for v in values]) for name in values[0]})
        params = healthy_adult_parameters() if per_patient else None
        # a drug set's values are checked once for each distinct set of them: the vectors of a gradient's steps along
        # the model's parameters share them (about half of the suite's checks, ~0.15 ms of pydantic each)
        checked: set[tuple[str, tuple[float, ...]]] = set()
        for i in range(len(values)):  # the checks build() makes (bounds, drug-set ranges and rates)
            if params is not None:
                params.with_values(**{name: column[i] for name, column in per_patient.items()})
            for set_name, paths in per_set.items():
                vector = {path: float(c[i]) for path, c in paths.items()}
                key = (set_name, tuple(vector.values()))
                if key not in checked:
                    drug_set_with_values(self.drug_sets[set_name], vector)
                    checked.add(key)
        return scenario_model(self.scenario, {}, self.drug_sets, self.drug_parameter_paths, per_patient=per_patient,
                              drug_per_patient=per_set)

    def events(self) -> list[Event]:
        from hemasim.assembly import build_events

        return build_events(self.scenario)

    def events_for(self, values: Sequence[Mapping[str, float]]) -> list[Event] | None:
        """The events of a batch of vectors (run-record names), each vector's as a run of it alone has them: the
        values the events read when they are built (a graft's content per CD34+ cell, a conditioning's
        radiosensitivity) are the vector's, not the table's (:func:`~hemasim.assembly.batch_events`). None where the
        vectors differ in a value the events hold once for a batch (a radiosensitivity), or name different
        parameters: run them one at a time. ValueError: a value the events refuse."""
        from hemasim.assembly import EventParameterError, batch_events

        names = sorted(n for n in values[0] if n in self.model_parameter_names)
        if len(values) > 1 and any(v.keys() != values[0].keys() for v in values):
            return None
        if not names:
            return self.events()
        per_patient = {n: np.array([float(v[n]) for v in values]) for n in names}
        try:
            return batch_events(self.scenario, None, per_patient, self._event_parameters(names))
        except EventParameterError:
            return None

    def _event_parameters(self, names: Sequence[str]) -> list[str]:
        """:func:`~hemasim.assembly.event_parameters` of ``names`` (once per set of names: it depends on the names,
        not their values)."""
        from hemasim.assembly import event_parameters

        key = f"event_parameters:{','.join(sorted(names))}"
        if key not in self._cache:
            self._cache[key] = event_parameters(self.scenario, sorted(names))
        return list(self._cache[key])

    def events_moved_by(self, values: Sequence[Mapping[str, float]]) -> list[str]:
        """The parameters the vectors give a value other than the one :meth:`events` were built with, among those
        the events read when they are built (a graft's content per CD34+ cell included)."""
        from hemasim.assembly import event_table
        from hemasim.biology.transplant import GRAFT_CONTENTS

        names = sorted({n for v in values for n in v if n in self.model_parameter_names})
        table = event_table(self.scenario)
        read = [*self._event_parameters(names), *(n for n in names if n in GRAFT_CONTENTS)]
        return [n for n in read if any(n in v and v[n] != table.value(n) for v in values)]

    def describe(self) -> str:
        return str(self.path) if self.path is not None else f"scenario {self.scenario.name!r}"


def scenario_model(scenario: Scenario, values: Mapping[str, float], drug_sets: Mapping[str, DrugSet] | None = None,
                   drug_paths: Mapping[str, tuple[str, str]] | None = None, *, covariates: Covariates | None = None,
                   parameters: ParameterSet | None = None, per_patient: Mapping[str, np.ndarray] | None = None,
                   fitted: Fitted | None = None,
                   drug_per_patient: Mapping[str, Mapping[str, np.ndarray]] | None = None,
                   held_fixed: Collection[str] = ()) -> Model:
    """The model of ``scenario`` with ``values`` (run-record names) replacing the defaults and the scenario's
    ``parameters:``: healthy-model parameters in the parameter set (provenance :class:`UserOverride`, or
    ``fitted``), drug-set values in a copy of the set. What :func:`hemasim.assembly.build_model` builds (``covariates``, ``parameters`` and
    ``per_patient`` as there), with those values. ``drug_per_patient``: per-patient values of drug-set values
    (drug set name -> dotted path -> array), as :class:`~hemasim.pharmacology.pkpd.DrugExposure` and
    :func:`~hemasim.pharmacology.friberg.friberg_model` take them. ``held_fixed``: the names of ``values`` the fit
    held at their nominal (provenance :class:`HeldFixed` of ``fitted``'s fit, not ``fitted``)."""
    from hemasim.assembly import model_extensions
    from hemasim.biology import healthy_human_model
    from hemasim.biology.origins import split_origins
    from hemasim.biology.transplant import blocked_flows, host_absent_compartments
    from hemasim.interventions.dosed import drug_set_of
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.pharmacology.friberg import friberg_model
    from hemasim.pharmacology.pkpd import DrugExposure
    from hemasim.scenario import FribergChain
    from hemasim.scenario.overrides import apply_overrides

    if drug_sets is None or drug_paths is None:
        source = ScenarioSource(scenario)
        drug_sets, drug_paths = source.drug_sets, source.drug_parameter_paths
    per_set: dict[str, dict[str, float]] = {}
    model_values: dict[str, float] = {}
    for name, v in values.items():
        if name in drug_paths:
            set_name, path = drug_paths[name]
            per_set.setdefault(set_name, {})[path] = float(v)
        else:
            model_values[name] = float(v)
    how = None if fitted is None else fitted.describe()
    held = {} if fitted is None else {name: HeldFixed(fitted.data, fitted.problem) for name in held_fixed}
    held_paths = {drug_paths[n][1] for n in held if n in drug_paths}
    changed = {n: drug_set_with_values(ds, {k: v for k, v in per_set.get(n, {}).items() if k not in held_paths}, how)
               for n, ds in drug_sets.items()}
    if held_paths:
        how_held = next(iter(held.values())).describe()
        changed = {n: drug_set_with_values(ds, {k: v for k, v in per_set.get(n, {}).items() if k in held_paths},
                                           how_held) for n, ds in changed.items()}
    cov = scenario.patient.covariates() if covariates is None else covariates
    drug_per_patient = drug_per_patient or {}
    if isinstance(scenario.model, FribergChain):
        if model_values or per_patient:
            raise KeyError(f"the Friberg chain has no parameter {sorted({**model_values, **(per_patient or {})})[0]!r}")
        if np.ndim(cov.age_years):
            raise ValueError("model: the Friberg chain runs one patient at a time (cohorts use the full model)")
        chain = drug_set_of(scenario.model.drug_set).name
        return _mark_fitted(friberg_model(changed[chain], cov, prior_therapy=scenario.model.prior_therapy,
                                          per_patient=drug_per_patient.get(chain, {})), values, fitted, held)
    extensions = [DrugExposure(changed[e.drug_set.name], per_patient=drug_per_patient.get(e.drug_set.name, {}))
                  if isinstance(e, DrugExposure) else e for e in model_extensions(scenario)]
    # a G-CSF's mobilising drive reads its concentration through the set's central volume, taken when the scenario
    # was read: the changed set's (a value of 6.24 L for filgrastim's 3.12 halved the PK's concentration and left the
    # drive's: peak blood CD34+ 112/uL where the same set from a file gives 66)
    from hemasim.biology.mobilisation import GcsfMobilisation

    volumes = {ext.drug_set.drug: ext.drug_set.pk.central_volume_L.value for ext in extensions
               if isinstance(ext, DrugExposure) and ext.drug_set.pk is not None}
    extensions = [replace(e, central_volume_L=volumes[e.drug]) if isinstance(e, GcsfMobilisation) and e.drug in volumes
                  else e for e in extensions]
    # the scenario's `parameters:` under ``values``, as build_model and the events (build_events) have them
    params = apply_overrides(scenario.parameters, healthy_adult_parameters() if parameters is None else parameters)
    params = _with_values(params, model_values, fitted, held)
    model = healthy_human_model(cov, params, aging=scenario.aging, per_patient=per_patient, extensions=extensions)
    if scenario.is_chimeric:  # as hemasim.assembly.build_model does
        genotype = scenario.patient.genotype
        model = split_origins(model, blocked_flows(genotype), host_absent_compartments(genotype))
    return _mark_fitted(model, values, fitted, held)


def _mark_fitted(model: Model, values: Mapping[str, float], fitted: Fitted | None,
                 held: Mapping[str, HeldFixed] | None = None) -> Model:
    """The model's parameter records of ``values`` with provenance ``fitted`` (drug-set values included), those in
    ``held`` with theirs."""
    if fitted is not None:
        held = held or {}
        params = model.parameters
        records = {n: replace(params[n], provenance=held.get(n, fitted)) if n in values else params[n] for n in params}
        model.parameters = ParameterSet(params.name, records)
    return model


def _with_values(params: ParameterSet, values: Mapping[str, float], fitted: Fitted | None,
                 held: Mapping[str, HeldFixed] | None = None) -> ParameterSet:
    if fitted is None:
        return params.with_values(**values)
    held = held or {}
    records = {name: params[name] for name in params}
    for name, v in values.items():
        records[name] = replace(params[name], value=float(v), provenance=held.get(name, fitted))
    return ParameterSet(params.name, records)
