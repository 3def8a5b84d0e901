"""Cells tracked by origin (host and donor): every cell compartment of a model in one copy per origin.

Each flow out of a cell compartment is copied per origin (a donor cell's progeny are donor cells);
signals and observables sum the copies, so feedbacks (niche, G-CSF-, EPO-, TPO-, IL-7-like) act on
the total, as they do in a chimeric patient, and every blood count stays the total. For each
observable read from cells alone a ``<name>__donor`` observable gives the donor part, from which
chimerism is read. Drug compartments are not split. With no donor cells the split model follows
the original exactly (a test holds them equal).

Two things act across origins (donor T cells killing host cells, :mod:`hemasim.biology.alloreactivity`):
flows of a kind in :data:`HOST_ONLY_FLOW_KINDS` are kept for the host copy only, a signal whose name
ends with :data:`DONOR_SIGNAL_SUFFIX` sums the donor copies only, and one ending with :data:`HOST_SIGNAL_SUFFIX` the
host copies only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from hemasim.model.core import Compartment, Flow, Model, Module, Observable, Signal

__all__ = ["DONOR", "DONOR_SIGNAL_SUFFIX", "GVH_KILL", "HOST", "HOST_ONLY_FLOW_KINDS", "HOST_SIGNAL_SUFFIX", "NON_CELL_TAGS", "origin_name",
           "split_origins"]

HOST, DONOR = "host", "donor"
ORIGINS = (HOST, DONOR)
#: Compartments not split by origin: drug amounts, and the antigen-specific response of a vaccine (in
#: arbitrary units, read as the response of the whole, chimeric immune system), and cells collected by apheresis
#: (outside the body).
NON_CELL_TAGS = frozenset({"drug", "drug_control", "drug_exposure", "antigen", "antigen_specific", "antibody",
                           "pathogen", "inflammation", "apheresis_product"})
#: the flow kind of host cells killed by donor T cells (graft-versus-host haematopoiesis)
GVH_KILL = "alloreactive_kill"
#: flow kinds that act on the host copies only
HOST_ONLY_FLOW_KINDS = frozenset({GVH_KILL})
#: a signal named ``<name>__donor_cells`` reads the donor copies of its compartments only
DONOR_SIGNAL_SUFFIX = "__donor_cells"
#: a signal named ``<name>__host_cells`` reads the host copies of its compartments only
HOST_SIGNAL_SUFFIX = "__host_cells"


def _signal_origins(name: str) -> tuple[str, ...]:
    if name.endswith(DONOR_SIGNAL_SUFFIX):
        return (DONOR,)
    return (HOST,) if name.endswith(HOST_SIGNAL_SUFFIX) else ORIGINS


def origin_name(name: str, origin: str) -> str:
    return f"{name}__{origin}"


def split_origins(model: Model, blocked_host_flows: Iterable[str] = (), host_absent: Iterable[str] = ()) -> Model:
    """The model with host and donor copies of every cell compartment; donor copies start empty.

    ``blocked_host_flows``: flows whose host copy is removed (a genotype that cannot make a lineage,
    e.g. IL2RG-SCID has no host thymic seeding); the donor copy is kept. ``host_absent``: compartments
    whose host copy starts empty (the cells that genotype never makes).
    """
    blocked = set(blocked_host_flows)
    absent = set(host_absent)
    unknown = blocked - {f.name for f in model.flows}
    if unknown:
        raise ValueError(f"blocked flows not in the model: {', '.join(sorted(unknown))}")
    cells = {c.name for c in model.compartments if not (c.tags & NON_CELL_TAGS)}
    split_flows = {f.name for f in model.flows if f.source in cells}

    def comps(cs: list[Compartment]) -> list[Compartment]:
        out = []
        for c in cs:
            if c.name not in cells:
                out.append(c)
                continue
            for o in ORIGINS:
                empty = o == DONOR or c.name in absent
                init = np.zeros_like(np.asarray(c.initial, dtype=np.float64)) if empty else c.initial
                out.append(replace(c, name=origin_name(c.name, o), description=f"{c.description} ({o})",
                                   initial=float(init) if np.ndim(init) == 0 else init,
                                   tags=c.tags | {f"origin_{o}"}))
        return out

    def flows(fs: list[Flow]) -> list[Flow]:
        out = []
        for f in fs:
            if f.source not in cells:
                if f.target in cells:
                    raise ValueError(f"flow {f.name!r} feeds cells from a non-cell compartment; its origin is unknown")
                out.append(f)
                continue
            for o in ORIGINS:
                if (o == HOST and f.name in blocked) or (o == DONOR and f.kind in HOST_ONLY_FLOW_KINDS):
                    continue
                out.append(replace(f, name=origin_name(f.name, o), source=origin_name(f.source, o),
                                   target=origin_name(f.target, o) if f.target in cells else f.target))
        return out

    def weights(w: dict, names: set[str], origins: tuple[str, ...] = ORIGINS) -> dict:
        out = {}
        for k, v in w.items():
            if k in names:
                for o in origins:
                    out[origin_name(k, o)] = v
            else:
                out[k] = v
        return out

    def observables(obs: list[Observable]) -> list[Observable]:
        out = []
        for ob in obs:
            out.append(replace(ob, compartments=weights(dict(ob.compartments), cells),
                               fluxes=weights(dict(ob.fluxes), split_flows)))
            if ob.compartments and not ob.fluxes and set(ob.compartments) <= cells:
                out.append(replace(ob, name=f"{ob.name}__donor", description=f"{ob.description}, donor cells",
                                   compartments=weights(dict(ob.compartments), cells, (DONOR,))))
        return out

    def counted_as(pairs: dict[str, str]) -> dict[str, str]:  # each origin's copy counted as that origin's copy
        return {origin_name(new, o): origin_name(old, o) for new, old in pairs.items() for o in ORIGINS
                if new in cells and old in cells} | {new: old for new, old in pairs.items() if new not in cells}

    modules = [Module(m.name, comps(m.compartments), flows(m.flows),
                      [Signal(s.name, weights(dict(s.weights), cells, _signal_origins(s.name))) for s in m.signals],
                      list(m.feedbacks), observables(m.observables), counted_as(m.counted_as)) for m in model.modules]
    info = model.info
    split = replace(info, blood_share=weights(dict(info.blood_share), cells), origins=ORIGINS,
                    blocked_host_flows=tuple(blocked))
    return Model(modules, model.parameters, name=f"{model.name}_chimeric", info=split)
