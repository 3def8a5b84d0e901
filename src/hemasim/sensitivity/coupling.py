"""Fitted parameters refitted with the assumed parameters their fit held, at every point of a sensitivity design.

A fitted parameter is a function of the values its fit held: the fit chose it so that the model, with those values,
reproduces its data. A design that moves a held (assumed) parameter and keeps the fitted one runs points the data
exclude. A :class:`Coupling` declares "fitted parameters <- a fit function of the assumed parameters it held"; given
to :func:`hemasim.sensitivity.run.run_sensitivity`, it refits the fitted parameters at each point's values of the
assumed ones (docs/sensitivity.md, "Fitted parameters refitted with the assumed parameters their fit held").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hemasim.parameters import UserOverride

if TYPE_CHECKING:
    from hemasim.parameters import ParameterSet

#: between a drug set's name and its dotted path in a run-record name (``docetaxel_kloft2006__effects_0_...``)
DRUG_SEPARATOR = "__"

__all__ = ["Coupling", "applied_couplings", "coupled_columns", "coupling_sources", "shipped_couplings"]


@dataclass(frozen=True)
class Coupling:
    """``targets`` (fitted parameters) <- ``fit`` of ``sources`` (the assumed parameters the fit held). ``fit`` takes
    every source's value by name and returns every target's value by name, each in its record's unit."""

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    fit: Callable[[Mapping[str, float]], Mapping[str, float]]

    def __post_init__(self) -> None:
        if not self.sources or not self.targets:
            raise ValueError("a coupling needs at least one source (assumed) and one target (fitted) parameter")
        if set(self.sources) & set(self.targets):
            raise ValueError(f"a coupling's targets are not its sources: {sorted(set(self.sources) & set(self.targets))}")


def coupled_columns(points: pd.DataFrame, couplings: Sequence[Coupling], table: ParameterSet) -> pd.DataFrame:
    """The targets of each coupling with a source among ``points``' columns, one value per row: the fit at that row's
    source values (a source that is no column keeps ``table``'s value). A row whose sources all have ``table``'s
    values keeps the targets' values there (the shipped fit; the fit re-run would differ only by the record's
    rounding), unless the scenario's ``parameters:`` changed a source (the table's targets are then no fit at its
    sources); a target the scenario's ``parameters:`` set is refused (the fit would replace it). The fit runs once per distinct combination of source values (a Morris design has a few levels).

    A target may be a value of a drug set by its run-record name (``docetaxel_kloft2006__effects_0_full_model_slope_L_
    per_umol``; ``table``: :func:`~hemasim.sensitivity.spec.coupling_parameters`, which has them): a set the scenario
    does not dose has none, and the column is left out (the value acts on nothing there). Any other target is refused
    (ValueError naming it, ``Coupling.targets``, and the allowed names: :func:`_target_problem`)."""
    out: dict[str, np.ndarray] = {}
    for coupling in couplings:
        varied = [s for s in coupling.sources if s in points.columns]
        if not varied:
            continue
        for target in coupling.targets:
            problem = _target_problem(target, table)
            if problem:
                raise ValueError(f"Coupling.targets: {target}: {problem} (the coupling from "
                                 f"{', '.join(coupling.sources)})")
        kept = [t for t in coupling.targets if t in table]
        clash = [t for t in coupling.targets if t in points.columns or t in out]
        if clash:
            raise ValueError(f"{clash[0]} is a coupled parameter (refitted from {', '.join(coupling.sources)}) and "
                             "cannot also be a factor or another coupling's target")
        overridden = [t for t in kept if isinstance(table[t].provenance, UserOverride)]
        if overridden:  # a value the user set would be replaced by the fit at every point, silently
            raise ValueError(f"{overridden[0]} is set in the scenario's parameters but is refitted from "
                             f"{', '.join(coupling.sources)} at every point of this design: remove it from "
                             "parameters: or hold the fitted parameters (--hold-fitted; no couplings= in the library)")
        held = {s: table.value(s) for s in coupling.sources}
        # the table's targets are the fit at its sources only where the scenario's parameters did not change a
        # source: else every row, the scenario's own values included, is refitted
        shipped = not any(isinstance(table[n].provenance, UserOverride) for n in coupling.sources)
        keys = points[varied].to_numpy(dtype=np.float64)
        distinct, which = np.unique(keys, axis=0, return_inverse=True)
        values = np.empty((len(distinct), len(kept)))
        for i, row in enumerate(distinct):
            at = {**held, **dict(zip(varied, (float(v) for v in row), strict=True))}
            fitted = {t: table.value(t) for t in kept} if shipped and at == held else coupling.fit(at)
            missing = [t for t in kept if t not in fitted]
            if missing:
                raise ValueError(f"the coupling's fit returned no value for {', '.join(missing)} (it must return every "
                                 f"target: {', '.join(coupling.targets)})")
            values[i] = [float(fitted[t]) for t in kept]
        for j, target in enumerate(kept):
            out[target] = values[np.asarray(which).reshape(-1), j]
    return pd.DataFrame(out, index=points.index)


