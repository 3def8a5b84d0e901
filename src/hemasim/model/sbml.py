"""Export a compiled single-patient model (and its events) as SBML Level 3 Version 2.

Species are the compartments (amounts, in cells), reactions the flows (stoichiometries = consume
and yield), feedbacks are assignment rules on parameters, interventions are SBML events. Each
reaction carries MIRIAM ``bqbiol:isDescribedBy`` annotations with the DOIs of the publications its
rate was built from; the model carries all of them. libRoadRunner simulates the result to the same
trajectories as hemasim (see tests/test_sbml.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hemasim.events import Event, with_window_breakpoints
from hemasim.model.laws import law as feedback_law
from hemasim.model.sbml_events import event_assignments, number

if TYPE_CHECKING:
    from hemasim.model.compiled import CompiledModel


class SBMLExportError(RuntimeError):
    pass


def _check(code: int, what: str) -> None:
    import libsbml

    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SBMLExportError(f"libSBML refused {what}: {libsbml.OperationReturnValue_toString(code)}")


def _annotate(element, dois: Sequence[str], qualifier: str = "bqbiol") -> None:
    import libsbml

    if not dois:
        return
    if not element.isSetMetaId():
        element.setMetaId(f"meta_{element.getId()}")
    cv = libsbml.CVTerm(libsbml.BIOLOGICAL_QUALIFIER if qualifier == "bqbiol" else libsbml.MODEL_QUALIFIER)
    if qualifier == "bqbiol":
        cv.setBiologicalQualifierType(libsbml.BQB_IS_DESCRIBED_BY)
    else:
        cv.setModelQualifierType(libsbml.BQM_IS_DESCRIBED_BY)
    for doi in dois:
        cv.addResource(f"http://identifiers.org/doi:{doi}")
    _check(element.addCVTerm(cv), f"annotation of {element.getId()}")


def _feedback_ids(name: str) -> list[str]:
    return [f"fb_{name}_p{i}" for i in range(5)] + [f"fb_{name}_offset", f"fb_{name}_scale"]


def signal_formula(model: CompiledModel, i: int) -> str:
    """SBML formula of signal ``i``: the weighted sum of the states it reads."""
    terms = [f"{number(model.sig_w[k])} dimensionless * {model.state_names[model.sig_idx[k]]}"
             for k in range(model.sig_ptr[i], model.sig_ptr[i + 1])]
    return " + ".join(terms) or "0"


def feedback_formula(model: CompiledModel, k: int) -> str:
    """SBML formula of feedback ``k``'s value, ``offset + scale * g``, g from the law table (its parameters by id:
    :func:`sbml_parameter_values`; its signal as ``sig_NAME``)."""
    ids = _feedback_ids(model.feedback_names[k])
    s = f"sig_{model.signal_names[model.fb_signal[k]]}" if model.fb_signal[k] >= 0 else ""
    # g in parentheses: the Emax law's formula is a sum, which the scale must multiply whole (it did not, unseen while
    # every Emax feedback had scale 1; the iron model's supply limit has another, branch iron33)
    return f"{ids[5]} + {ids[6]} * ({feedback_law(model.fb_kind[k]).sbml_formula(s, ids[:5])})"


def flow_rate_formula(model: CompiledModel, f: int) -> str:
    """SBML formula of flow ``f``'s flux: ``k_NAME`` times its source's amount (none for a zero-order source) times
    its feedbacks' values (``fb_NAME``); a per-patient yield or the consume factor is not in it."""
    factors = [f"k_{model.flow_names[f]}"] + ([model.state_names[model.src[f]]] if model.src[f] >= 0 else [])
    factors += [f"fb_{model.feedback_names[j]}" for j in model.flow_fb[f] if j >= 0]
    return " * ".join(factors)


