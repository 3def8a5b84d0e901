"""Shared machinery for building biology modules from parameters and derived balances."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from hemasim.biology.body import Covariates
from hemasim.model.core import Feedback, FeedbackKind, Module, Signal, Value
from hemasim.parameters import Derived, Parameter, ParameterSet

#: the parameters the builder reads as whole numbers (``BuildContext.p_count``): a value that is not whole is refused,
#: so the sensitivity screens set them to whole numbers (bench/targeted_screen.py rounds x0.5 down, as the build's
#: ``int`` did before counts were checked, which the stored screen rows were run with)
COUNT_PARAMETERS = frozenset({
    "gcsf_mobilisation_delay_stages", "rbc_age_stages", "platelet_age_stages", "erythroblast_maturation_stages",
    "megakaryocyte_maturation_stages", "neutrophil_maturation_stages", "monocyte_maturation_stages",
    "neutrophil_precursor_divisions"})

#: a count within this of a whole number (relative to the number, at least 1) is that number: a log design's x2 of 4
#: stages is exp(log 2 + log 4) = 7.999999999999998 and a grid's 1 + 19 * 7/19 is 7.999999999999999, which rounding
#: down made 7 and the whole-number check refused ("7.999999999999998 is not whole", printed as "8")
WHOLE_TOLERANCE = 1e-9


def snapped_counts(values: Any) -> np.ndarray:
    """``values`` with each one within :data:`WHOLE_TOLERANCE` of a whole number made exactly that number (the one
    whole-number rule for ``COUNT_PARAMETERS``: screens then round down, :func:`floor_counts`; user input is refused
    when still not whole, :func:`whole_count`)."""
    v = np.asarray(values, dtype=np.float64)
    whole = np.round(v)
    return np.where(np.abs(v - whole) <= WHOLE_TOLERANCE * np.maximum(1.0, np.abs(whole)), whole, v)


def floor_counts(values: Any) -> np.ndarray:
    """The screens' rule for a count at a design value: snapped (:func:`snapped_counts`), then rounded down (12.7 age
    stages run as 12, as the build's ``int`` ran them before counts were checked)."""
    return np.floor(snapped_counts(values))


def count_text(value: float) -> str:
    """``value`` printed with enough digits that a value that is not whole never reads as a whole number."""
    short = f"{value:.6g}"
    return short if not float(short).is_integer() or float(value).is_integer() else repr(float(value))


def whole_count(name: str, value: float) -> int:
    """``value`` of the count ``name`` as a whole number (snapped, :func:`snapped_counts`); a value that is not whole
    is refused (ValueError naming the parameter, the value with enough digits and the two whole numbers beside it)."""
    snapped = float(snapped_counts(value))
    if not snapped.is_integer():
        raise ValueError(f"{name}: {count_text(value)} is not a whole number, and the parameter counts stages or "
                         f"divisions (the model's shape); write a whole number ({math.floor(value)} or "
                         f"{math.ceil(value)})")
    return int(snapped)


@dataclass(frozen=True)
class LineageHandles:
    """Where interventions act on a progenitor-driven lineage (drug effects, growth factors)."""

    progenitor: str  # proliferating committed progenitor compartment
    proliferation_flow: str  # its self-renewing proliferation (rate r * k_out, times its feedback)
    proliferation_rate: Value  # 1/day at baseline, before the feedback
    feedback: str  # the homeostatic feedback on that proliferation
    input_flow: str  # MPP differentiation into the progenitor pool
    maturation_flows: tuple[str, ...]  # progenitor exit and the maturation chain, in order
    blood: tuple[str, ...] = ()  # blood compartments of the lineage
    signal: str = ""  # the signal summing the blood compartments
    dividing: tuple[tuple[str, Value], ...] = ()  # amplifying precursor stages and their division rates (1/day)
    #: the maturation flows a G-CSF speed-up multiplies (the endogenous law, a drug's maturation_speed): the flows out
    #: of the last stages of the chain only (the marrow reserve); empty: every post-mitotic flow
    speed_flows: tuple[str, ...] = ()

    @property
    def gcsf_speed_flows(self) -> tuple[str, ...]:
        """The flows a G-CSF speed-up of maturation multiplies: :attr:`speed_flows`, or the whole chain."""
        return self.speed_flows or self.maturation_flows[1:]


