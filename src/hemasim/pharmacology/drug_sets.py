"""Drug parameter sets: YAML data files, one per published model, validated by a strict schema.

A set names its drug, its references, its PK (compartmental disposition, optional absorption and
neutrophil-mediated clearance), its effects on the lineages and, when the source is a Friberg-type
chain, that chain's system parameters. Every number is a record with its source::

    clearance_L_per_h_per_m2: {value: 21.0, source: TaxotereLabel, where: "section 12.3"}
    central_volume_L: {value: 38.5, derived: "two-compartment fit to the label's half-lives"}

Units are in the field names (hours and litres as published; the model converts to days at the
edge). Sets shipped with hemasim live in ``hemasim/pharmacology/drugs/``; a user's own set is a
file with the same schema, passed by path.

A set is read within the limits of :mod:`hemasim._yaml_limits`; every value must be finite and lie in
the plausible range of its field (:data:`VALUE_RANGES`), and the PK's first-order rate constants must be
at most :data:`MAX_RATE_PER_H`, so that a set cannot divide by zero or make the model too stiff to solve.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr, ValidationError, model_validator

from hemasim._file_kinds import wrong_file
from hemasim._schema import StrictData, field_hints, validation_problems
from hemasim._yaml_limits import YamlInputError, load_yaml_file, quoted
from hemasim.parameters import Assumed, Cited, Derived, Parameter, Reference
from hemasim.parameters.core import Fitted

__all__ = ["MAX_RATE_PER_H", "VALUE_RANGES", "DrugSet", "DrugSetError", "available_drug_sets", "load_drug_set",
           "with_kill_effect_site"]

HOURS_PER_DAY = 24.0

#: plausible range (inclusive) of the value of each field, by the field's name (the last part of its path; the
#: variances of ``friberg.iiv_variance`` under ``iiv_variance``). The shipped sets lie well inside; the
#: bounds are what no published model is near and what keeps the model solvable: no zero volume (a division
#: by zero), no slope that makes the kill rate so fast that the solver cannot follow (a docetaxel slope of
#: 1e4 L/umol takes ~1,800 steps over two cycles, one of 1e8 L/umol 7 million, the published one 650)
VALUE_RANGES: dict[str, tuple[float, float]] = {
    "molar_mass_g_per_mol": (1.0, 1e7),
    "central_volume_L": (1e-3, 1e5),
    "volume_L": (1e-3, 1e5),
    "clearance_L_per_h": (0.0, 1e4),
    "clearance_L_per_h_per_m2": (0.0, 1e4),
    "intercompartmental_clearance_L_per_h": (0.0, 1e4),
    "rate_per_h": (1e-6, 100.0),
    "bioavailability": (1e-6, 1.0),
    # a Michaelis-Menten transfer or elimination (nab-paclitaxel: Vmax 8,070 and 325,000 ug/h, Km 40.2 and 4,260
    # ng/mL); a negative or zero Km divided by zero at some concentration, and both were unchecked
    "vmax_ug_per_h": (0.0, 1e8),
    "km_ng_per_mL": (1e-3, 1e7),
    "internalisation_rate_per_h": (0.0, 100.0),
    "dissociation_constant_nmol_per_L": (1e-9, 1e9),
    "receptors_nmol_per_L_per_anc_1e9_per_L": (0.0, 1e3),
    "slope_L_per_umol": (0.0, 1e4),
    "emax": (-1.0, 100.0),
    "ec50_ng_per_mL": (1e-9, 1e9),
    "ec50_nmol_per_L": (1e-9, 1e9),
    "hill": (0.1, 10.0),
    "baseline_1e9_per_L": (1e-3, 1e3),
    "mean_transit_time_h": (1.0, 1e4),
    "feedback_gamma": (0.0, 2.0),
    "female_baseline_change": (-0.99, 10.0),
    "prior_therapy_baseline_change": (-0.99, 10.0),
    "iiv_variance": (0.0, 4.0),
    "clearance_iiv_sd_log": (0.0, 2.0),
    "baseline_ng_per_mL": (1e-6, 1e3),
    "reference_anc_1e9_per_L": (1e-2, 1e2),
    # the full-model kill's effect-site rate ke0 (1/day): a half-life between 10 days and 6 s (ln 2 / 1e4 day); faster is
    # no delay
    "ke0_per_day": (0.0693, 1e4),
}
#: fastest first-order PK rate (clearance / volume, absorption), per hour: a half-life of 25 s
MAX_RATE_PER_H = 100.0
#: body surface area used to turn a clearance per m2 into a rate for that check (a large adult)
_LARGE_BSA_M2 = 3.0


class DrugSetError(ValueError):
    """A drug set that cannot be used; the message is one line naming the file and field."""


_Strict = StrictData


class FitRecord(_Strict):
    """Where a fitted value comes from: the data, the fitting problem, the objective at the estimate and the
    engine's confidence interval."""

    data: str = Field(description="the published data (or published model course) the value was fitted to")
    problem: str = Field(description="the fitting problem or script")
    objective: float = Field(description="the objective at the estimate: minus the log-likelihood, or, for a value "
                                         "matched to one datum by a root (no residual model), the read-out's residual "
                                         "there, as its problem says")
    interval: str = Field(default="", description="e.g. 95% profile CI [a, b]")