# An observable's unit and its weight's, as SBML unit parts (kind, exponent, multiplier): the observable is its weight
# times an amount (items: cells, or ug of a drug) or a flow's flux (items/day), so the weight's unit is the
# observable's over an item; "cells/day" reads fluxes and "cells" amounts, both with dimensionless weights.
# A unit not here is exported without a declared unit (libSBML cannot check it then).
_L, _G, _S, _I = "litre", "gram", "second", "item"
_OBSERVABLE_UNITS: dict[str, tuple[tuple[tuple[str, int, float], ...], tuple[tuple[str, int, float], ...]]] = {
    "1e9/L": (((_I, 1, 1e9), (_L, -1, 1.0)), ((_L, -1, 1e-9),)),
    "1e12/L": (((_I, 1, 1e12), (_L, -1, 1.0)), ((_L, -1, 1e-12),)),
    "cells/uL": (((_I, 1, 1.0), (_L, -1, 1e-6)), ((_L, -1, 1e-6),)),
    "TREC/uL": (((_I, 1, 1.0), (_L, -1, 1e-6)), ((_L, -1, 1e-6),)),
    "TCID50/mL": (((_I, 1, 1.0), (_L, -1, 1e-3)), ((_L, -1, 1e-3),)),
    "g/dL": (((_G, 1, 1.0), (_L, -1, 0.1)), ((_G, 1, 1.0), (_L, -1, 0.1), (_I, -1, 1.0))),
    "ng/mL": (((_G, 1, 1e-9), (_L, -1, 1e-3)), ((_G, 1, 1e-9), (_L, -1, 1e-3), (_I, -1, 1.0))),
    "ng*h/mL": (((_G, 1, 1e-9), (_S, 1, 3600.0), (_L, -1, 1e-3)),
                ((_G, 1, 1e-9), (_S, 1, 3600.0), (_L, -1, 1e-3), (_I, -1, 1.0))),
    "cells": (((_I, 1, 1.0),), ()), "clonotypes": (((_I, 1, 1.0),), ()), "CFU": (((_I, 1, 1.0),), ()),
    "cells/day": (((_I, 1, 1.0), (_S, -1, 86400.0)), ()),
    # a CD34+ collection per kg of body weight: cells over kg (1000 g)
    "cells/kg": (((_I, 1, 1.0), (_G, -1, 1000.0)), ((_G, -1, 1000.0),)),
    # iron (hemasim.biology.iron): its amounts are items of 1 mg, its flows' fluxes mg/day read with weights in mg/item
    "mg": (((_G, 1, 1e-3),), ((_G, 1, 1e-3), (_I, -1, 1.0))),
    "mg/day": (((_G, 1, 1e-3), (_S, -1, 86400.0)), ((_G, 1, 1e-3), (_I, -1, 1.0))),
    "ug/L": (((_G, 1, 1e-6), (_L, -1, 1.0)), ((_G, 1, 1e-6), (_L, -1, 1.0), (_I, -1, 1.0))),
    "1": ((), ((_I, -1, 1.0),)), "AU": ((), ((_I, -1, 1.0),)),
}


def _unit_id(unit: str, weight: bool = False) -> str:
    """The SBML id of an observable's unit (``unit_1e9_per_L``) or of its weights' (``unit_1e9_per_L_weight``);
    ``dimensionless`` where it has no parts."""
    if not _OBSERVABLE_UNITS[unit][1 if weight else 0]:
        return "dimensionless"
    text = unit.replace("/", "_per_").replace("*", "_")
    return f"unit_{''.join(c if c.isalnum() else '_' for c in text)}{'_weight' if weight else ''}"


def left_out_observables(model: CompiledModel, events: Sequence[Event]) -> list[str]:
    """The observables an export with ``observables`` leaves out: after a whole-blood loss hemasim reads the red-cell
    concentrations over the plasma-refilled blood volume (hemasim.plasma_refill), outside the equations, so the
    file's would differ (by 13% after a donation)."""
    from hemasim.events import BloodLoss
    from hemasim.plasma_refill import is_diluted

    if not any(isinstance(ev, BloodLoss) for ev in events):
        return []
    return [name for name in model.observable_names if is_diluted(name)]