@dataclass(frozen=True)
class CyclingStage:
    """A stem or multipotent compartment whose cells divide: a cycle-dependent drug kills its cells in proportion
    to that division rate (lineage progenitors and precursors are in :class:`LineageHandles`)."""

    stage: str  # "long_term_stem", "short_term_stem" or "multipotent_progenitors"
    compartment: str
    division_rate: Value  # 1/day at baseline, before its feedbacks
    feedbacks: tuple[str, ...]  # feedbacks that scale that rate (niche activation, short-term expansion)
    parameters: tuple[str, ...]  # the parameters the rate is built from


@dataclass(frozen=True)
class ProgenitorSource:
    """A marrow progenitor pool that later lineages draw cells from, one differentiation event at a time."""

    compartment: str
    exit_rate_per_day: Value  # 1/day: the rate of the differentiation events a lineage's input flow counts
    residence_parameter: str  # the parameter the exit rate is built from


@dataclass(frozen=True)
class StemOutput:
    """What the stem module gives the lineages built after it (see ``stem_module``)."""

    hsc_output_per_day: Value  # cells/day leaving the HSC pool at steady state (the unit of downstream yields)
    mpp: ProgenitorSource  # multipotent progenitors: myeloid, erythroid, megakaryocytic and NK input
    clp: ProgenitorSource  # common lymphoid progenitors: B-cell precursors and thymic seeding
    clp_output_per_day: Value  # CLP differentiation events per day at steady state


