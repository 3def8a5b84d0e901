"""From a scenario (data) to what runs: the model with what the patient and the interventions add, the events,
the endpoint families and the report sections - the one place where the schema meets the biology.

Every kind contributes through the registry (:mod:`hemasim.interventions`); nothing here names a kind.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from hemasim.biology import ModelExtension, healthy_human_model
from hemasim.biology.body import Covariates
from hemasim.biology.origins import split_origins
from hemasim.biology.transplant import blocked_flows, host_absent_compartments
from hemasim.endpoints import DEFAULT_ENDPOINTS
from hemasim.events import Event
from hemasim.interventions import (
    EndpointColumn,
    EndpointContext,
    EndpointFamily,
    EventContext,
    ExtensionOrder,
    ExtensionRequest,
    InterventionSpec,
    ReportSection,
    registered_kinds,
)
from hemasim.interventions.base import resolve_extensions
from hemasim.interventions.dosed import drug_set_of
from hemasim.model import Model
from hemasim.parameters import ParameterSet
from hemasim.scenario import FribergChain, Patient, Scenario
from hemasim.scenario.overrides import apply_overrides
from hemasim.simulation import Result, Simulation, steady_state
from hemasim.solvers import Solver

__all__ = ["Assembly", "EventParameterError", "assemble", "batch_events", "build_events", "build_model",
           "endpoint_families", "event_parameters", "event_table", "model_extensions",
           "export_scenario_sbml", "report_sections", "run_scenario", "scenario_endpoint_columns", "scenario_endpoint_observables",
           "scenario_endpoint_units", "scenario_endpoint_values"]


def patient_extension_requests(patient: Patient) -> list[ExtensionRequest]:
    """What the patient carries into the model: an autoimmune disease, expanded HSC clones."""
    # their modules, and the Friberg chain's below, are imported when a scenario uses them: a healthy adult's run
    # need not load them (docs/performance.md, goal 1)
    out: list[ExtensionRequest] = []
    disease = patient.autoimmune_disease
    if disease is not None:
        from hemasim.biology.autoimmunity import AutoimmuneDisease

        out.append(ExtensionRequest(ExtensionOrder.AUTOIMMUNITY, ("autoimmunity", disease),
                                    lambda: AutoimmuneDisease(disease)))
    if patient.clones:
        from hemasim.clonal.coupling import ClonalOutput, Clone

        clones = [Clone(2.0 * c.vaf, c.lineage_output.model_dump(), c.label) for c in patient.clones]
        out.append(ExtensionRequest(ExtensionOrder.CLONES, ("clones", "hsc"), lambda: ClonalOutput.from_clones(clones)))
    return out


def model_extensions(scenario: Scenario) -> list[ModelExtension]:
    """What the interventions and the patient add to the healthy model (each drug's PK/PD, each antigen's
    response, each pathogen, a disease, clones, a graft's lodging stage), in model order."""
    requests = [r for iv in scenario.interventions for r in iv.extension_requests()]
    return resolve_extensions([*requests, *patient_extension_requests(scenario.patient)])


def build_model(scenario: Scenario, covariates: Covariates | None = None, parameters: ParameterSet | None = None,
                per_patient: Mapping[str, np.ndarray] | None = None) -> Model:
    """The healthy human model of the patient (or of a cohort: covariates and ``per_patient`` parameter values
    as arrays) with what the scenario adds, split into host and donor copies with a graft or a SCID genotype;
    or the published Friberg chain of a drug set when ``model.kind`` is ``friberg_chain``."""
    cov = scenario.patient.covariates() if covariates is None else covariates
    if scenario.parameter_set is not None:  # a fitted set; late import: hemasim.inference sits above assembly
        from hemasim.inference.fitted import fitted_model

        return fitted_model(scenario, scenario.parameter_set, cov, apply_overrides(scenario.parameters, parameters),
                            per_patient)
    if isinstance(scenario.model, FribergChain):
        from hemasim.pharmacology.friberg import friberg_model

        if np.ndim(cov.age_years):
            raise ValueError("model: the Friberg chain runs one patient at a time (cohorts use the full model)")
        return friberg_model(drug_set_of(scenario.model.drug_set), cov, prior_therapy=scenario.model.prior_therapy)
    parameters = apply_overrides(scenario.parameters, parameters)  # the scenario's `parameters:` (UserOverride)
    model = healthy_human_model(cov, parameters, aging=scenario.aging, per_patient=per_patient,
                                extensions=model_extensions(scenario))
    if not scenario.is_chimeric:
        return model
    genotype = scenario.patient.genotype
    return split_origins(model, blocked_flows(genotype), host_absent_compartments(genotype))


def _event_overrides(scenario: Scenario) -> dict[str, float]:
    """The values the interventions read over the healthy table: a fitted set's, then the scenario's own."""
    overrides: dict[str, float] = dict(scenario.parameters)
    if scenario.parameter_set is not None:  # late import: hemasim.inference sits above assembly
        from hemasim.inference.fitted import fitted_healthy_values

        overrides = {**fitted_healthy_values(scenario.parameter_set), **overrides}
    return overrides


def build_events(scenario: Scenario, covariates: Covariates | None = None) -> list[Event]:
    """The interventions as events, dosed for the scenario's patient or for ``covariates`` (a cohort)."""
    ctx = EventContext(scenario.patient.covariates() if covariates is None else covariates, _event_overrides(scenario),
                       tuple(scenario.interventions))
    events = [ev for iv in scenario.interventions for ev in iv.to_events(ctx)]
    return _number_blocks(events)


def _number_blocks(events: list[Event]) -> list[Event]:
    """Each regimen of a drug given in two or more blocks (two interventions, a regimen's phases) numbered in order
    (:attr:`hemasim.pharmacology.dosing.Regimen.block`), so that the log tells their cycles apart; the first keeps 0."""
    dosing = sys.modules.get("hemasim.pharmacology.dosing")
    if dosing is None:  # no Regimen exists without its module: a run without drugs never imports it (goal 1)
        return events
    Regimen = dosing.Regimen

    seen: dict[str, int] = {}
    out = []
    for ev in events:
        if isinstance(ev, Regimen):
            block = seen.get(ev.drug, 0)
            seen[ev.drug] = block + 1
            ev = replace(ev, block=block) if block else ev
        out.append(ev)
    return out


def event_table(scenario: Scenario) -> ParameterSet:
    """The parameter table the scenario's events are built with (:func:`build_events`)."""
    from hemasim.parameters import healthy_adult_parameters

    return apply_overrides(_event_overrides(scenario), healthy_adult_parameters())


def event_parameters(scenario: Scenario, names: Sequence[str]) -> list[str]:
    """The healthy-model parameters among ``names`` that the scenario's events read when they are built (a
    conditioning's radiosensitivities, an apheresis' collection efficiency), found by building them with each one
    changed: the model's builder takes a batch's per-patient values, the events take one table, so these need one
    value per batch (a graft's per-CD34+ contents excepted: set per patient, :func:`with_graft_contents`)."""
    from hemasim.biology.transplant import GRAFT_CONTENTS

    if isinstance(scenario.model, FribergChain) or not scenario.interventions:
        return []  # the chain's drug values reach its events through the batch (sensitivity.batch._friberg_batch)
    table = event_table(scenario)
    base = repr(build_events(scenario))
    out = []
    for name in names:
        if name in GRAFT_CONTENTS or name not in table:
            continue
        value, (lo, hi) = table.value(name), table[name].bounds or (-np.inf, np.inf)
        other = next((v for v in (value * 1.1, value * 0.9, 0.5 * (lo + hi), value + 1.0) if v != value and lo <= v <= hi),
                     None)
        if other is None:
            continue
        changed = scenario.model_copy(update={"parameters": {**scenario.parameters, name: other}})
        try:
            read = repr(build_events(changed)) != base
        except ValueError:  # the events refuse the probe's value: the design's own points will say so, not this probe
            read = False
        if read:
            out.append(name)
    return out


class EventParameterError(ValueError):
    """A parameter the events read takes different values among the patients of one batch."""


def batch_events(scenario: Scenario, covariates: Covariates | None, per_patient: Mapping[str, np.ndarray],
                 read: Sequence[str] | None = None) -> list[Event]:
    """:func:`build_events` for a batch whose patients carry their own values of some parameters (``per_patient``,
    arrays over the batch: a cohort's draws, a sensitivity design's points, a fit's vectors), so that the events
    see each patient's values as a single run of that patient would: a graft's per-CD34+ contents set per patient
    (:func:`~hemasim.biology.transplant.with_graft_contents`); another parameter the events read
    (:func:`event_parameters`; ``read`` where known) built with its value where every patient has the same one,
    else :class:`EventParameterError` naming it (the events hold one value of it)."""
    from hemasim.biology.transplant import with_graft_contents

    read = event_parameters(scenario, list(per_patient)) if read is None else read
    same: dict[str, float] = {}
    for name in read:
        values = np.asarray(per_patient[name], dtype=np.float64)
        if np.any(values != values.flat[0]):
            raise EventParameterError(f"{name}: the patients' values differ, but the scenario's events hold one value "
                                      "of it (read when an intervention's events are built), so each patient's own "
                                      "would not reach them")
        same[name] = float(values.flat[0])
    if same:
        scenario = scenario.model_copy(update={"parameters": {**scenario.parameters, **same}})
    return with_graft_contents(build_events(scenario, covariates), per_patient, event_table(scenario).value)


def _kinds_present(scenario: Scenario) -> list[type[InterventionSpec]]:
    """The registered kinds the scenario uses, in registration order."""
    present = {type(iv) for iv in scenario.interventions}
    return [k for k in registered_kinds().values() if k in present]


def endpoint_families(scenario: Scenario) -> list[EndpointFamily]:
    """The endpoint families the scenario's interventions call for (one per family, registration order), the
    chemotherapy's per-cycle endpoints (:mod:`hemasim.interventions.chemo_cycles`), then the patient's: an autoimmune disease's activity (:mod:`hemasim.interventions.disease_activity`)."""
    out: dict[type[EndpointFamily], EndpointFamily] = {}
    for kind in _kinds_present(scenario):
        family = kind.endpoint_family(scenario.interventions)
        if family is not None:
            out.setdefault(type(family), family)
    # an allogeneic graft alone (no immunosuppression, no DLI) has lineage chimerism too: its report gives the table
    # (transplant's section), and endpoints.json left out its 16 endpoints (ux36); after an autologous graft alone
    # the "donor" cells are the patient's own, so none. Imported only with a graft (a healthy run loads nothing more)
    if any(iv.kind == "transplant" and getattr(iv, "donor", "") == "allogeneic" for iv in scenario.interventions):
        from hemasim.interventions.chimerism import LineageChimerism

        family = LineageChimerism.of(scenario.interventions)
        if LineageChimerism not in out and family is not None:
            out[LineageChimerism] = family
    # the naive CD4 read-outs after a graft, a family of their own: a run that did not keep naive CD4 (observe=)
    # keeps the transplant's other endpoints (review37g)
    if any(iv.kind == "transplant" for iv in scenario.interventions):
        from hemasim.interventions.transplant import NaiveCd4Endpoints

        naive = NaiveCd4Endpoints.of(scenario.interventions)
        if naive is not None:
            out.setdefault(NaiveCd4Endpoints, naive)
    families = list(out.values())
    # a course of two or more chemotherapy cycles: its endpoints by cycle (the run's nadir is one cycle's: report36);
    # the module imported only then (a healthy run, goal 1, loads nothing more)
    if any(getattr(iv, "kind", None) in ("chemotherapy", "chemotherapy_regimen") for iv in scenario.interventions):
        from hemasim.interventions.chemo_cycles import cycle_count_endpoints, cycle_endpoints

        cycles = cycle_endpoints(scenario)
        if cycles is not None:  # the ANC's, the dose rules' and the RDI, then the platelets' and haemoglobin's
            families += [cycles, *cycle_count_endpoints(scenario)]
    if scenario.patient.autoimmune_disease is not None:
        from hemasim.interventions.disease_activity import DiseaseActivityEndpoints

        families.append(DiseaseActivityEndpoints(scenario.patient.autoimmune_disease))
    return families


def report_sections(scenario: Scenario) -> list[ReportSection]:
    """The report sections of the scenario's kinds (kinds sharing a section give it once)."""
    out: dict[str, ReportSection] = {}
    for kind in _kinds_present(scenario):
        if kind.report_section is not None:
            out.setdefault(kind.report_section.key, kind.report_section)
    return list(out.values())


def scenario_endpoint_observables(scenario: Scenario, available: Sequence[str]) -> list[str]:
    """The observables the scenario's endpoint families read (from ``available``, the model's)."""
    return list(dict.fromkeys(o for f in endpoint_families(scenario) for o in f.observables(available)))


def scenario_endpoint_units(scenario: Scenario) -> dict[str, str]:
    """Endpoint -> unit for the scenario's runs, without running it: the default endpoints' and those its endpoint
    families declare (:meth:`EndpointFamily.units`; a superset of what one run returns: take the units of the
    columns at hand)."""
    units = {e.name: e.unit for e in DEFAULT_ENDPOINTS}
    for family in endpoint_families(scenario):
        units.update(family.units())
    return units


def scenario_not_computed(scenario: Scenario) -> list[str]:
    """The endpoints the scenario's runs leave without a value whatever the run (:meth:`EndpointFamily.not_computed`:
    a G-CSF's Cmax), without running it; a superset, as :func:`scenario_endpoint_units`'s."""
    return [name for family in endpoint_families(scenario) for name in family.not_computed()]


def scenario_endpoint_values(scenario: Scenario, times: np.ndarray, obs: Mapping[str, np.ndarray],
                             ctx: EndpointContext) -> list[EndpointColumn]:
    """The endpoints of the scenario's families for many patients; ``obs`` maps each name of
    :func:`scenario_endpoint_observables` to (patients, times) values."""
    return [c for f in endpoint_families(scenario) for c in f.values(times, obs, ctx)]


def scenario_endpoint_columns(scenario: Scenario, result: Result) -> list[EndpointColumn]:
    """The scenario's endpoints of a single-patient run (one value per column), of the families whose observables the
    run kept (all of them, unless it kept only some: ``Simulation.run(observe=...)``; the others:
    :func:`scenario_endpoints_not_kept`)."""
    available = result.model.observable_names
    families = [f for f, missing in _families_kept(scenario, result) if not missing]
    wanted = dict.fromkeys(o for f in families for o in f.observables(available))
    obs = {name: result.observable(name)[None, :] for name in wanted}
    ctx = EndpointContext(result.model.parameters, scenario.patient.age_years,
                          result.record.administrations, 1, covariates=scenario.patient.covariates(),
                          extra_samples=result.extra_samples(list(wanted)), start_values=result.start_values
                          if result.start_states is not None else None)  # a Result pickled before start states: NaN 'before' (review37h)
    return [c for f in families for c in f.values(result.times, obs, ctx)]


def scenario_endpoints_not_kept(scenario: Scenario, result: Result) -> dict[str, tuple[str, list[str]]]:
    """Endpoint -> (its unit, the observables it reads that ``result`` did not keep), for the scenario's endpoint
    families that read an observable a run with ``observe=`` left out (a superset of their columns, as
    :func:`scenario_endpoint_units`'); empty for a run that kept its states."""
    return {name: (unit, missing) for f, missing in _families_kept(scenario, result) if missing
            for name, unit in f.units().items()}


def _families_kept(scenario: Scenario, result: Result) -> list[tuple[EndpointFamily, list[str]]]:
    """Each of the scenario's endpoint families, with the observables it reads that ``result`` did not keep."""
    available = result.model.observable_names
    kept = set(available if result.observed is None else result.observed)
    return [(f, [o for o in f.observables(available) if o not in kept]) for f in endpoint_families(scenario)]


@dataclass(frozen=True)
class Assembly:
    """A scenario's model (not yet compiled) and events."""

    scenario: Scenario
    model: Model
    events: list[Event]


def assemble(scenario: Scenario, covariates: Covariates | None = None, parameters: ParameterSet | None = None,
             per_patient: Mapping[str, np.ndarray] | None = None) -> Assembly:
    """:func:`build_model` and :func:`build_events` in one call (a cohort gives covariates as arrays)."""
    return Assembly(scenario, build_model(scenario, covariates, parameters, per_patient),
                    build_events(scenario, covariates))


def run_scenario(scenario: Scenario, solver: Solver | None = None) -> Result:
    """Build the model for the scenario's patient, apply its interventions, and simulate (with the scenario's
    solver unless ``solver`` is given); the result's record holds the scenario. Outputs are every
    ``scenario.output.every_days`` (1 day by default, the grid the endpoints read: a chemotherapy scenario without an
    ``output:`` step read by :func:`~hemasim.scenario.load_scenario` is warned of it,
    :class:`~hemasim.scenario.plausibility.OutputGridWarning`). A scenario's ``arms`` are not run here (the base
    scenario is, with a warning that names them): :func:`hemasim.arms.run_arms` runs each, as ``hemasim run`` does."""
    if scenario.arms:
        import warnings

        names = ", ".join(arm.name for arm in scenario.arms)
        # the month-6-vs-12 revaccination scenario returned the base's Result alone, unsaid (ux35b)
        warnings.warn(f"{scenario.name!r} has {len(scenario.arms)} arms ({names}): run_scenario runs the base "
                      "scenario alone; hemasim.arms.run_arms(scenario) runs each arm (a list of ArmRun: .name, "
                      ".result), as `hemasim run` does", UserWarning, stacklevel=2)
    parts = assemble(scenario)
    sim = Simulation(parts.model, solver=solver if solver is not None else scenario.solver.build(),
                     events=parts.events, seed=scenario.seed)
    result = sim.run(scenario.duration_days, scenario.output.every_days,
                     extra_output_days=scenario_output_days(scenario))
    return replace(result, record=replace(result.record, scenario=scenario))


def scenario_output_days(scenario: Scenario) -> list[float]:
    """Days a run of ``scenario`` outputs on besides its grid, held aside from it (``Result.extra``: only the vaccine
    read-outs read them): the vaccine read-outs' kill days (:func:`hemasim.interventions.vaccine.kill_output_days`;
    none on a daily grid or without a vaccine)."""
    from hemasim.interventions.vaccine import kill_output_days

    return kill_output_days(scenario.interventions)


def export_scenario_sbml(scenario: Scenario) -> tuple[str, list[str], list[str]]:
    """SBML of a scenario's patient (at its steady state) with its interventions, libSBML's errors, and the
    observables the file leaves out (hemasim.model.sbml.left_out_observables: Hb and the red-cell count after a
    blood loss), which the caller says, as the file's notes do."""
    from hemasim.model.sbml import left_out_observables, to_sbml, validate_sbml  # libSBML only when exporting

    parts = assemble(scenario)
    model = parts.model.compile()
    events = [e for ev in parts.events for e in ev.expand()]
    text = to_sbml(model, events, initial_state=steady_state(model), observables=True)
    return text, validate_sbml(text), left_out_observables(model, events)