def _observable_weights(model: CompiledModel, events: Sequence[Event]) -> dict[str, tuple[int, float | np.ndarray]]:
    """Each exported observable's weights as named constants ``w_obs_NAME_K`` (K: the term, states' then fluxes'):
    {id: (observable index, weight)}; a weight is a float, or a per-patient array in a cohort. Named, not literal,
    so that re-targeting a loaded model to another patient moves them too (a blood-volume share: review33c)."""
    left_out = set(left_out_observables(model, events))
    out: dict[str, tuple[int, float | np.ndarray]] = {}
    for i, name in enumerate(model.observable_names):
        if name not in left_out:
            terms = [*model.obs_weights.state_terms[i], *model.obs_weights.flux_terms[i]]
            out |= {f"w_obs_{name}_{k}": (i, w) for k, (_, w) in enumerate(terms)}
    return out


def observable_formula(model: CompiledModel, i: int) -> str:
    """SBML formula of observable ``i``: its weights (the constants ``w_obs_NAME_K``, in the weight's unit where
    :data:`_OBSERVABLE_UNITS` knows the observable's) times the amounts and flows' fluxes it reads, as hemasim's
    ``CompiledModel.observables`` (which also clamps a negative amount at 0)."""
    name = model.observable_names[i]
    terms = [model.state_names[j] for j, _ in model.obs_weights.state_terms[i]]
    terms += [f"({flow_rate_formula(model, f)})" for f, _ in model.obs_weights.flux_terms[i]]
    return " + ".join(f"w_obs_{name}_{k} * {term}" for k, term in enumerate(terms)) or "0"


def sbml_parameter_values(model: CompiledModel, observables: bool = False,
                          events: Sequence[Event] = ()) -> dict[str, float]:
    """Every constant SBML parameter of ``to_sbml(model, events, observables=observables)`` and its value for this
    (single) patient (``events`` only decide which observables a blood loss leaves out).

    Setting these (and the initial amounts) in one loaded SBML model re-targets it to another patient
    of a cohort, which is how the libRoadRunner comparison loops over patients.
    """
    values: dict[str, float] = {}
    for k, name in enumerate(model.feedback_names):
        ids = _feedback_ids(name)
        for i in range(5):
            values[ids[i]] = float(model.fb_params[k, i])
        values[ids[5]] = float(model.fb_offset[k])
        values[ids[6]] = float(model.fb_scale[k])
    for f, name in enumerate(model.flow_names):
        values[f"k_{name}"] = float(model.rate[f])
        if model.yield_[f] != 1.0 or model.consume[f] == 0.0:
            values[f"y_{name}"] = float(model.yield_[f])
    if observables:
        values |= {pid: float(w) for pid, (_, w) in _observable_weights(model, events).items()}
    return values