@dataclass
class BuildContext:
    """What modules share while the model is assembled.

    Inputs: ``params``, ``patient``, ``blood_volume_L``, ``aging``, ``per_patient``. Records, added to by
    every module in any order: ``used`` (parameter names read), ``derived`` (the parameters computed by
    steady-state balances, listed in run outputs beside the cited ones), ``derived_values``,
    ``extra_parameters`` (brought by extensions, e.g. drug sets), ``blood_share`` (compartment -> the share of
    its cells that is in blood), ``lymphocyte_pools``. Set in order by ``healthy_human_model``: ``stem`` (after the stem module;
    reading it earlier raises) and ``lineages`` (each lineage registers its handles when built; extensions,
    which run after every healthy module, read them with :meth:`lineage`).
    """

    params: ParameterSet
    patient: Covariates
    blood_volume_L: Value
    aging: bool
    per_patient: Mapping[str, np.ndarray] = field(default_factory=dict)  # cohort: one value per patient
    used: set[str] = field(default_factory=set)
    derived: list[Parameter] = field(default_factory=list)
    blood_share: dict[str, Value] = field(default_factory=dict)
    lineages: dict[str, LineageHandles] = field(default_factory=dict)
    extra_parameters: list[Parameter] = field(default_factory=list)  # brought by extensions (drug sets)
    derived_values: dict[str, Value] = field(default_factory=dict)  # per patient where a cohort differs
    cycling_stages: list[CyclingStage] = field(default_factory=list)  # stem stages a cycle-dependent drug reaches
    #: the whole-body lymphocyte pools the blood lymphocyte counts read (lymphoid); irradiation's dying cells copy them
    lymphocyte_pools: list[str] = field(default_factory=list)
    _stem: StemOutput | None = field(default=None, init=False, repr=False)

    @property
    def stem(self) -> StemOutput:
        """The stem module's outputs (HSC output, MPP and CLP pools); set once that module is built."""
        if self._stem is None:
            raise RuntimeError("BuildContext.stem is read before the stem module was built: build stem_module "
                               "first (healthy_human_model does) and set ctx.stem to its output")
        return self._stem

    @stem.setter
    def stem(self, value: StemOutput) -> None:
        if self._stem is not None:
            raise RuntimeError("BuildContext.stem is set twice: a model has one stem module")
        self._stem = value

    def register_lineage(self, key: str, handles: LineageHandles) -> None:
        """Record where interventions act on lineage ``key`` (drug effects, growth factors); once per lineage."""
        if key in self.lineages:
            raise ValueError(f"lineage {key!r} is registered twice")
        self.lineages[key] = handles

    def lineage(self, key: str) -> LineageHandles:
        """The handles of lineage ``key``; a clear error when it was not built (yet)."""
        try:
            return self.lineages[key]
        except KeyError:
            raise KeyError(f"lineage {key!r} is not built (built: {', '.join(sorted(self.lineages)) or 'none'}); "
                           "extensions run after the healthy modules that register lineages") from None

    def p(self, name: str) -> Value:
        """A parameter's value: the per-patient array of a cohort when one is given, else the set's value."""
        self.used.add(name)
        if name in self.per_patient:
            return self.per_patient[name]
        if name in self.derived_values:  # a value the healthy model derived (extensions may read it)
            return self.derived_values[name]
        return self.params.value(name)

    def p_shared(self, name: str) -> float:
        """A parameter that must be the same for every patient of a cohort (e.g. a signal weight: the compiled
        signals are shared by all patients)."""
        value = self.p(name)
        if np.ndim(value):
            raise ValueError(f"parameter {name} must be the same for every patient of a cohort; "
                             "give it no per-patient values")
        return float(value)

    def p_count(self, name: str) -> int:
        """A parameter that counts stages or divisions (the model's shape, so shared by a cohort): a whole number,
        refused otherwise - ``int`` would silently build 15 stages from 15.99 (a scenario's ``parameters:`` reach it).
        Each such parameter is listed in ``COUNT_PARAMETERS`` (the screens set it to whole numbers)."""
        if name not in COUNT_PARAMETERS:
            raise KeyError(f"{name} is read as a count: add it to hemasim.biology.builder.COUNT_PARAMETERS")
        return whole_count(f"parameter {name}", self.p_shared(name))

    def by_sex(self, male: str, female: str) -> tuple[Value, tuple[str, ...]]:
        """The parameter that applies to each patient's sex, and the names of those used."""
        sex = np.asarray(self.patient.sex)
        if sex.ndim == 0:
            name = female if sex == "female" else male
            return self.p(name), (name,)
        return np.where(sex == "female", self.p(female), self.p(male)), (male, female)

    def derive(self, name: str, value: Value, unit: str, description: str, inputs: tuple[str, ...],
               how: str) -> Value:
        arr = np.asarray(value, dtype=np.float64)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):  # the balance cannot close
            raise ValueError(f"derived parameter {name} = {value} {unit} is invalid: the steady-state balance "
                             f"({how}) cannot close with the given inputs {inputs}")
        # a cohort records the median; each patient's own value lives in the compiled arrays. One patient's value
        # is its own median, taken as is: np.median's NaN check imports numpy.ma (~0.01 s of a fresh `hemasim run`)
        median = float(arr) if arr.ndim == 0 else float(np.median(arr))
        self.derived.append(Parameter(name, median, unit, description, Derived(inputs, how)))
        self.derived_values[name] = value
        return value


def homeostatic_feedback(name: str, signal: str, ref: Value, max_fold: Value, log_slope: Value, r: Value,
                         parameters: tuple[str, ...]) -> Feedback:
    """Feedback on a progenitor pool whose proliferation/exit ratio is r at baseline.

    The pool amplifies its input by A(g) = 1 / (1 - r g). The law g = (1+c)/(1+c(s/ref)^n) is chosen so
    that (i) A(1+c)/A(1) = max_fold when the signal vanishes and (ii) the log-sensitivity of output to
    the signal at baseline equals log_slope (Friberg's gamma):
        c = (1 - (1-r)/max_fold)/r - 1,   n = log_slope (1-r)(1+c) / (r c).
    """
    c = (1.0 - (1.0 - r) / max_fold) / r - 1.0
    n = log_slope * (1.0 - r) * (1.0 + c) / (r * c)
    return Feedback(name, FeedbackKind.HILL_RATIO, (ref, c, n), signal=signal, parameters=parameters)