#: a drug-set value's provenance fields, of which it has exactly one
_PROVENANCE_FIELDS = ("source", "derived", "assumed", "fitted")


class Value(_Strict):
    """A number and where it comes from: exactly one of ``source`` (+ ``where``), ``derived``, ``assumed``,
    ``fitted``."""

    value: float
    source: str | None = Field(default=None, description="key of a reference of this set")
    where: str = Field(default="", description="table, figure or passage of the source")
    derived: str | None = Field(default=None, description="how it was computed from cited values")
    assumed: str | None = Field(default=None, description="why no source is given")
    fitted: FitRecord | None = Field(default=None, description="estimated with hemasim.inference on named data")

    @property
    def provenance(self) -> str:
        """How the value was obtained, in a word: ``cited`` (a ``source``), ``derived``, ``assumed`` or ``fitted``."""
        return next("cited" if k == "source" else k for k in _PROVENANCE_FIELDS if getattr(self, k) is not None)

    @model_validator(mode="after")
    def _one_provenance(self) -> Value:
        given = [k for k in _PROVENANCE_FIELDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of source, derived or assumed (or fitted) for every value")
        if not math.isfinite(self.value):
            raise ValueError("value must be a finite number")
        return self


def unknown_reference(path: str, key: str, references: Iterable[str], whose: str) -> str:
    """The error of a value at ``path`` whose ``source`` is no key of the file's ``references`` (a dropped or misspelt
    entry): named at the value that cites it, with the keys the file has and the two ways out."""
    keys = sorted(references)
    have = f"this {whose}'s references: {', '.join(keys)}" if keys else f"this {whose} has no references"
    fix = f"add {key!r} under references" + (", or cite one of them" if keys else "")
    return f"{path}.source: unknown reference {key!r}; {have} ({fix})"


class ReferenceSpec(_Strict):
    authors: str
    year: int = Field(ge=1000, le=3000)
    title: str
    journal: str
    doi: str | None = None

    def reference(self, key: str) -> Reference:
        """The hemasim parameter record's reference of this entry, under ``key``."""
        return Reference(key, self.authors, self.year, self.title, self.journal, self.doi)


class Peripheral(_Strict):
    volume_L: Value
    intercompartmental_clearance_L_per_h: Value


class SaturableElimination(_Strict):
    """Michaelis-Menten elimination from the central compartment: flux = Vmax * C / (Km + C)."""

    vmax_ug_per_h: Value
    km_ng_per_mL: Value


class SaturablePeripheral(_Strict):
    """A peripheral compartment exchanging with the central one by a saturable (Michaelis-Menten) transfer,
    the same in both directions: flux out = Vmax * C1 / (Km + C1), back = Vmax * Cp / (Km + Cp)."""

    volume_L: Value
    vmax_ug_per_h: Value
    km_ng_per_mL: Value


class Absorption(_Strict):
    """First-order absorption from a depot (subcutaneous or oral dose)."""

    rate_per_h: Value
    bioavailability: Value


class NeutrophilMediatedClearance(_Strict):
    """Receptor-mediated (target-mediated) elimination by neutrophils, as for G-CSF:
    flux = k_int * R * C / (K_d + C) * V with R = receptors per ANC * ANC (Michaelis-Menten form)."""

    internalisation_rate_per_h: Value
    dissociation_constant_nmol_per_L: Value
    receptors_nmol_per_L_per_anc_1e9_per_L: Value


class PK(_Strict):
    central_volume_L: Value
    clearance_L_per_h: Value | None = None
    clearance_L_per_h_per_m2: Value | None = None
    peripheral: list[Peripheral] = Field(default_factory=list, max_length=3)
    saturable_peripheral: SaturablePeripheral | None = None
    saturable_elimination: SaturableElimination | None = None
    absorption: Absorption | None = None
    neutrophil_mediated_clearance: NeutrophilMediatedClearance | None = None
    #: between-patient variability of the linear clearance: sd of log clearance (a cohort's
    #: ``population.drug_variability`` draws it; docs/cohorts.md)
    clearance_iiv_sd_log: Value | None = None

    @model_validator(mode="after")
    def _one_clearance(self) -> PK:
        if self.clearance_L_per_h is not None and self.clearance_L_per_h_per_m2 is not None:
            raise ValueError("give exactly one of clearance_L_per_h or clearance_L_per_h_per_m2")
        if self.clearance_L_per_h is None and self.clearance_L_per_h_per_m2 is None \
                and self.saturable_elimination is None:
            raise ValueError("give exactly one of clearance_L_per_h or clearance_L_per_h_per_m2 "
                             "(or saturable_elimination alone)")
        if self.clearance_iiv_sd_log is not None and self.clearance_L_per_h is None \
                and self.clearance_L_per_h_per_m2 is None:
            raise ValueError("clearance_iiv_sd_log: the set has no linear clearance for it to vary")
        return self

    def rate_constants_per_h(self) -> list[tuple[str, float]]:
        """The first-order rate constants of the disposition (per hour), each named by how it is computed."""
        v1 = self.central_volume_L.value
        cl = (self.clearance_L_per_h.value if self.clearance_L_per_h is not None
              else _LARGE_BSA_M2 * self.clearance_L_per_h_per_m2.value if self.clearance_L_per_h_per_m2 else 0.0)
        rates = [("clearance / central_volume_L", cl / v1 if v1 > 0 else math.inf)]
        for k, per in enumerate(self.peripheral):
            q, vp = per.intercompartmental_clearance_L_per_h.value, per.volume_L.value
            rates += [(f"peripheral.{k}: intercompartmental_clearance / central_volume_L", q / v1 if v1 > 0 else
                       math.inf), (f"peripheral.{k}: intercompartmental_clearance / volume_L",
                                   q / vp if vp > 0 else math.inf)]
        return rates


class EndogenousLigand(_Strict):
    """The body's own form of the drug (G-CSF), sharing its receptor: its concentration G (ng/mL) follows Quartino
    2014's turnover dG/dt = k_in - (k_e + k_ANC ANC) G, with k_e and k_ANC the model's endogenous G-CSF parameters
    (``gcsf_renal_elimination_rate_per_h``, ``gcsf_neutrophil_elimination_rate_per_h_per_anc``) and k_in fixed by
    G = ``baseline_ng_per_mL`` at ANC = ``reference_anc_1e9_per_L``. Every effect of the set then acts through the
    receptor occupancy of the total, G + C: its flows are multiplied by S(G + C) / S(G), S the effect's Emax law, so
    the drug adds only the stimulation above what the endogenous ligand already gives (docs/mobilisation.md)."""

    baseline_ng_per_mL: Value
    reference_anc_1e9_per_L: Value


Lineage = Literal["neutrophil", "monocyte", "erythroid", "megakaryocyte"]
#: marrow stages a cycle-dependent kill can reach in the full model (docs/chemotherapy_full_model.md)
KillStage = Literal["committed_progenitors", "dividing_precursors", "multipotent_progenitors", "short_term_stem",
                    "long_term_stem"]


class FullModelKill(_Strict):
    """How a linear proliferation effect acts in the full multilineage model (absent: as in the chain, on the
    named lineages' progenitors and dividing precursors with the chain's slope).

    Every compartment of ``stages`` loses cells at E x (its division rate), E = ``slope_L_per_umol`` x C (or x Ce,
    the effect-site concentration, when ``ke0_per_day`` is given): a cycle-dependent drug kills a cell when it
    divides, so a compartment is hit in proportion to how fast its cells cycle. ``committed_progenitors`` and
    ``dividing_precursors`` are those of ``lineages``; the stem and multipotent stages are shared by all lineages.
    The slope is the full model's own (fitted there), not the chain's, whose single proliferating pool stands for all
    of them.
    """

    slope_L_per_umol: Value
    lineages: list[Lineage] = Field(min_length=1)
    stages: list[KillStage] = Field(min_length=1)
    #: the kill's effect site (optional): E = slope x Ce with dCe/dt = ke0 (C - Ce), so the marrow kill lags the
    #: plasma concentration and outlasts it (half-life ln 2 / ke0). Absent: E follows C itself (no delay), as before
    ke0_per_day: Value | None = None


class Effect(_Strict):
    """What the drug concentration does to the named lineages.

    ``acts_on``: ``proliferation`` (inhibits progenitor proliferation by E; E > 1 kills, as in Friberg 2002),
    ``production`` (multiplies the input of new progenitors by 1 + E) or ``maturation_speed`` (multiplies
    every maturation transit rate by 1 + E; with ``divisions`` also the division rates of the dividing
    precursors, in the full model). ``model``: ``linear`` (E = slope * C) or ``emax``
    (E = emax * C^h / (EC50^h + C^h)).
    """

    acts_on: Literal["proliferation", "production", "maturation_speed"]
    lineages: list[Lineage] = Field(min_length=1)
    model: Literal["linear", "emax"]
    slope_L_per_umol: Value | None = None
    emax: Value | None = None
    ec50_ng_per_mL: Value | None = None
    ec50_nmol_per_L: Value | None = None
    hill: Value | None = None
    #: the kill in the full model (linear proliferation effects only); absent: the chain's law on ``lineages``
    full_model: FullModelKill | None = None
    #: maturation_speed only: also speed the divisions of the dividing precursors (the full model has them; a
    #: chain has none, so there it changes nothing)
    divisions: bool = False

    @model_validator(mode="after")
    def _complete(self) -> Effect:
        if self.full_model is not None and (self.acts_on != "proliferation" or self.model != "linear"):
            raise ValueError("full_model: only a linear proliferation effect has a full-model kill")
        # each problem at the field it is about (a set without emax read "effects.0: an emax effect takes ...")
        kind, takes = (("a linear effect", "slope_L_per_umol only") if self.model == "linear" else
                       ("an emax effect", "emax, hill and one of ec50_ng_per_mL / ec50_nmol_per_L"))
        wanted = ["slope_L_per_umol"] if self.model == "linear" else ["emax", "hill"]
        # a full-model kill without a published chain (AC: fitted on clinical figures) has no chain slope; a set
        # with a chain must give it (DrugSet._consistent)
        optional = {"slope_L_per_umol"} if self.full_model is not None else set()
        for name in ("slope_L_per_umol", "emax", "hill", "ec50_ng_per_mL", "ec50_nmol_per_L"):
            given = getattr(self, name) is not None
            if name in wanted and not given and name not in optional:
                raise ValueError(f"{name}: required field is missing ({kind} takes {takes})")
            if given and name not in wanted and not (self.model == "emax" and name.startswith("ec50_")):
                raise ValueError(f"{name}: not a field of {kind} (it takes {takes})")
        if self.model == "emax" and (self.ec50_ng_per_mL is None) == (self.ec50_nmol_per_L is None):
            raise ValueError("ec50_ng_per_mL: an emax effect takes exactly one of ec50_ng_per_mL or ec50_nmol_per_L")
        if self.divisions and self.acts_on != "maturation_speed":
            raise ValueError(f"divisions: only a maturation_speed effect speeds divisions (acts_on is {self.acts_on})")
        if self.acts_on == "proliferation" and self.model == "emax" and self.emax is not None and self.emax.value < 0:
            raise ValueError("a proliferation effect is an inhibition: give emax > 0 (E is subtracted)")
        return self


class FribergSystem(_Strict):
    """System parameters of the published Friberg chain (proliferating pool, 3 transits, circulation)."""

    observable: Literal["anc", "leukocytes", "platelets"]
    baseline_1e9_per_L: Value
    mean_transit_time_h: Value
    feedback_gamma: Value
    female_baseline_change: Value | None = None  # fractional change of the baseline in women
    prior_therapy_baseline_change: Value | None = None
    iiv_variance: dict[Literal["baseline", "mean_transit_time", "slope"], Value] = Field(default_factory=dict)


#: a drug set's name and drug, and so its file's name (a set's name equals it); :data:`NAME_RULE` in words
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
NAME_RULE = "a name in lower case: a letter, then letters, digits or _"


class DrugSet(_Strict):
    name: str = Field(pattern=NAME_PATTERN, max_length=60)
    drug: str = Field(pattern=NAME_PATTERN, max_length=40)
    description: str
    routes: list[Literal["iv_bolus", "iv_infusion", "subcutaneous", "oral"]] = Field(min_length=1)
    references: dict[str, ReferenceSpec] = Field(min_length=1)
    molar_mass_g_per_mol: Value
    pk: PK | None = None
    pk_missing_reason: str | None = None
    effects: list[Effect] = Field(default_factory=list)
    friberg: FribergSystem | None = None
    #: a second published chain of the same source for platelets (its effect: ``lineages: [megakaryocyte]``)
    friberg_platelets: FribergSystem | None = None
    #: the drug's endogenous counterpart on the same receptor (G-CSF): effects act through the total's occupancy
    endogenous_ligand: EndogenousLigand | None = None
    #: (the top-level field values it was built from, path -> Value): value_record's index, rebuilt when a copy
    #: (model_copy) carries other field values; the models are frozen, so nothing below them changes
    _value_index: tuple[tuple[object, ...], dict[str, Value]] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _consistent(self) -> DrugSet:
        for path, v in self.values_with_paths():
            _check_range(path, v.value)
            if v.source is not None and v.source not in self.references:
                raise ValueError(unknown_reference(path, v.source, self.references, "set"))
        if self.pk is None and not self.pk_missing_reason:
            raise ValueError("pk: give a PK block, or pk_missing_reason saying why the set has none")
        for what, rate in self.pk.rate_constants_per_h() if self.pk is not None else []:
            if rate > MAX_RATE_PER_H:
                raise ValueError(f"pk: {what} = {rate:.3g} per hour; at most {MAX_RATE_PER_H:g} per hour (a "
                                 "half-life of 25 s; clearance per m2 taken at 3 m2): faster rates make the model "
                                 "too stiff to solve")
        needs_depot = {"subcutaneous", "oral"} & set(self.routes)
        if self.pk is not None and needs_depot and self.pk.absorption is None:
            raise ValueError(f"pk.absorption: routes {sorted(needs_depot)} need an absorption block")
        for i, eff in enumerate(self.effects):
            if eff.model == "linear" and eff.slope_L_per_umol is None and (self.friberg is not None
                                                                          or self.friberg_platelets is not None):
                raise ValueError(f"effects.{i}.slope_L_per_umol: required field is missing (a set with a published "
                                 "chain gives the chain's slope; only a full-model kill without a chain omits it)")
        if self.friberg is not None and self.friberg.observable == "platelets":
            raise ValueError("friberg.observable: the main chain is anc or leukocytes; a platelet chain goes in "
                             "friberg_platelets")
        if self.friberg_platelets is not None and self.friberg_platelets.observable != "platelets":
            raise ValueError("friberg_platelets.observable: must be platelets")
        if self.endogenous_ligand is not None:
            for i, eff in enumerate(self.effects):
                if eff.model != "emax" or eff.acts_on == "proliferation":
                    raise ValueError(f"endogenous_ligand: effects.{i} is a {eff.model} {eff.acts_on} effect; a shared "
                                     "receptor takes emax production or maturation_speed effects only")
                # an emax effect has its emax (Effect._complete); a stand-in 0 here would be named as the set's value
                if eff.emax is not None and eff.emax.value <= 0.0:  # 1/S(G) has E' = -E/(1 + E): a pole at E = -1
                    raise ValueError(f"effects.{i}.emax.value: {eff.emax.value:g}; with endogenous_ligand an effect must "
                                     "stimulate, emax > 0 (up to 100): the drug adds S(G + C)/S(G) on top of the "
                                     "body's own ligand, which an inhibition or a null effect cannot share")
        return self

    def values_with_paths(self, obj: BaseModel | None = None, path: str = "") -> list[tuple[str, Value]]:
        """Every Value of the set with its dotted path."""
        obj = self if obj is None else obj
        out: list[tuple[str, Value]] = []
        for name in type(obj).model_fields:
            v = getattr(obj, name)
            items = list(enumerate(v)) if isinstance(v, list) else list(v.items()) if isinstance(v, dict) else [
                (None, v)]
            for key, item in items:
                p = f"{path}{name}" + (f".{key}" if key is not None else "")
                if isinstance(item, Value):
                    out.append((p, item))
                elif isinstance(item, BaseModel) and not isinstance(item, ReferenceSpec):
                    out += self.values_with_paths(item, p + ".")
        return out

    @property
    def pk_only(self) -> bool:
        """A set without effects on blood cells (PK only): it can be dosed, combined and plotted, and acts on nothing."""
        return not self.effects

    @property
    def stimulating_effects(self) -> list[Effect]:
        """The effects that stimulate blood formation (a G-CSF's): production or maturation_speed with E > 0. A
        production effect with emax < 0 is an indirect-response inhibition (a myelosuppressant), not a stimulant."""
        def stimulates(e: Effect) -> bool:
            size = e.slope_L_per_umol if e.model == "linear" else e.emax
            return e.acts_on != "proliferation" and size is not None and size.value > 0.0

        return [e for e in self.effects if stimulates(e)]

    @property
    def inhibiting_effects(self) -> list[Effect]:
        """The effects that inhibit blood formation without killing a cell: production or maturation_speed with
        emax < 0 (an indirect-response inhibition). A linear effect never does: its slope is bounded at 0 below
        (``slope_L_per_umol``, [0, 1e4])."""
        return [e for e in self.effects if e.acts_on != "proliferation" and e.model != "linear"
                and e.emax is not None and e.emax.value < 0.0]

    @property
    def full_model_kill_only(self) -> bool:
        """A set whose marrow kill acts only in the full model (no published chain; doxorubicin and cyclophosphamide:
        a kill fitted for AC on one clinical figure), marked as such in docs/drug_sets.md and `hemasim drugs`."""
        return bool(self.effects) and self.friberg is None and all(
            e.full_model is not None and e.slope_L_per_umol is None for e in self.effects)

    # ------------------------------------------------------------------ hemasim parameter records
    def reference(self, key: str) -> Reference:
        return self.references[key].reference(key)

    def value_record(self, path: str) -> Value:
        """The value (number and provenance) at a dotted ``path``, e.g. ``pk.central_volume_L``."""
        fields = tuple(getattr(self, name) for name in type(self).model_fields)
        index = self._value_index  # a fit builds the model thousands of times: walk the set once, not per value
        if index is None or any(a is not b for a, b in zip(index[0], fields, strict=True)):
            index = (fields, dict(self.values_with_paths()))
            self._value_index = index
        return index[1][path]

    def parameter(self, path: str, value: float, unit: str, description: str) -> Parameter:
        """A parameter record for the value at ``path`` (its provenance kept), converted to ``value``/``unit``."""
        v = self.value_record(path)
        if v.source is not None:
            prov: Cited | Derived | Assumed | Fitted = Cited(self.reference(v.source), v.where or "as published")
        elif v.fitted is not None:
            prov = Fitted((v.fitted.data,), v.fitted.problem, v.fitted.objective, v.fitted.interval)
        elif v.derived is not None:
            prov = Derived((f"{self.name} set",), v.derived)
        else:
            prov = Assumed(f"{self.drug} exposure and effect", v.assumed or "")
        return Parameter(f"{self.name}__{path.replace('.', '_')}", float(value), unit, description, prov,
                         bounds=(-math.inf, math.inf))

    def get(self, path: str) -> float:
        return self.value_record(path).value


def _plausible_range(path: str) -> tuple[str, float, float]:
    """The field whose plausible range (:data:`VALUE_RANGES`) holds the value at ``path``, and the range."""
    parts = path.split(".")
    field = "iiv_variance" if "iiv_variance" in parts else next(p for p in reversed(parts) if not p.isdigit())
    return (field, *VALUE_RANGES.get(field, (-math.inf, math.inf)))


def value_range(path: str) -> tuple[float, float]:
    """The plausible range (:data:`VALUE_RANGES`) of the value at ``path``: where a drug set's value, and a cohort
    patient's drawn from its published variability (:func:`hemasim.cohort.sampling.drug_variability_draws`), lies."""
    return _plausible_range(path)[1:]


def _check_range(path: str, value: float) -> None:
    field, low, high = _plausible_range(path)
    if not low <= value <= high:
        raise ValueError(f"{path}.value: {value:g} is outside the plausible range of {field}, [{low:g}, {high:g}] "
                         f"(docs/drugs.md){_cv_hint(field, value, high)}")


#: the smallest value read as a CV in percent: between-patient CVs of PK/PD parameters are published at 10-100%, and a
#: value just above a field's bound (iiv_variance: 5, bounded at 4) is a variance too large, not "a CV of 5%" (review33c)
MIN_CV_PERCENT = 10.0


def _cv_hint(field: str, value: float, high: float) -> str:
    """For a between-patient variability above its range that reads as a CV in percent (a paper's "CL IIV 30%"
    written 30, ux33c: :data:`MIN_CV_PERCENT` to 1000), the log-scale value the field takes; empty otherwise."""
    if value <= high or not MIN_CV_PERCENT <= value <= 1000:
        return ""
    cv = value / 100.0
    if field == "clearance_iiv_sd_log":
        return (f"; it is the SD of log clearance, not a CV in %: a CV of {value:g}% is sqrt(ln(1 + {cv:g}^2)) = "
                f"{math.sqrt(math.log1p(cv * cv)):.3g}")
    if field == "iiv_variance":
        return (f"; it is the variance of the log (omega^2, as NONMEM reports it), not a CV in %: a CV of {value:g}% "
                f"is ln(1 + {cv:g}^2) = {math.log1p(cv * cv):.3g}")
    return ""


def _value_range(loc: tuple[int | str, ...]) -> str | None:
    """A ``Value``'s number's allowed values (its field's plausible range) for an error's location."""
    if loc[-1:] != ("value",) or len(loc) < 2:
        return None
    field, low, high = _plausible_range(".".join(map(str, loc[:-1])))
    return f"the plausible range of {field}, [{low:g}, {high:g}]" if field in VALUE_RANGES else None


def _format(err: ValidationError) -> str:
    """Every problem, joined on one line (a drug set's errors are quoted inside a scenario's); a value that is no
    number (NaN, inf, text) names its field's plausible range, as one outside the range does."""
    lines = validation_problems(err, unknown_field="unknown field (see docs/drugs.md for the schema)", model=DrugSet,
                                range_of=_value_range)
    return "; ".join(field_hints(lines, err, DrugSet))


def parse_drug_set(data: object, source: str) -> DrugSet:
    if not isinstance(data, dict):
        raise DrugSetError(f"{source}: a drug set is a mapping of fields (got {type(data).__name__})")
    try:
        return DrugSet.model_validate(data)
    except ValidationError as err:
        raise DrugSetError(f"{source}: {_format(err)}") from None


def _shipped_dir() -> Path:
    return Path(str(resources.files("hemasim.pharmacology") / "drugs"))


def available_drug_sets() -> list[str]:
    """Names of the drug sets shipped with hemasim."""
    return list(_shipped_names())


@cache
def _shipped_names() -> tuple[str, ...]:  # the package's files do not change while it runs; a fit asks per build
    return tuple(sorted(p.stem for p in _shipped_dir().glob("*.yaml")))


@cache
def _load_shipped(name: str) -> DrugSet:
    return _load_file(_shipped_dir() / f"{name}.yaml")


def file_name_refusal(path: Path, what: str) -> str | None:
    """The line refusing a file of ``what`` (a drug set, a combination or conditioning regimen: a name that equals
    its file's name) whose name breaks :data:`NAME_PATTERN`, with the name to give it; None for a name that keeps
    it. No `name:` can equal such a file's name: the user was told "name must equal 'My-Drug'" or the pattern."""
    if re.fullmatch(NAME_PATTERN, path.stem):
        return None
    fixed = re.sub(r"_+", "_", re.sub(r"[^a-z0-9_]", "_", path.stem.lower())).strip("_")
    rename = f": rename the file {fixed}.yaml and write name: {fixed} in it" if re.fullmatch(NAME_PATTERN, fixed) else ""
    return (f"{path}: the file name {path.stem!r} breaks the rule of {what}'s name, which equals its file's name and "
            f"is {NAME_RULE} ({NAME_PATTERN.strip('^$')}){rename}")


def _load_file(path: Path) -> DrugSet:
    try:
        data = load_yaml_file(path, "drug set")
    except YamlInputError as err:
        raise DrugSetError(str(err)) from None
    if (other := wrong_file(data, str(path), "a drug set", "a drug set has name, drug, description, routes, "
                            "references and pk or friberg (docs/drugs.md)")) is not None:
        raise DrugSetError(other)
    if (refused := file_name_refusal(path, "a drug set")) is not None:
        raise DrugSetError(refused)
    ds = parse_drug_set(data, str(path))
    if ds.name != path.stem:
        raise DrugSetError(f"{path}: name {ds.name!r} must equal the file name {path.stem!r}")
    return ds


def load_drug_set(name_or_path: str | Path) -> DrugSet:
    """A shipped set by name (see :func:`available_drug_sets`) or a user's YAML file by path."""
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or "/" in text:
        return _load_file(Path(text))
    if text not in available_drug_sets():
        raise DrugSetError(f"unknown drug set {quoted(text)}; shipped sets: {', '.join(available_drug_sets())} "
                           "(or give the path of your own .yaml file)")
    return _load_shipped(text)


def with_kill_effect_site(ds: DrugSet, ke0_per_day: float, why: str, effects: Iterable[int] | None = None) -> DrugSet:
    """A copy of ``ds`` whose full-model kill reads an effect site of rate ``ke0_per_day`` (1/day; half-life
    ln 2 / ke0), recorded as assumed with ``why``: on every effect with a ``full_model`` block, or on those of
    ``effects`` (indices; each must have one). The one way the tests, the fits (a placeholder to be fitted) and the
    diagnostic copies (docs/kill_effect_site_record.py) put it on a set."""
    data = ds.model_dump()
    chosen = [i for i, e in enumerate(data["effects"]) if e.get("full_model") is not None] if effects is None \
        else list(effects)
    for i in chosen:
        block = data["effects"][i].get("full_model")
        if block is None:
            raise DrugSetError(f"{ds.name}: effects.{i} has no full_model block to give an effect site")
        block["ke0_per_day"] = {"value": float(ke0_per_day), "assumed": why}
    return DrugSet.model_validate(data)