class _Writer:
    """Builds one SBML model element by element (the order of creation is the order in the file)."""

    def __init__(self, libsbml: Any, m: Any) -> None:
        self.libsbml, self.m = libsbml, m

    def unit(self, uid: str, parts: Sequence[tuple[int, int, float]]) -> None:
        """A unit definition from (kind, exponent, multiplier) parts."""
        definition = self.m.createUnitDefinition()
        definition.setId(uid)
        for kind, exponent, multiplier in parts:
            u = definition.createUnit()
            u.setKind(kind)
            u.setExponent(exponent)
            u.setScale(0)
            u.setMultiplier(multiplier)

    def units_and_body(self) -> None:
        """Time in days, amounts in items (cells, ug), one compartment of size 1."""
        second, item = self.libsbml.UNIT_KIND_SECOND, self.libsbml.UNIT_KIND_ITEM
        self.unit("day", [(second, 1, 86400.0)])
        self.unit("per_day", [(second, -1, 86400.0)])  # (86400 s)^-1
        self.unit("item_per_day", [(item, 1, 1.0), (second, -1, 86400.0)])
        self.unit("per_item", [(item, -1, 1.0)])  # a feedback law's slope on its signal (hemasim.model.laws)
        self.m.setTimeUnits("day")
        self.m.setSubstanceUnits("item")
        self.m.setExtentUnits("item")
        comp = self.m.createCompartment()
        comp.setId("body")
        comp.setConstant(True)
        comp.setSize(1.0)
        comp.setSpatialDimensions(3)
        comp.setUnits("dimensionless")

    def species(self, names: Sequence[str], amounts: np.ndarray) -> None:
        for name, amount in zip(names, amounts, strict=True):
            sp = self.m.createSpecies()
            sp.setId(name)
            sp.setCompartment("body")
            sp.setInitialAmount(float(amount))
            sp.setHasOnlySubstanceUnits(True)
            sp.setBoundaryCondition(False)
            sp.setConstant(False)
            sp.setSubstanceUnits("item")

    def parameter(self, pid: str, value: float | None, constant: bool, units: str | None = "dimensionless") -> None:
        p = self.m.createParameter()
        p.setId(pid)
        if value is not None:
            p.setValue(float(value))
        p.setConstant(constant)
        if units is not None:
            p.setUnits(units)

    def rule(self, pid: str, formula: str) -> None:
        ast = self.libsbml.parseL3Formula(formula)
        if ast is None:
            raise SBMLExportError(f"cannot parse generated formula for {pid}: {self.libsbml.getLastParseL3Error()}")
        r = self.m.createAssignmentRule()
        r.setVariable(pid)
        _check(r.setMath(ast), f"rule {pid}")

    def signals_and_feedbacks(self, model: CompiledModel, values: dict[str, float]) -> None:
        """Each signal and each feedback as an assignment rule (feedback formulas from the law table)."""
        for i, sname in enumerate(model.signal_names):
            self.parameter(f"sig_{sname}", None, False, "item")
            self.rule(f"sig_{sname}", signal_formula(model, i))
        for k, fname in enumerate(model.feedback_names):
            ids = _feedback_ids(fname)
            fb_law = feedback_law(model.fb_kind[k])
            units = fb_law.parameter_units
            for j, pid in enumerate(ids):
                self.parameter(pid, values[pid], True, units[j] if j < len(units) else "dimensionless")
            self.parameter(f"fb_{fname}", None, False)
            self.rule(f"fb_{fname}", feedback_formula(model, k))

    def reaction(self, rid: str, reactant: tuple[str, float] | None, product: tuple[str, float] | None,
                 modifier: str | None, law: str, dois: list[str]) -> None:
        r = self.m.createReaction()
        r.setId(rid)
        r.setReversible(False)
        for ref, make in ((reactant, r.createReactant), (product, r.createProduct)):
            if ref is not None:
                sr = make()
                sr.setSpecies(ref[0])
                sr.setStoichiometry(float(ref[1]))
                sr.setConstant(True)
        if modifier is not None:
            r.createModifier().setSpecies(modifier)
        kl = r.createKineticLaw()
        _check(kl.setMath(self.libsbml.parseL3Formula(law)), f"kinetic law of {rid}")
        _annotate(r, dois)

    def flows(self, model: CompiledModel, values: dict[str, float]) -> set[str]:
        """Each flow as one reaction (two where a per-patient yield enters the rate); returns the DOIs cited."""
        refs_of = {p.name: p.references for p in model.parameters.values()}
        all_dois: set[str] = set()
        for f, fname in enumerate(model.flow_names):
            kid = f"k_{fname}"
            self.parameter(kid, values[kid], True, "per_day" if model.src[f] >= 0 else "item_per_day")
            src, dst = int(model.src[f]), int(model.dst[f])
            consume = float(model.consume[f])
            law = flow_rate_formula(model, f)
            dois = sorted({ref.doi for pname in model.flow_parameters[f] for ref in refs_of.get(pname, ()) if ref.doi})
            all_dois |= set(dois)
            src_name = model.state_names[src] if src >= 0 else None
            dst_name = model.state_names[dst] if dst >= 0 else None
            yid = f"y_{fname}"
            if yid in values:  # a per-patient yield enters the rate; stoichiometries stay constant
                self.parameter(yid, values[yid], True)
                if consume > 0 and src_name is not None:
                    self.reaction(f"r_{fname}_consume", (src_name, consume), None, None, law, dois)
                if dst_name is not None:
                    mod = src_name if src_name is not None and src_name != dst_name else None
                    self.reaction(f"r_{fname}", None, (dst_name, 1.0), mod, f"{yid} * {law}", dois)
            else:
                reactant = (src_name, consume) if src_name is not None and consume > 0 else None
                product = (dst_name, 1.0) if dst_name is not None else None
                mod = src_name if src_name is not None and reactant is None else None
                self.reaction(f"r_{fname}", reactant, product, mod, law, dois)
        return all_dois

    def observables(self, model: CompiledModel, events: Sequence[Event]) -> list[str]:
        """Each observable as a parameter ``obs_NAME`` (in its own unit) set by an assignment rule from its weights
        (constants ``w_obs_NAME_K``); returns those left out (:func:`left_out_observables`): they are not written."""
        kinds = {_L: self.libsbml.UNIT_KIND_LITRE, _G: self.libsbml.UNIT_KIND_GRAM,
                 _S: self.libsbml.UNIT_KIND_SECOND, _I: self.libsbml.UNIT_KIND_ITEM}
        defined = {"dimensionless"}
        left_out = left_out_observables(model, events)
        weights = _observable_weights(model, events)
        for i, name in enumerate(model.observable_names):
            if name in left_out:
                continue
            unit = model.observable_units[i]
            known = unit in _OBSERVABLE_UNITS
            if known:
                for weight, parts in ((False, _OBSERVABLE_UNITS[unit][0]), (True, _OBSERVABLE_UNITS[unit][1])):
                    if (uid := _unit_id(unit, weight)) not in defined:
                        self.unit(uid, [(kinds[k], e, m) for k, e, m in parts])
                        defined.add(uid)
            for pid, (j, w) in weights.items():
                if j == i:  # a unit it does not know is left undeclared (libSBML cannot check it then)
                    self.parameter(pid, float(w), True, _unit_id(unit, weight=True) if known else None)
            self.parameter(f"obs_{name}", None, False, _unit_id(unit) if known else None)
            self.m.getParameter(f"obs_{name}").setName(f"{name} ({unit})")
            self.rule(f"obs_{name}", observable_formula(model, i))
        return left_out

    def events(self, model: CompiledModel, events: Sequence[Event]) -> None:
        """Each event (and each WINDOW switch) as an SBML event; assignments from hemasim.model.sbml_events.

        Events of one time fire one after another in hemasim's order (:func:`hemasim.events.run_events`: a lower
        ``same_day_rank`` first, then the order given), each from the state the one before left: assignments are
        evaluated when the event fires (not at its trigger), and an SBML ``<priority>`` (higher fires first) encodes
        that order. Without them a simulator evaluates both from the state before either and orders them at random:
        the graft on flu_tbi_2gy's TBI day was lost in 8 of 10 libRoadRunner loads (review34c)."""
        listed = with_window_breakpoints(model, list(events), float("inf"))
        n = len(listed)
        for i, ev in enumerate(listed):
            e = self.m.createEvent()
            e.setId(f"intervention_{i}_{type(ev).__name__}")
            e.setUseValuesFromTriggerTime(False)
            e.createPriority().setMath(self.libsbml.parseL3Formula(f"{-(ev.same_day_rank * n + i)} dimensionless"))
            trig = e.createTrigger()
            trig.setInitialValue(False)
            trig.setPersistent(True)
            trig.setMath(self.libsbml.parseL3Formula(f"time >= {number(ev.day)} day"))
            for target, formula in event_assignments(model, ev):
                ea = e.createEventAssignment()
                ea.setVariable(target)
                ea.setMath(self.libsbml.parseL3Formula(formula))