def lineage_from_mpp(ctx: BuildContext, m: Module, *, key: str, label: str, production_per_day: Value,
                     progenitor_exit_rate: Value, r: Value, feedback: str, maturation_days: Value,
                     maturation_stages: int, target: str, tags: tuple[str, ...], parameters: tuple[str, ...],
                     divisions: int = 0, dividing_days: Value = 0.0, dividing_parameters: tuple[str, ...] = (),
                     maturing_tags: tuple[str, ...] = ()) -> LineageHandles:
    """Committed progenitor pool fed by MPPs, amplified under feedback, then ``divisions`` amplifying
    precursor stages (each a division: one cell in, two out, over ``dividing_days`` in all) and a
    post-mitotic maturation chain.

    Steady state: the chain passes ``production_per_day`` F; the dividing stages receive F/2^d; the
    progenitor pool P = F/(2^d kout) proliferates at r*kout*g and receives F(1-r)/2^d cells/day from MPP
    differentiation, i.e. Y = F(1-r)/(2^d HSC output) progenitors per MPP differentiation event (derived).
    Returns the lineage's handles (without its blood compartments).
    """
    stem = ctx.stem
    F = production_per_day
    into_precursors = F / 2.0**divisions
    prog = m.compartment(f"{key}_progenitor", f"{label} committed progenitors (proliferating)",
                         into_precursors / progenitor_exit_rate, "marrow", "progenitor")
    amplification = ctx.derive(
        f"{key}_progenitor_amplification", into_precursors * (1.0 - r) / stem.hsc_output_per_day, "cells/MPP event",
        f"{label} progenitors made per MPP differentiation event", ("hsc_count", "hsc_division_interval_days",
                                                                    *parameters),
        "closes the steady-state balance of the progenitor pool at the homeostatic set point")
    m.flow(f"mpp_to_{key}_progenitor", "differentiation", stem.mpp.compartment, prog, stem.mpp.exit_rate_per_day,
           consume=0.0, yield_=amplification, parameters=(stem.mpp.residence_parameter,))
    m.flow(f"{key}_progenitor_proliferation", "proliferation", prog, prog, r * progenitor_exit_rate, consume=0.0,
           feedbacks=(feedback,), parameters=("progenitor_baseline_self_renewal_ratio", *parameters))
    chain = m.chain(f"{key}_maturing", f"maturing {label} cells", maturation_stages, maturation_days,
                    F * maturation_days / maturation_stages, target, *tags, *maturing_tags, parameters=parameters)
    dividing: list[tuple[str, Value]] = []
    if divisions:
        k_div = divisions / dividing_days
        for j in range(divisions):
            d = m.compartment(f"{key}_precursor_{j + 1}", f"dividing {label} precursors, division {j + 1} of "
                              f"{divisions}", into_precursors * 2.0**j / k_div, "marrow", "precursor", *tags)
            dividing.append((d, k_div))
        for j, (d, _) in enumerate(dividing):
            nxt = dividing[j + 1][0] if j + 1 < divisions else chain[0]
            m.flow(f"{d}_division", "division", d, nxt, k_div, yield_=2.0,
                   parameters=(*dividing_parameters, *parameters))
    first = dividing[0][0] if dividing else chain[0]
    progenitor_exit = f"{key}_progenitor_to_{'precursors' if dividing else 'maturing'}"
    m.flow(progenitor_exit, "differentiation", prog, first, progenitor_exit_rate, parameters=parameters)
    return LineageHandles(
        progenitor=prog, proliferation_flow=f"{key}_progenitor_proliferation",
        proliferation_rate=r * progenitor_exit_rate, feedback=feedback, input_flow=f"mpp_to_{key}_progenitor",
        maturation_flows=(progenitor_exit, *(f"{chain[i]}_to_{chain[i + 1]}" for i in range(len(chain) - 1)),
                          f"{chain[-1]}_out"),
        dividing=tuple(dividing))


