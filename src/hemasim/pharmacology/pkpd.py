"""A drug set turned into model pieces: PK compartments and the drug's effects on lineages.

Amounts are in micrograms and concentrations in ug/L (= ng/mL); time is in days (the set's
per-hour values are converted here, at the edge). The equations are in docs/drugs.md.

Compartments of drug ``d``: ``d_depot`` (subcutaneous/oral doses; F is applied at dosing),
``d_central``, ``d_peripheral_k``, ``d_infusion_rate`` (a control state in ug/day, set by infusion
events, that feeds the central compartment at that rate) and ``d_auc`` (cumulative exposure,
ug*day/L). Effects follow Friberg 2002: a proliferation effect E removes E times the progenitors'
proliferation flux (so net proliferation is multiplied by 1 - E and E > 1 kills). In the full model a linear
proliferation effect with a ``full_model`` block kills E x (division rate) x cells in every cycling compartment
it names, stem stages included, with its own fitted slope (docs/chemotherapy_full_model.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from hemasim.biology.body import body_surface_area_m2
from hemasim.biology.builder import BuildContext, LineageHandles
from hemasim.biology.myeloid import endogenous_steady_state
from hemasim.model.core import Feedback, FeedbackKind, Module, Observable, Signal, Value
from hemasim.pharmacology.dosing import drug_state_names
from hemasim.pharmacology.drug_sets import (
    HOURS_PER_DAY,
    DrugSet,
    Effect,
    EndogenousLigand,
    FullModelKill,
    NeutrophilMediatedClearance,
    SaturableElimination,
    SaturablePeripheral,
)
from hemasim.pharmacology.drug_sets import Value as DrugValue  # a set's number with its provenance

__all__ = ["DrugExposure", "drug_state_names", "emax_for_fold_over_rest", "emax_law", "endogenous_steady_state",
           "shared_receptor_factor", "stimulation_over_rest"]

_T = TypeVar("_T")
#: records a drug-set value as a parameter of the run (path, value, unit, description) and returns the value
_Recorder = Callable[[str, float, str, str], float]


@dataclass(frozen=True)
class DrugExposure:
    """The PK/PD of one drug set as a :class:`~hemasim.biology.ModelExtension` of the healthy model."""

    drug_set: DrugSet
    #: only the effects on these lineages (None: all); the Friberg chain of one lineage passes its own
    lineages: tuple[str, ...] | None = None
    #: per-patient values of the set's values for a cohort, by dotted path (e.g. between-patient drug sensitivity)
    per_patient: Mapping[str, np.ndarray] = field(default_factory=dict, hash=False, compare=False)

    @property
    def drug(self) -> str:
        return self.drug_set.drug

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        ds = self.drug_set
        if ds.pk is None:
            raise ValueError(f"drug set {ds.name!r} has no PK model and cannot be dosed: {ds.pk_missing_reason}")
        pk = ds.pk
        d = ds.drug
        names = drug_state_names(d)
        m = Module(f"pkpd_{d}")

        unknown = sorted(set(self.per_patient) - {p for p, _ in ds.values_with_paths()})
        if unknown:
            raise ValueError(f"drug set {ds.name!r} has no value at {', '.join(unknown)} (per_patient)")

        def rec(path: str, value: float, unit: str, description: str) -> float:
            value = self.per_patient.get(path, value)  # type: ignore[assignment]  # an array for a cohort
            ctx.extra_parameters.append(ds.parameter(path, float(np.median(value)), unit, description))
            return value

        def pname(path: str) -> str:
            return f"{ds.name}__{path.replace('.', '_')}"

        v1 = rec("pk.central_volume_L", pk.central_volume_L.value, "L", f"{d} central volume")
        linear_clearance = self._linear_clearance(ctx, rec)
        central = m.compartment(names["central"], f"{d} amount in the central compartment (ug)", 0.0, "drug")
        rate_state = m.compartment(names["infusion_rate"], f"{d} infusion rate (ug/day), set by infusion events",
                                   0.0, "drug_control")
        auc = m.compartment(names["auc"], f"{d} cumulative central exposure (ug*day/L)", 0.0, "drug_exposure")
        m.flow(f"{d}_infusion", "administration", rate_state, central, 1.0, consume=0.0)
        if linear_clearance is not None:  # absent when elimination is saturable only
            cl_L_per_day, cl_param = linear_clearance
            m.flow(f"{d}_elimination", "elimination", central, None, cl_L_per_day / v1,
                   parameters=(pname(cl_param), pname("pk.central_volume_L")))
        m.flow(f"{d}_exposure", "exposure", central, auc, 1.0 / v1, consume=0.0,
               parameters=(pname("pk.central_volume_L"),))
        for k, per in enumerate(pk.peripheral, start=1):
            vp = rec(f"pk.peripheral.{k - 1}.volume_L", per.volume_L.value, "L", f"{d} peripheral volume {k}")
            q = rec(f"pk.peripheral.{k - 1}.intercompartmental_clearance_L_per_h",
                    per.intercompartmental_clearance_L_per_h.value, "L/h",
                    f"{d} intercompartmental clearance {k}") * HOURS_PER_DAY
            p = m.compartment(f"{d}_peripheral_{k}", f"{d} amount in peripheral compartment {k} (ug)", 0.0, "drug")
            used = (pname(f"pk.peripheral.{k - 1}.volume_L"),
                    pname(f"pk.peripheral.{k - 1}.intercompartmental_clearance_L_per_h"))
            m.flow(f"{d}_distribution_{k}", "distribution", central, p, q / v1, parameters=used)
            m.flow(f"{d}_redistribution_{k}", "distribution", p, central, q / vp, parameters=used)
        if pk.absorption is not None:
            ka = rec("pk.absorption.rate_per_h", pk.absorption.rate_per_h.value, "1/h",
                     f"{d} first-order absorption rate") * HOURS_PER_DAY
            rec("pk.absorption.bioavailability", pk.absorption.bioavailability.value, "1", f"{d} bioavailability")
            depot = m.compartment(names["depot"], f"{d} amount at the absorption site (ug)", 0.0, "drug")
            m.flow(f"{d}_absorption", "absorption", depot, central, ka,
                   parameters=(pname("pk.absorption.rate_per_h"), pname("pk.absorption.bioavailability")))
        conc = f"{d}_concentration"
        m.signals.append(Signal(conc, {central: 1.0 / v1}))
        if pk.saturable_peripheral is not None:
            self._saturable_peripheral(m, pk.saturable_peripheral, central, conc, v1, rec, pname)
        if pk.saturable_elimination is not None:
            self._saturable_elimination(m, pk.saturable_elimination, central, conc, v1, rec, pname)
        mw = rec("molar_mass_g_per_mol", ds.molar_mass_g_per_mol.value, "g/mol", f"{d} molar mass")
        if pk.neutrophil_mediated_clearance is not None:
            self._receptor_clearance(ctx, m, pk.neutrophil_mediated_clearance, central, conc, mw, rec, pname)
        shared: tuple[str, str] | None = None
        if ds.endogenous_ligand is not None:
            shared = self._endogenous_ligand(ctx, m, ds.endogenous_ligand, central, v1, rec, pname)
        m.observables += [
            Observable(f"{d}_concentration_ng_per_mL", "ng/mL", f"{d} plasma concentration", {central: 1.0 / v1}),
            Observable(f"{d}_auc_ng_h_per_mL", "ng*h/mL", f"{d} cumulative exposure (AUC from the start)",
                       {auc: HOURS_PER_DAY}),
        ]
        extra: dict[str, tuple[str, ...]] = {}
        for i, eff in enumerate(ds.effects):
            if self.lineages is not None:
                kept = [lin for lin in eff.lineages if lin in self.lineages]
                if not kept:
                    continue
                eff = eff.model_copy(update={"lineages": kept})
            self._effect(ctx, m, extra, i, eff, conc, mw, rec, pname, shared, central, v1)
        return m, extra

    # ------------------------------------------------------------------------------------------ pieces
    def _linear_clearance(self, ctx: BuildContext, rec: _Recorder) -> tuple[float | np.ndarray, str] | None:
        """The linear clearance (L/day) for the patient (one per patient of a cohort when it scales with body
        surface area) and the path of its value; None without one."""
        pk = self.drug_set.pk
        assert pk is not None  # extend() refuses a set without PK
        d = self.drug
        if pk.clearance_L_per_h_per_m2 is not None:
            cl_m2 = rec("pk.clearance_L_per_h_per_m2", pk.clearance_L_per_h_per_m2.value, "L/h/m2",
                        f"{d} clearance per m2 body surface area")
            return cl_m2 * body_surface_area_m2(ctx.patient) * HOURS_PER_DAY, "pk.clearance_L_per_h_per_m2"
        if pk.clearance_L_per_h is not None:
            return rec("pk.clearance_L_per_h", pk.clearance_L_per_h.value, "L/h", f"{d} clearance") * HOURS_PER_DAY, \
                "pk.clearance_L_per_h"
        return None

    def _receptor_clearance(self, ctx: BuildContext, m: Module, nmc: NeutrophilMediatedClearance, central: str,
                            conc: str, mw: float, rec: _Recorder, pname: Callable[[str], str]) -> None:
        """flux = k_int * R * A / (K_d + C), R = receptors per ANC * ANC (ug/L of drug-equivalent)."""
        d = self.drug
        base = "pk.neutrophil_mediated_clearance."
        kint = rec(base + "internalisation_rate_per_h", nmc.internalisation_rate_per_h.value, "1/h",
                   f"{d} receptor internalisation rate") * HOURS_PER_DAY
        kd = rec(base + "dissociation_constant_nmol_per_L", nmc.dissociation_constant_nmol_per_L.value, "nmol/L",
                 f"{d} receptor dissociation constant") * mw * 1e-3  # nmol/L -> ug/L
        r_per_anc = rec(base + "receptors_nmol_per_L_per_anc_1e9_per_L",
                        nmc.receptors_nmol_per_L_per_anc_1e9_per_L.value, "nmol/L per 1e9/L",
                        f"{d} receptor concentration per circulating neutrophil count") * mw * 1e-3
        h = ctx.lineage("neutrophil")
        anc_per_cell = ctx.p("neutrophil_circulating_fraction") / (ctx.blood_volume_L * 1e9)
        used = tuple(pname(base + n) for n in ("internalisation_rate_per_h", "dissociation_constant_nmol_per_L",
                                               "receptors_nmol_per_L_per_anc_1e9_per_L"))
        m.feedbacks += [
            Feedback(f"{d}_receptor_capacity", FeedbackKind.LINEAR, (kint * r_per_anc / kd * anc_per_cell,),
                     signal=h.signal, parameters=used),
            Feedback(f"{d}_receptor_saturation", FeedbackKind.EMAX, (-1.0, kd, 1.0), signal=conc, parameters=used),
        ]
        m.flow(f"{d}_receptor_clearance", "elimination", central, None, 1.0,
               feedbacks=(f"{d}_receptor_capacity", f"{d}_receptor_saturation"), parameters=used)

    def _endogenous_ligand(self, ctx: BuildContext, m: Module, el: EndogenousLigand, central: str, v1: float,
                           rec: _Recorder, pname: Callable[[str], str]) -> tuple[str, str]:
        """The endogenous ligand G (ng/mL) by Quartino 2014's turnover dG/dt = k_in - (k_e + k_ANC ANC) G, started at
        its steady state for the set-point ANC; returns the signals of G and of the total G + C."""
        d = self.drug
        base = "endogenous_ligand."
        g_ref = rec(base + "baseline_ng_per_mL", el.baseline_ng_per_mL.value, "ng/mL",
                    f"endogenous {d} concentration at the reference ANC")
        anc_ref = rec(base + "reference_anc_1e9_per_L", el.reference_anc_1e9_per_L.value, "1e9/L",
                      f"ANC at which the endogenous {d} concentration is the baseline")
        names = ("gcsf_renal_elimination_rate_per_h", "gcsf_neutrophil_elimination_rate_per_h_per_anc")
        ke, k_anc = (ctx.p(n) * HOURS_PER_DAY for n in names)  # 1/day, 1/day per 1e9/L
        k_in = g_ref * (ke + k_anc * anc_ref)  # ng/mL/day
        used = (pname(base + "baseline_ng_per_mL"), pname(base + "reference_anc_1e9_per_L"), *names)
        g = m.compartment(f"{d}_endogenous", f"endogenous {d} concentration (ng/mL; Quartino 2014 turnover)",
                          endogenous_steady_state(g_ref, anc_ref, ke, k_anc, ctx.p("anc_setpoint_1e9_per_L")), "drug")
        h = ctx.lineage("neutrophil")
        anc_per_cell = ctx.p("neutrophil_circulating_fraction") / (ctx.blood_volume_L * 1e9)
        m.feedbacks.append(Feedback(f"{d}_endogenous_neutrophil_clearance", FeedbackKind.LINEAR,
                                    (k_anc * anc_per_cell,), signal=h.signal,
                                    parameters=(*used, "neutrophil_circulating_fraction")))
        m.flow(f"{d}_endogenous_production", "production", None, g, k_in, parameters=used)
        m.flow(f"{d}_endogenous_renal_elimination", "elimination", g, None, ke, parameters=used)
        m.flow(f"{d}_endogenous_neutrophil_elimination", "elimination", g, None, 1.0,
               feedbacks=(f"{d}_endogenous_neutrophil_clearance",), parameters=used)
        endo, total = f"{d}_endogenous_concentration", f"{d}_total_concentration"
        m.signals += [Signal(endo, {g: 1.0}), Signal(total, {central: 1.0 / v1, g: 1.0})]
        m.observables.append(Observable(f"{d}_endogenous_ng_per_mL", "ng/mL", f"endogenous {d} concentration",
                                        {g: 1.0}))
        return endo, total

    def _saturable_elimination(self, m: Module, se: SaturableElimination, central: str, conc: str, v1: float,
                               rec: _Recorder, pname: Callable[[str], str]) -> None:
        """flux = Vmax C / (Km + C), written as (Vmax / (Km V1)) A1 * Km / (Km + C)."""
        d = self.drug
        base = "pk.saturable_elimination."
        vmax = rec(base + "vmax_ug_per_h", se.vmax_ug_per_h.value, "ug/h", f"{d} maximal elimination rate") \
            * HOURS_PER_DAY
        km = rec(base + "km_ng_per_mL", se.km_ng_per_mL.value, "ng/mL", f"{d} half-saturating concentration of "
                 "elimination")
        used = (pname(base + "vmax_ug_per_h"), pname(base + "km_ng_per_mL"), pname("pk.central_volume_L"))
        m.feedbacks.append(Feedback(f"{d}_elimination_saturation", FeedbackKind.EMAX, (-1.0, km, 1.0), signal=conc,
                                    parameters=used))
        m.flow(f"{d}_saturable_elimination", "elimination", central, None, vmax / (km * v1),
               feedbacks=(f"{d}_elimination_saturation",), parameters=used)

    def _saturable_peripheral(self, m: Module, sp: SaturablePeripheral, central: str, conc: str, v1: float,
                              rec: _Recorder, pname: Callable[[str], str]) -> None:
        """Transfer Vmax C / (Km + C) out of the central compartment and Vmax Cp / (Km + Cp) back."""
        d = self.drug
        base = "pk.saturable_peripheral."
        vp = rec(base + "volume_L", sp.volume_L.value, "L", f"{d} saturable peripheral volume")
        vmax = rec(base + "vmax_ug_per_h", sp.vmax_ug_per_h.value, "ug/h", f"{d} maximal saturable transfer rate") \
            * HOURS_PER_DAY
        km = rec(base + "km_ng_per_mL", sp.km_ng_per_mL.value, "ng/mL", f"{d} half-saturating concentration of the "
                 "saturable transfer")
        used = tuple(pname(base + n) for n in ("volume_L", "vmax_ug_per_h", "km_ng_per_mL")) \
            + (pname("pk.central_volume_L"),)
        p = m.compartment(f"{d}_saturable_peripheral", f"{d} amount in the saturable peripheral compartment (ug)",
                          0.0, "drug")
        p_conc = f"{d}_saturable_peripheral_concentration"
        m.signals.append(Signal(p_conc, {p: 1.0 / vp}))
        m.feedbacks += [
            Feedback(f"{d}_transfer_out_saturation", FeedbackKind.EMAX, (-1.0, km, 1.0), signal=conc, parameters=used),
            Feedback(f"{d}_transfer_back_saturation", FeedbackKind.EMAX, (-1.0, km, 1.0), signal=p_conc,
                     parameters=used),
        ]
        m.flow(f"{d}_saturable_distribution", "distribution", central, p, vmax / (km * v1),
               feedbacks=(f"{d}_transfer_out_saturation",), parameters=used)
        m.flow(f"{d}_saturable_redistribution", "distribution", p, central, vmax / (km * vp),
               feedbacks=(f"{d}_transfer_back_saturation",), parameters=used)

    def _effect(self, ctx: BuildContext, m: Module, extra: dict[str, tuple[str, ...]], i: int, eff: Effect,
                conc: str, mw: float, rec: _Recorder, pname: Callable[[str], str],
                shared: tuple[str, str] | None, central: str, v1: Value) -> None:
        d = self.drug
        base = f"effects.{i}."
        full = eff.full_model if ctx.cycling_stages else None  # the stem module is built: the full model
        if full is not None:
            self._full_model_kill(ctx, m, i, eff, full, conc, mw, rec, pname, central, v1)
            return
        if eff.full_model is not None and eff.slope_L_per_umol is None:
            return  # a full-model kill without a published chain (AC) has no law outside the full model
        if eff.model == "linear":
            slope = rec(base + "slope_L_per_umol", _required(eff.slope_L_per_umol, base + "slope_L_per_umol").value,
                        "L/umol", f"{d} effect slope on {eff.acts_on}")
            law: tuple[FeedbackKind, tuple[Value, ...]] = (FeedbackKind.LINEAR, (slope / mw,))  # ug/L -> umol/L
            used: tuple[str, ...] = (pname(base + "slope_L_per_umol"),)
        else:
            emax = rec(base + "emax", _required(eff.emax, base + "emax").value, "1",
                       f"{d} maximal effect on {eff.acts_on}")
            hill = rec(base + "hill", _required(eff.hill, base + "hill").value, "1",
                       f"{d} Hill coefficient on {eff.acts_on}")
            ec50, ec_name = _ec50_ng_per_mL(eff, base, mw, lambda path, v, unit: rec(path, v, unit,
                                                                                   f"{d} EC50 on {eff.acts_on}"))
            law = (FeedbackKind.EMAX, (emax, ec50, hill))
            used = (pname(base + "emax"), pname(base + ec_name), pname(base + "hill"))
        fb = f"{d}_effect_{i}_{eff.acts_on}"
        kind, params = law
        # a proliferation effect enters a kill flow as E itself; the others multiply flows by 1 + E
        offset = -1.0 if kind == FeedbackKind.EMAX and eff.acts_on == "proliferation" else 0.0
        if kind == FeedbackKind.LINEAR and eff.acts_on != "proliferation":
            offset = 1.0
        fbs: tuple[str, ...] = (fb,)
        if shared is not None:  # S(G + C) / S(G): the law on the total, over the endogenous ligand's own part
            endo, total = shared
            e, k, n = params  # the schema admits emax stimulation only with an endogenous ligand
            m.feedbacks.append(Feedback(fb, kind, params, signal=total, parameters=used))
            # 1 / S(G) = 1 + E' G^h / (K'^h + G^h) with E' = -E / (1 + E), K' = K / (1 + E)^(1/h): an Emax law too
            m.feedbacks.append(Feedback(fb + "_endogenous_share", FeedbackKind.EMAX,
                                        (-e / (1.0 + e), k / (1.0 + e) ** (1.0 / n), n), signal=endo, parameters=used))
            fbs = (fb, fb + "_endogenous_share")
        else:
            m.feedbacks.append(Feedback(fb, kind, params, signal=conc, offset=offset, parameters=used))
        for lineage in eff.lineages:
            h = ctx.lineage(lineage)
            if eff.acts_on == "proliferation":  # every dividing compartment of the lineage
                _kill_lineage(m, d, h, lineage, fb, used)
            elif eff.acts_on == "production":
                _add(extra, [h.input_flow], *fbs)
            else:  # maturation speed: the post-mitotic chain or its reserve (not the proliferating pool's exit)
                _add(extra, h.gcsf_speed_flows, *fbs)
                if eff.divisions:  # and the dividing precursors' divisions (full model)
                    _add(extra, [f"{comp}_division" for comp, _ in h.dividing], *fbs)

    def _full_model_kill(self, ctx: BuildContext, m: Module, i: int, eff: Effect, full: FullModelKill, conc: str,
                         mw: float, rec: _Recorder, pname: Callable[[str], str], central: str, v1: Value) -> None:
        """Cycle-dependent kill in the full model: every compartment of ``full.stages`` loses E x (its division
        rate) x cells per day, E = slope x C (umol/L), or slope x Ce with an effect site (``full.ke0_per_day``);
        see docs/chemotherapy_full_model.md."""
        d = self.drug
        path = f"effects.{i}.full_model.slope_L_per_umol"
        slope = rec(path, full.slope_L_per_umol.value, "L/umol",
                    f"{d} kill per division in the full model (E = slope x C)")
        used: tuple[str, ...] = (pname(path),)
        if full.ke0_per_day is not None:
            conc, used = self._kill_effect_site(m, i, full.ke0_per_day, central, v1, rec, pname, used)
        # the source's published (chain) slope is not used here, but the full-model slope was fitted to the course
        # it drives: recorded so that the run cites the published model behind the fitted value (a set without a
        # chain, fitted on clinical figures, has none)
        if eff.slope_L_per_umol is not None:
            rec(f"effects.{i}.slope_L_per_umol", eff.slope_L_per_umol.value,
                "L/umol", f"{d} published chain slope, whose typical course the full-model slope was fitted to")
        fb = f"{d}_effect_{i}_full_model_kill"
        m.feedbacks.append(Feedback(fb, FeedbackKind.LINEAR, (slope / mw,), signal=conc, parameters=used))
        stages = set(full.stages)
        for lineage in full.lineages:
            _kill_lineage(m, d, ctx.lineage(lineage), lineage, fb, used,
                          progenitors="committed_progenitors" in stages,
                          precursors="dividing_precursors" in stages)
        for stage in ctx.cycling_stages:
            if stage.stage in stages:
                m.flow(f"{d}_kill_{stage.compartment}", "drug_kill", stage.compartment, None, stage.division_rate,
                       feedbacks=(*stage.feedbacks, fb), parameters=(*used, *stage.parameters))

    def _kill_effect_site(self, m: Module, i: int, ke0_value: DrugValue, central: str, v1: Value, rec: _Recorder,
                          pname: Callable[[str], str], used: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
        """The kill's effect site: a state Ce (ug/L) with dCe/dt = ke0 (C - Ce), fed from the central amount without
        taking from it (the effect site holds no drug mass, as in a PK/PD effect compartment). Returns the signal
        of Ce and the parameters the kill now uses."""
        d = self.drug
        path = f"effects.{i}.full_model.ke0_per_day"
        ke0 = rec(path, ke0_value.value, "1/day", f"{d} effect-site rate of the full-model kill (half-life ln 2 / ke0)")
        used = (*used, pname(path), pname("pk.central_volume_L"))
        site = m.compartment(f"{d}_kill_effect_site_{i}", f"{d} effect-site concentration of the full-model kill "
                             "(ug/L; dCe/dt = ke0 (C - Ce))", 0.0, "drug")
        m.flow(f"{d}_kill_effect_site_{i}_uptake", "distribution", central, site, ke0 / v1, consume=0.0,
               parameters=used)
        m.flow(f"{d}_kill_effect_site_{i}_loss", "elimination", site, None, ke0, parameters=used)
        signal = f"{d}_kill_effect_site_{i}_concentration"
        m.signals.append(Signal(signal, {site: 1.0}))
        m.observables.append(Observable(f"{d}_kill_effect_site_{i}_ng_per_mL", "ng/mL",
                                        f"{d} effect-site concentration of the full-model kill", {site: 1.0}))
        return signal, used


def emax_law(x: Value, emax: Value, ec50: Value, hill: Value) -> Value:
    """An Emax effect's factor S(x) = 1 + E x^h / (EC50^h + x^h) at concentration x (EC50's unit)."""
    return 1.0 + emax * x**hill / (ec50**hill + x**hill)


def shared_receptor_factor(g: Value, c: Value, emax: Value, ec50: Value, hill: Value) -> Value:
    """S(G + C) / S(G): what a drug at C adds on a flow when it shares the receptor with the endogenous ligand at G
    (1 at C = 0; S(C) at G = 0, a drug alone)."""
    return emax_law(g + c, emax, ec50, hill) / emax_law(g, emax, ec50, hill)


def emax_for_fold_over_rest(fold: float, g0: float, ec50: float, hill: float) -> float:
    """The inverse of :func:`stimulation_over_rest`: the E_max whose saturating fold over the resting ligand G0 is
    ``fold``, (F - 1) / (1 - F G0^h / (EC50^h + G0^h)); inf where no E_max reaches it."""
    share = fold * g0**hill / (ec50**hill + g0**hill)
    return (fold - 1.0) / (1.0 - share) if share < 1.0 else math.inf


def stimulation_over_rest(ds: DrugSet, effect: int, ke_per_h: float, k_anc_per_h: float, anc: float) -> float:
    """The largest fold a saturating dose of ``ds`` gives effect ``effect`` over the resting state at ``anc``: 1 + E
    for a drug alone; (1 + E) / S(G0) where it shares its receptor with an endogenous ligand at its resting G0."""
    eff = ds.effects[effect]
    emax = _required(eff.emax, f"effects.{effect}.emax").value
    el = ds.endogenous_ligand
    if el is None:
        return 1.0 + emax
    g0 = float(endogenous_steady_state(el.baseline_ng_per_mL.value, el.reference_anc_1e9_per_L.value, ke_per_h,
                                       k_anc_per_h, anc))
    k, _ = _ec50_ng_per_mL(eff, f"effects.{effect}.", ds.molar_mass_g_per_mol.value, lambda _path, v, _unit: v)
    h = _required(eff.hill, f"effects.{effect}.hill").value
    return float((1.0 + emax) / emax_law(g0, emax, k, h))


def _ec50_ng_per_mL(eff: Effect, base: str, mw: float, record: Callable[[str, float, str], float]) -> tuple[float, str]:
    """An Emax effect's EC50 in ng/mL (one given in nmol/L through the molar mass ``mw``, g/mol) and the name of
    the field it was given in; ``record`` sees that field's (path, value, unit) and returns the value to use."""
    if eff.ec50_ng_per_mL is not None:
        return record(base + "ec50_ng_per_mL", eff.ec50_ng_per_mL.value, "ng/mL"), "ec50_ng_per_mL"
    nmol = record(base + "ec50_nmol_per_L", _required(eff.ec50_nmol_per_L, base + "ec50_nmol_per_L").value, "nmol/L")
    return nmol * mw * 1e-3, "ec50_nmol_per_L"  # nmol/L -> ug/L


def _kill_lineage(m: Module, drug: str, h: LineageHandles, lineage: str, fb: str, used: tuple[str, ...],
                  progenitors: bool = True, precursors: bool = True) -> None:
    """Kill flows E x (division rate) x cells on a lineage's proliferating progenitors and dividing precursors."""
    if progenitors:
        m.flow(f"{drug}_kill_{lineage}_progenitors", "drug_kill", h.progenitor, None, h.proliferation_rate,
               feedbacks=(h.feedback, fb), parameters=used)
    if precursors:
        for comp, division_rate in h.dividing:
            m.flow(f"{drug}_kill_{comp}", "drug_kill", comp, None, division_rate, feedbacks=(fb,), parameters=used)


def _required(value: _T | None, path: str) -> _T:
    """A field the drug-set schema guarantees for this model choice (validated on load); None is a bug."""
    if value is None:
        raise ValueError(f"drug set field {path} is missing (the schema should have refused the set)")
    return value


def _add(extra: dict[str, tuple[str, ...]], flows: Iterable[str], *fbs: str) -> None:
    for f in flows:
        extra[f] = extra.get(f, ()) + fbs