def to_sbml(model: CompiledModel, events: Sequence[Event] = (), initial_state: np.ndarray | None = None,
            observables: bool = False) -> str:
    """SBML L3V2 text of ``model`` (a single patient) with ``events``, starting from ``initial_state``; with
    ``observables``, also every observable (the counts a report gives: ``obs_anc_1e9_per_L``...) as a parameter set by
    an assignment rule, in its unit (off by default: the comparisons and benchmarks integrate the states alone)."""
    import libsbml  # libSBML only when exporting

    from hemasim import __version__

    if model.n_patients is not None:
        raise SBMLExportError("export one patient at a time: use model.patient(i)")
    x0 = model.x0 if initial_state is None else np.asarray(initial_state, dtype=np.float64)
    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    m.setId(model.name)
    m.setName(f"hemasim {__version__}: {model.name}")
    m.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>Exported by hemasim {__version__}. Time in days, '
               "amounts in cells. Parameters and their sources: see the hemasim run record.</p></body>", True)
    writer = _Writer(libsbml, m)
    writer.units_and_body()
    writer.species(model.state_names, x0)
    values = sbml_parameter_values(model)
    writer.signals_and_feedbacks(model, values)
    all_dois = writer.flows(model, values)
    if observables:
        left_out = writer.observables(model, events)
        m.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>Exported by hemasim {__version__}. Time in days, '
                   "amounts in cells (a drug's in micrograms). The parameters obs_NAME are the counts hemasim reports "
                   "(their units declared; obs_anc_1e9_per_L is the ANC in 1e9/L)"
                   + (f"; {' and '.join(left_out)} left out: after a blood loss hemasim reads them over the "
                      "plasma-refilled blood volume, outside these equations" if left_out else "")
                   + ". Parameters and their sources: see the hemasim run record.</p></body>", True)
    writer.events(model, events)
    _annotate(m, sorted(all_dois), qualifier="bqmodel")
    return libsbml.writeSBMLToString(doc)