@dataclass(frozen=True)
class FeedbackLineage:
    """Parameter names of a myeloid-type lineage (progenitors under feedback from its blood count)."""

    key: str  # compartment prefix, e.g. "neutrophil"
    label: str
    blood_label: str
    setpoint: Value  # set point in blood, per litre, in units of `setpoint_scale`
    setpoint_scale: Value  # cells per unit of the set point
    setpoint_parameters: tuple[str, ...]
    blood_lifespan_days: Value  # mean residence in blood
    blood_stages: int
    blood_parameters: tuple[str, ...]
    max_fold: str
    log_slope: str
    progenitor_exit_rate: str
    maturation_days: str
    maturation_stages: str
    signal: str
    feedback: str
    tags: tuple[str, ...]
    divisions: str | None = None  # parameter: number of amplifying precursor divisions (none if None)
    dividing_days: str | None = None  # parameter: transit through the dividing precursor stages
    maturing_tags: tuple[str, ...] = ()  # extra tags of the maturation chain only


def feedback_pool(ctx: BuildContext, spec: FeedbackLineage) -> Value:
    """The lineage's blood pool at its set point, cells (the feedback's reference)."""
    return spec.setpoint * spec.setpoint_scale * ctx.blood_volume_L


def feedback_lineage_module(ctx: BuildContext, spec: FeedbackLineage) -> tuple[Module, list[str], str]:
    """Blood pool (an ageing chain), homeostatic feedback, progenitors and maturation chain.

    Registers the lineage's handles in ``ctx`` and returns the module, the blood compartment names and the
    name of the release flow into blood.
    """
    m = Module(spec.key)
    pool = feedback_pool(ctx, spec)
    r = ctx.p("progenitor_baseline_self_renewal_ratio")
    blood = m.chain(f"{spec.key}_blood", spec.blood_label, spec.blood_stages, spec.blood_lifespan_days,
                    pool / spec.blood_stages, None, "blood", *spec.tags, kind="senescence",
                    parameters=spec.blood_parameters)
    for name in blood:
        ctx.blood_share[name] = 1.0
    m.signals.append(Signal(spec.signal, dict.fromkeys(blood, 1.0)))
    fb_params = (spec.max_fold, spec.log_slope, *spec.setpoint_parameters)
    m.feedbacks.append(homeostatic_feedback(spec.feedback, spec.signal, pool, ctx.p(spec.max_fold),
                                            ctx.p(spec.log_slope), r, fb_params))
    n_mat = ctx.p_count(spec.maturation_stages)
    div_params = tuple(p for p in (spec.divisions, spec.dividing_days) if p is not None)
    handles = lineage_from_mpp(ctx, m, key=spec.key, label=spec.label, production_per_day=pool / spec.blood_lifespan_days,
                     progenitor_exit_rate=ctx.p(spec.progenitor_exit_rate), r=r, feedback=spec.feedback,
                     maturation_days=ctx.p(spec.maturation_days), maturation_stages=n_mat, target=blood[0],
                     tags=("marrow", *spec.tags), maturing_tags=spec.maturing_tags,
                     parameters=(spec.progenitor_exit_rate, spec.maturation_days, spec.maturation_stages, *fb_params),
                     divisions=ctx.p_count(spec.divisions) if spec.divisions else 0,
                     dividing_days=ctx.p(spec.dividing_days) if spec.dividing_days else 0.0,
                     dividing_parameters=div_params)
    ctx.register_lineage(spec.key, replace(handles, blood=tuple(blood), signal=spec.signal))
    return m, blood, f"{spec.key}_maturing_{n_mat}_out"
