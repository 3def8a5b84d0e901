"""Export a compiled single-patient model (and its events) as SBML Level 3 Version 2.

Species are the compartments (amounts, in cells), reactions the flows (stoichiometries = consume
and yield), feedbacks are assignment rules on parameters, interventions are SBML events. Each
reaction carries MIRIAM ``bqbiol:isDescribedBy`` annotations with the DOIs of the publications its
rate was built from; the model carries all of them. libRoadRunner simulates the result to the same
trajectories as hemasim (see tests/test_sbml.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from hemasim.model.core import FeedbackKind

if TYPE_CHECKING:
    from hemasim.events import Event
    from hemasim.model.compiled import CompiledModel

DAYS_PER_YEAR = 365.25


class SBMLExportError(RuntimeError):
    pass


def _check(code: int, what: str) -> None:
    import libsbml

    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SBMLExportError(f"libSBML refused {what}: {libsbml.OperationReturnValue_toString(code)}")


def _num(x: float) -> str:
    return repr(float(x))


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


def _event_assignments(model: CompiledModel, event: Event) -> list[tuple[str, str]]:
    from hemasim.events import BloodLoss, CellDepletion, CellInfusion

    if isinstance(event, BloodLoss):
        lost = min(event.volume_mL / (float(model.metadata["blood_volume_L"]) * 1000.0), 1.0)
        share = model.metadata["blood_share"]
        return [(name, f"{name} * {_num(1.0 - lost * s)}") for name, s in share.items()]  # type: ignore[union-attr]
    if isinstance(event, CellDepletion):
        return [(model.state_names[i], f"{model.state_names[i]} * {_num(event.surviving_fraction)}")
                for i in event.targets(model)]
    if isinstance(event, CellInfusion):
        return [(event.compartment, f"{event.compartment} + {_num(event.cells)}")]
    raise SBMLExportError(f"no SBML form for event {type(event).__name__}")


def to_sbml(model: CompiledModel, events: Sequence[Event] = (), initial_state: np.ndarray | None = None) -> str:
    """SBML L3V2 text of ``model`` (a single patient) with ``events``, starting from ``initial_state``."""
    import libsbml

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

    day = m.createUnitDefinition()
    day.setId("day")
    u = day.createUnit()
    u.setKind(libsbml.UNIT_KIND_SECOND)
    u.setExponent(1)
    u.setScale(0)
    u.setMultiplier(86400.0)
    per_day = m.createUnitDefinition()
    per_day.setId("per_day")
    u = per_day.createUnit()
    u.setKind(libsbml.UNIT_KIND_SECOND)
    u.setExponent(-1)
    u.setScale(0)
    u.setMultiplier(1.0 / 86400.0)
    m.setTimeUnits("day")
    m.setSubstanceUnits("item")
    m.setExtentUnits("item")

    comp = m.createCompartment()
    comp.setId("body")
    comp.setConstant(True)
    comp.setSize(1.0)
    comp.setSpatialDimensions(3)
    comp.setUnits("dimensionless")

    for name, amount in zip(model.state_names, x0, strict=True):
        sp = m.createSpecies()
        sp.setId(name)
        sp.setCompartment("body")
        sp.setInitialAmount(float(amount))
        sp.setHasOnlySubstanceUnits(True)
        sp.setBoundaryCondition(False)
        sp.setConstant(False)
        sp.setSubstanceUnits("item")

    def parameter(pid: str, value: float | None, constant: bool, units: str = "dimensionless") -> None:
        p = m.createParameter()
        p.setId(pid)
        if value is not None:
            p.setValue(float(value))
        p.setConstant(constant)
        p.setUnits(units)

    def rule(pid: str, formula: str) -> None:
        ast = libsbml.parseL3Formula(formula)
        if ast is None:
            raise SBMLExportError(f"cannot parse generated formula for {pid}: {libsbml.getLastParseL3Error()}")
        r = m.createAssignmentRule()
        r.setVariable(pid)
        _check(r.setMath(ast), f"rule {pid}")

    for i, sname in enumerate(model.signal_names):
        terms = [f"{_num(model.sig_w[k])} * {model.state_names[model.sig_idx[k]]}"
                 for k in range(model.sig_ptr[i], model.sig_ptr[i + 1])]
        parameter(f"sig_{sname}", None, False)
        rule(f"sig_{sname}", " + ".join(terms) or "0")

    for k, fname in enumerate(model.feedback_names):
        p = model.fb_params[k]
        off, sc = model.fb_offset[k], model.fb_scale[k]
        if model.fb_kind[k] == FeedbackKind.HILL_RATIO:
            s = f"sig_{model.signal_names[model.fb_signal[k]]}"
            g = f"(1 + {_num(p[1])}) / (1 + {_num(p[1])} * pow({s} / {_num(p[0])}, {_num(p[2])}))"
        elif model.fb_kind[k] == FeedbackKind.AGE_DECLINE:
            age = f"({_num(p[0])} + {_num(p[4])} * time / {_num(DAYS_PER_YEAR)})"
            onset = _num(p[2])
            g = f"exp(-{_num(p[1])} * (piecewise({age}, {age} > {onset}, {onset}) - {_num(max(p[3], p[2]))}))"
        else:  # pragma: no cover - guarded by FeedbackKind
            raise SBMLExportError(f"no SBML form for feedback kind {model.fb_kind[k]}")
        parameter(f"fb_{fname}", None, False)
        rule(f"fb_{fname}", f"{_num(off)} + {_num(sc)} * {g}")

    refs_of = {p.name: p.references for p in model.parameters.values()}
    all_dois: set[str] = set()
    for f, fname in enumerate(model.flow_names):
        kid = f"k_{fname}"
        parameter(kid, model.rate[f], True, "per_day" if model.src[f] >= 0 else "dimensionless")
        r = m.createReaction()
        r.setId(f"r_{fname}")
        r.setReversible(False)
        src, dst = int(model.src[f]), int(model.dst[f])
        if src >= 0 and model.consume[f] > 0:
            sr = r.createReactant()
            sr.setSpecies(model.state_names[src])
            sr.setStoichiometry(float(model.consume[f]))
            sr.setConstant(True)
        if dst >= 0 and model.yield_[f] > 0:
            pr = r.createProduct()
            pr.setSpecies(model.state_names[dst])
            pr.setStoichiometry(float(model.yield_[f]))
            pr.setConstant(True)
        if src >= 0 and not (model.consume[f] > 0):
            md = r.createModifier()
            md.setSpecies(model.state_names[src])
        factors = [kid] + ([model.state_names[src]] if src >= 0 else [])
        factors += [f"fb_{model.feedback_names[j]}" for j in model.flow_fb[f] if j >= 0]
        kl = r.createKineticLaw()
        _check(kl.setMath(libsbml.parseL3Formula(" * ".join(factors))), f"kinetic law of {fname}")
        dois = sorted({ref.doi for pname in model.flow_parameters[f] for ref in refs_of.get(pname, ()) if ref.doi})
        all_dois |= set(dois)
        _annotate(r, dois)

    for i, ev in enumerate(sorted(events, key=lambda e: e.day)):
        e = m.createEvent()
        e.setId(f"intervention_{i}_{type(ev).__name__}")
        e.setUseValuesFromTriggerTime(True)
        trig = e.createTrigger()
        trig.setInitialValue(False)
        trig.setPersistent(True)
        trig.setMath(libsbml.parseL3Formula(f"time >= {_num(ev.day)}"))
        for target, formula in _event_assignments(model, ev):
            ea = e.createEventAssignment()
            ea.setVariable(target)
            ea.setMath(libsbml.parseL3Formula(formula))

    _annotate(m, sorted(all_dois), qualifier="bqmodel")
    return libsbml.writeSBMLToString(doc)


def validate_sbml(text: str) -> list[str]:
    """libSBML consistency errors (empty when valid); warnings are not returned."""
    import libsbml

    doc = libsbml.readSBMLFromString(text)
    doc.checkConsistency()
    return [doc.getError(i).getMessage().strip() for i in range(doc.getNumErrors())
            if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