def validate_sbml(text: str, warnings: bool = False) -> list[str]:
    """libSBML consistency problems: errors (empty when valid), and warnings too with ``warnings=True``."""
    import libsbml

    doc = libsbml.readSBMLFromString(text)
    doc.checkConsistency()
    lowest = libsbml.LIBSBML_SEV_WARNING if warnings else libsbml.LIBSBML_SEV_ERROR
    return [doc.getError(i).getMessage().strip() for i in range(doc.getNumErrors())
            if doc.getError(i).getSeverity() >= lowest]


def sbml_parameter_matrix(model: CompiledModel, observables: bool = False,
                          events: Sequence[Event] = ()) -> tuple[list[str], np.ndarray]:
    """For a cohort model: the SBML parameter ids and an (N, n_ids) matrix of every patient's values (with
    ``observables``, the observables' weights too, as :func:`sbml_parameter_values`)."""
    if model.n_patients is None:
        values = sbml_parameter_values(model, observables, events)
        return list(values), np.array([list(values.values())])
    ids = list(sbml_parameter_values(model.patient(0), observables, events))
    weights = _observable_weights(model, events) if observables else {}
    cols = []
    fb_index = {name: k for k, name in enumerate(model.feedback_names)}
    flow_index = {name: f for f, name in enumerate(model.flow_names)}
    for pid in ids:
        if pid.startswith("fb_"):
            name, field = pid[3:].rsplit("_", 1)
            k = fb_index[name]
            if field == "offset":
                cols.append(np.full(model.n_patients, model.fb_offset[k]))
            elif field == "scale":
                cols.append(np.full(model.n_patients, model.fb_scale[k]))
            else:
                cols.append(model.fb_params[:, k, int(field[1:])])
        elif pid.startswith("k_"):
            cols.append(model.rate[:, flow_index[pid[2:]]])
        elif pid.startswith("w_obs_"):  # a weight: one per patient or one for all
            cols.append(np.broadcast_to(np.asarray(weights[pid][1], dtype=np.float64), (model.n_patients,)))
        else:  # y_
            cols.append(model.yield_[:, flow_index[pid[2:]]])
    return ids, np.column_stack(cols)