def _target_problem(target: str, table: ParameterSet) -> str | None:
    """Why ``target`` is no parameter a coupling may refit in ``table`` (:func:`coupled_columns`), with the allowed
    names; None when it is one: a parameter of the table, or a value of a shipped drug set the scenario does not dose
    (left out). A misspelt drug-set value was dropped silently as one of a set not dosed."""
    from hemasim._schema import MAX_FIELDS_LISTED, suggestions
    from hemasim.scenario.overrides import shipped_drug_set_values

    if target in table:
        return None
    set_name, sep, path = target.partition(DRUG_SEPARATOR)
    if not sep:
        close = suggestions(target, [n for n in table if DRUG_SEPARATOR not in n], anywhere=True)
        meant = f"; did you mean {', '.join(close)}?" if close else ""
        return (f"no parameter of the scenario's model{meant} (allowed: the model's parameters, docs/parameters.md, "
                f"and a drug set's values as SET{DRUG_SEPARATOR}VALUE)")
    shipped = shipped_drug_set_values(set_name)
    if path in shipped:
        return None
    dosed = [n.partition(DRUG_SEPARATOR)[2] for n in table if n.startswith(set_name + DRUG_SEPARATOR)]
    values = dosed or list(shipped)
    if values:
        close = suggestions(path, values)
        meant = f"did you mean {', '.join(set_name + DRUG_SEPARATOR + c for c in close)}? " if close else ""
        listed = ", ".join(values[:MAX_FIELDS_LISTED]) + (", ..." if len(values) > MAX_FIELDS_LISTED else "")
        return f"no value of drug set {set_name}; {meant}its values (after {set_name}{DRUG_SEPARATOR}): {listed}"
    from hemasim.pharmacology.drug_sets import available_drug_sets

    sets = sorted({*available_drug_sets(), *(n.partition(DRUG_SEPARATOR)[0] for n in table if DRUG_SEPARATOR in n)})
    close = suggestions(set_name, sets)
    meant = f"; did you mean {', '.join(close)}?" if close else ""
    return (f"{set_name} is no drug set the scenario doses or hemasim ships{meant} (drug sets: {', '.join(sets)}; a "
            f"value is named SET{DRUG_SEPARATOR}VALUE)")


@cache
def shipped_couplings() -> tuple[Coupling, ...]:
    """The couplings ``hemasim sensitivity`` and ``hemasim sweep`` apply unless ``--hold-fitted`` (and
    bench/sensitivity_screen.py's screen): the fits cheap enough to re-run at every distinct design point. The naive
    pools' declines at the reference age <- their fit on the Italian cohort's folds at 80 y
    (:func:`hemasim.biology.naive_decline_fit.refit`) at the point's reference age and thymic peak age. The other fits
    that held an assumed parameter take hours or act on no read-out of a healthy run: docs/sensitivity.md lists
    them, not coupled."""
    from hemasim.biology import naive_decline_fit as naive

    return (Coupling(naive.assumed_inputs(), tuple(naive.FITTED.values()), naive.refit),)


def coupling_sources() -> frozenset[str]:
    """The assumed parameters of the shipped couplings: a design that varies one refits their targets."""
    return frozenset(s for c in shipped_couplings() for s in c.sources)


def applied_couplings(factors: Sequence[str], couplings: Sequence[Coupling], option: str) -> tuple[Coupling, ...]:
    """The ``couplings`` a design over ``factors`` (parameter names) applies: those with a source among them. A
    factor that is the target of a coupling whose source is a factor too is refused (ValueError, one line naming it
    and ``option``, the way to vary both with the fitted parameters held): the coupling makes it a function of them.
    A target varied without its sources is a factor like any other (no coupling applies)."""
    names = set(factors)
    for coupling in couplings:
        coupled = [t for t in coupling.targets if t in names]
        if coupled and names & set(coupling.sources):
            raise ValueError(f"{coupled[0]}: a fitted parameter refitted from {', '.join(coupling.sources)} at each "
                             f"design point, so not a factor; give {option} to vary it with the fitted parameters "
                             "held (docs/sensitivity.md)")
    return tuple(c for c in couplings if names & set(c.sources))
