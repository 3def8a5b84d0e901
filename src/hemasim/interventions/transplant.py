"""``kind: transplant`` - a stem-cell graft: its events, the graft's lodging stage, and the engraftment,
immune-recovery and chimerism endpoints."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field, model_validator

from hemasim.biology.lymphoid import child_lymphocyte_factor
from hemasim.biology.origins import DONOR, origin_name
from hemasim.biology.transplant import GraftLodging, Transplant
from hemasim.clinical_thresholds import thresholds_over_run
from hemasim.endpoints import (
    DID_NOT_FALL,
    UNDECIDED_SUFFIX,
    reads_on_day,
    recovery_days,
    value_before_day,
    value_on_day,
)
from hemasim.events import Event
from hemasim.interventions.base import (
    AfterRunEndColumn,
    EndpointColumn,
    EndpointContext,
    EndpointFamily,
    EventContext,
    ExtensionOrder,
    ExtensionRequest,
    InterventionSpec,
    NotedColumn,
    ReportSection,
    ScenarioFacts,
    register,
)
from hemasim.interventions.conditioning import ConditioningSpec
from hemasim.model.compiled import CompiledModel
from hemasim.model.laws import DAYS_PER_YEAR
from hemasim.model.sbml_events import Assignment, number, sbml_event_form
from hemasim.parameters.core import ParameterSet
from hemasim.parameters.graft_t_cells import default_cd3_per_kg, defaults_text

if TYPE_CHECKING:
    from hemasim.simulation import Result

__all__ = ["ANC_AGAIN_DECIDED_DAYS", "CORD_SOURCES", "TRANSPLANT_OBSERVABLES", "TransplantSpec",
           "autograft_before_allograft", "chimerism_after", "chimerism_graft_day", "NaiveCd4Endpoints", "first_insult_or_graft_day",
           "graft_day", "next_insult_day", "transplant_endpoint_values"]

CORD_SOURCES = ("cord_blood", "double_cord_blood")


@register
class TransplantSpec(InterventionSpec):
    """A stem-cell graft on ``day``: source, CD34+ and CD3+ doses per kg of the recipient."""

    kind: Literal["transplant"]
    day: float = Field(ge=0)
    source: Literal["bone_marrow", "peripheral_blood", "cord_blood", "double_cord_blood"]
    donor: Literal["allogeneic", "autologous"] = "allogeneic"
    cd34_per_kg: float | None = Field(default=None, gt=0, le=1e8,
                                      description="CD34+ cells per kg of recipient (typical 1e5-2e7)")
    tnc_per_kg: float | None = Field(
        default=None, gt=0, le=1e10, description="cord blood only: total nucleated cells per kg of recipient "
        "(typical 1e7-6e7), converted to CD34+ cells with the cited CD34+/TNC ratio of cord units")
    product: Literal["collected"] | None = Field(
        default=None, description="collected: the cells of the scenario's earlier apheresis sessions (the dose is "
        "what they collected; give no cd34_per_kg)")
    cd3_per_kg: float | None = Field(default=None, ge=0, le=5e9,
                                     description="CD3+ cells per kg (0: T-cell depleted); default by source and "
                                     f"donor ({defaults_text()})")
    stochastic_engraftment: bool = Field(
        default=False, description="draw the numbers of engrafting stem and progenitor cells (Poisson, from the "
        "scenario's seed): small grafts can fail by chance")

    makes_chimeric = True

    @model_validator(mode="after")
    def _one_dose(self) -> TransplantSpec:
        if sum(d is not None for d in (self.cd34_per_kg, self.tnc_per_kg, self.product)) != 1:
            raise ValueError("give exactly one of cd34_per_kg or product: collected, or tnc_per_kg for a cord-blood "
                             "graft")
        if self.tnc_per_kg is not None and self.source not in CORD_SOURCES:
            raise ValueError(f"tnc_per_kg doses cord-blood grafts only (source {self.source}: give cd34_per_kg; "
                             "the CD34+ share of nucleated cells differs too much between marrow and blood products)")
        return self

    def cd34_dose_per_kg(self, parameters: ParameterSet) -> float:
        """The graft's CD34+ cells per kg: given, or its nucleated cells times the CD34+/TNC ratio of cord units."""
        if self.tnc_per_kg is not None:
            return self.tnc_per_kg * parameters.value("cord_blood_cd34_per_tnc")
        assert self.cd34_per_kg is not None  # _one_dose (a collected product has no dose of its own)
        return self.cd34_per_kg

    #: the key immunosuppression and DLI give the same table (interventions.chimerism): a scenario shows it once
    report_section = ReportSection("lineage_chimerism", lambda result: _lineage_chimerism_section(result))

    @classmethod
    def endpoint_family(cls, interventions: Sequence[InterventionSpec]) -> EndpointFamily | None:
        day = graft_day(interventions)
        return TransplantEndpoints(day, next_insult_day(interventions, day)) if day is not None else None

    @property
    def last_day(self) -> float:
        return self.day

    def cd3(self) -> float:
        """The graft's CD3+ cells per kg: given, or the default of its source and donor type (graft_t_cells)."""
        return default_cd3_per_kg(self.source, self.donor) if self.cd3_per_kg is None else self.cd3_per_kg

    def check_in(self, facts: ScenarioFacts, index: int) -> None:
        if self.product == "collected" and not any(getattr(o, "kind", None) == "apheresis" and o.day < self.day
                                                   for o in facts.interventions):
            raise ValueError(f"interventions.{index}.product: a graft of the collected product needs an apheresis "
                             f"before it (day {self.day:g})")
        for j, other in enumerate(facts.interventions):
            if isinstance(other, ConditioningSpec) and other.start_day <= self.day < other.graft_day:
                # the clinic's "graft on day 0" written beside conditioning from day 0 (firsthour27): say the day
                raise ValueError(f"interventions.{index}.day: the graft (day {self.day:g}) comes before conditioning "
                                 f"interventions.{j} ({other.regimen}, from day {other.start_day:g}) allows it: give "
                                 f"it on day {other.graft_day:g}, the clinic's day 0 (days count from the run's start; "
                                 "docs/getting_started.md, Days)")

    def extension_requests(self) -> list[ExtensionRequest]:
        return [ExtensionRequest(ExtensionOrder.GRAFT_LODGING, ("graft", "lodging"), GraftLodging)]

    def to_events(self, ctx: EventContext) -> list[Event]:
        w = np.asarray(ctx.covariates.weight_kg, dtype=np.float64)
        params = ctx.parameters
        # cord-blood CD34+ cells repopulate more per cell than adult ones: their long-term content (engrafting HSCs,
        # short-term repopulating cells) counts cord_blood_cd34_potency_fold adult CD34+ cells; their committed
        # first-wave content is the mobilised-blood value x cord_blood_committed_content_fold (equal clonogenicity)
        cord = self.source in CORD_SOURCES
        potency = params.value("cord_blood_cd34_potency_fold") if cord else 1.0
        committed = params.value("cord_blood_committed_content_fold") if cord else 1.0
        if self.product == "collected":  # the dose is read from the product when the graft is given
            from hemasim.biology.mobilisation import CollectedProductTransplant

            return [CollectedProductTransplant(self.day, 0.0, self.cd3() * w, params.value("engrafting_hsc_per_cd34"),
                                               params.value("graft_short_term_units_per_cd34"),
                                               params.value("graft_st_hspc_per_cd34"),
                                               autologous=self.donor == "autologous",
                                               stochastic=self.stochastic_engraftment)]
        return [Transplant(self.day, self.cd34_dose_per_kg(params) * w, self.cd3() * w,
                           params.value("engrafting_hsc_per_cd34") * potency,
                           params.value("graft_short_term_units_per_cd34") * committed,
                           params.value("graft_st_hspc_per_cd34") * potency,
                           naive_t_only=self.source in CORD_SOURCES,
                           autologous=self.donor == "autologous", stochastic=self.stochastic_engraftment)]


def _lineage_chimerism_section(result: Result) -> str | None:
    """The lineage chimerism table (donor % of T cells and myeloid cells on the usual days after the graft) of
    a scenario with an allogeneic graft, as immunosuppression and DLI scenarios have it: an allogeneic graft
    without them showed chimerism only as rows deep in the endpoint table. None after autologous grafts alone
    (their "donor" cells are the patient's own re-infused ones)."""
    from hemasim.interventions.chimerism import lineage_chimerism_section  # it imports graft_day from here

    return lineage_chimerism_section(result) if has_lineage_chimerism(result) else None


def has_lineage_chimerism(result: Result) -> bool:
    """Whether a run's report gives lineage chimerism (its table, and day 100's in the key results): a scenario with
    an allogeneic graft, immunosuppression or a DLI."""
    spec = result.record.scenario
    return spec is not None and any((isinstance(iv, TransplantSpec) and iv.donor == "allogeneic")
                                    or iv.kind in ("immunosuppression", "donor_lymphocyte_infusion")
                                    for iv in spec.interventions)


def graft_day(interventions: Sequence[InterventionSpec]) -> float | None:
    """Day of the first graft among ``interventions`` (a scenario's): the earliest, whatever the listing order; or
    None."""
    return min((iv.day for iv in interventions if isinstance(iv, TransplantSpec)), default=None)


def chimerism_graft_day(interventions: Sequence[InterventionSpec]) -> float | None:
    """Day 0 of lineage chimerism: the first allogeneic graft's day (after an autologous graft first, a tandem auto-
    then-allo, the donor's share is counted from the donor's graft: review36g), else the first graft's; or None."""
    allo = min((iv.day for iv in interventions if isinstance(iv, TransplantSpec) and iv.donor == "allogeneic"),
               default=None)
    return allo if allo is not None else graft_day(interventions)


def chimerism_after(interventions: Sequence[InterventionSpec]) -> str:
    """How lineage chimerism's days are counted, in words: "after the graft", or, where they are counted from a later
    allogeneic graft than the first graft (a tandem auto-then-allo), "after the allogeneic graft on day N": one report
    gave engraftment from day 2 and chimerism from day 98, both "after graft" (review36h)."""
    day, first = chimerism_graft_day(interventions), graft_day(interventions)
    return "after the graft" if day is None or day == first else f"after the allogeneic graft on day {day:g}"


def autograft_before_allograft(interventions: Sequence[InterventionSpec]) -> bool:
    """An autologous graft before the first allogeneic one (a tandem auto-then-allo): the model tags the autograft's
    cells as graft ("donor") cells as it does the donor's, so the donor share after the allogeneic graft includes the
    patient's own autograft cells (review36h: donor ANC share 0.49 on day 97, before any allogeneic cell)."""
    allo = min((iv.day for iv in interventions if isinstance(iv, TransplantSpec) and iv.donor == "allogeneic"),
               default=None)
    return allo is not None and any(isinstance(iv, TransplantSpec) and iv.donor == "autologous" and iv.day < allo
                                    for iv in interventions)


# ------------------------------------------------------------------ endpoints
#: (observable, reference parameter, label) for immune recovery.
RECOVERY_LINEAGES = (("nk_cells_per_uL", "nk_reference_per_uL", "nk"), ("cd8_per_uL", "cd8_reference_per_uL", "cd8"),
                     ("b_cells_per_uL", "b_reference_per_uL", "b"), ("cd4_per_uL", "cd4_reference_per_uL", "cd4"))
CHIMERISM_LINEAGES = ("anc_1e9_per_L", "monocytes_1e9_per_L", "platelets_1e9_per_L", "cd4_per_uL", "cd8_per_uL",
                      "b_cells_per_uL", "nk_cells_per_uL")
CHIMERISM_DAYS = (28, 60, 100, 365)
#: the unit of every donor-share endpoint, in its definition: endpoints.json keeps a fraction (unit "fraction") where
#: the report shows a percentage, and "donor share ... 0.48" beside the report's "48.2" did not say which (leftovers27)
SHARE_UNIT_NOTE = "a fraction, 0-1; the report gives it in %"
HB = "hemoglobin_g_per_dL"
TRANSPLANT_OBSERVABLES = tuple(dict.fromkeys([
    "anc_1e9_per_L", "platelets_1e9_per_L", *(o for o, _, _ in RECOVERY_LINEAGES), *CHIMERISM_LINEAGES,
    *(f"{o}__donor" for o in CHIMERISM_LINEAGES), HB]))
#: the months after the graft of the naive CD4 read-outs (``naive_cd4_per_uL_month{m}``): thymic recovery after HSCT
#: or an immune reset is read from naive (CD45RA+) CD4 counts at these visits (ux37b: no naive CD4 read-out but
#: timeseries.csv), a month 365.25/12 days as the validation's (validation.months.CALENDAR_MONTH_DAYS)
NAIVE_CD4_MONTHS = (6, 12, 24)
NAIVE_CD4 = "naive_cd4_per_uL"
NAIVE_CD4_RATIO = "naive_cd4_ratio_month12_to_before"
#: why the ratio has no value where the count before is not known (a result without its start states)
NO_OUTPUT_BEFORE = "no output before the first insult or graft"
#: why the ratio has no value where the patient had no naive CD4 before (an X-SCID infant: review37g)
NO_NAIVE_BEFORE = "no naive CD4 before the graft (0/uL)"


def hemoglobin_after_engraftment(days: np.ndarray, hb: np.ndarray, anc_day: np.ndarray, anc_did_not_fall: np.ndarray,
                                 set_point: np.ndarray) -> list[EndpointColumn]:
    """The highest haemoglobin from neutrophil engraftment (from the graft where ANC never fell below 0.5e9/L) to the
    end of the run, its day after the graft and its ratio to the patient's set point: the overshoot of the erythroid
    loop after a graft (docs/transplant.md, "Haemoglobin overshoot"), which the nadir alone does not show. NaN where
    neutrophils did not engraft."""
    start = np.where(anc_did_not_fall == 1.0, days[0], anc_day)  # NaN (not engrafted): no day qualifies
    inside = days[None, :] >= start[:, None] - 1e-9
    masked = np.where(inside, hb, -np.inf)
    i = np.argmax(masked, axis=1)
    found = inside.any(axis=1)
    rows = np.arange(hb.shape[0])
    peak = np.where(found, hb[rows, i], np.nan)
    basis = "from neutrophil engraftment (from the graft where ANC never fell below 0.5e9/L) to the end of the run"
    return [EndpointColumn("hemoglobin_max_after_engraftment", "g/dL", f"highest haemoglobin {basis}", peak),
            EndpointColumn("hemoglobin_max_after_engraftment_day", "day after graft",
                           f"day of the highest haemoglobin {basis}", np.where(found, days[i], np.nan)),
            EndpointColumn("hemoglobin_max_over_set_point", "1", "hemoglobin_max_after_engraftment over the "
                           "patient's haemoglobin set point (the value the run starts from)", peak / set_point)]


#: the endpoint saying ANC fell below 0.5e9/L again after neutrophil engraftment (its day: ``..._day``); an
#: engraftment day and "graft failure: no" read as a neutropenia over, beside 22 days of grade 4 that included a
#: second spell (ux36: PBSC 2e6/kg engrafted on day +13, ANC < 0.5 again on run days 36-48)
ANC_BELOW_AGAIN = "anc_fell_below_0p5_after_engraftment"


#: days after neutrophil engraftment a run must reach for "ANC did not fall below 0.5 again" to be decided (assumed:
#: the model's dip after a PBSC graft is over within about 30 days of engraftment - ux36's 2e6/kg arm engrafted on day
#: +13 and was below 0.5 on days +30 to +42; docs/transplant.md, "The ANC dip around day 40"); a 30-day autologous
#: run read "no" before the dip could show (review36g)
ANC_AGAIN_DECIDED_DAYS = 40.0
#: the kinds whose start ends the window of ANC_BELOW_AGAIN: a fall after them is theirs, not the graft's (a tandem
#: autograft's second melphalan read as "the model's second fall"; review36g)
MARROW_INSULT_KINDS = frozenset({"conditioning", "chemotherapy", "chemotherapy_regimen", "radiation", "transplant",
                                 "cell_depletion"})


def first_insult_or_graft_day(interventions: Sequence[InterventionSpec], graft: float) -> float:
    """Day (of the run) of the first insult of any kind (:data:`MARROW_INSULT_KINDS`: conditioning, chemotherapy,
    radiation, a cell depletion that reaches T cells - of the blood too, which takes naive CD4 - or an earlier graft) that
    starts on or before the first graft on ``graft``, else the graft's: the patient "before" it is the one the naive
    CD4 ratio (and target R7) compares with. Conditioning alone read the MS example with a T-cell depletion on day 10
    as 0.771 against 0.082 (review37g)."""
    return min([float(iv.day) for iv in interventions if _takes_naive_cd4(iv)
                and iv.day <= graft + 1e-9] + [float(graft)])


def _takes_naive_cd4(iv: InterventionSpec) -> bool:
    """Whether ``iv`` is an insult the naive CD4 ratio's "before" precedes: any of :data:`MARROW_INSULT_KINDS`, a
    ``cell_depletion`` only where its groups reach a CD4 compartment (circulating ones, for a collection from the
    blood: a photopheresis-style lymphocyte depletion counts), not a plateletpheresis, an erythroid depletion
    (review37h) or a CD8 depletion (review37i), which take no naive CD4; the model's naive CD4 state carries the
    memory CD4 states' groups, so a CD4 depletion counts whichever CD4 cells it means."""
    if iv.kind not in MARROW_INSULT_KINDS:
        return False
    if iv.kind != "cell_depletion":
        return True
    from hemasim.interventions.cell_depletion import _reference_compartments

    groups, spared = set(getattr(iv, "groups", ())), set(getattr(iv, "except_groups", ()))
    circulating = getattr(iv, "applies_to", "all") == "circulating"
    return any("cd4" in tags and tags & groups and not tags & spared and (circulates or not circulating)
               for tags, circulates in _reference_compartments())


def next_insult_day(interventions: Sequence[InterventionSpec], graft: float) -> float:
    """Day (of the run) of the first conditioning, chemotherapy, radiation, graft or marrow cell depletion after the
    first graft on ``graft``; inf where none follows. A ``cell_depletion`` with ``applies_to: circulating`` (a
    collection from the blood) takes no marrow cells, so it does not count (review36h)."""
    return min((float(iv.day) for iv in interventions if iv.kind in MARROW_INSULT_KINDS and iv.day > graft + 1e-9
                and getattr(iv, "applies_to", "all") != "circulating"), default=np.inf)


def anc_below_again(days: np.ndarray, anc: np.ndarray, anc_day: np.ndarray, anc_did_not_fall: np.ndarray,
                    until_day: float = np.inf) -> list[EndpointColumn]:
    """Whether ANC fell below 0.5e9/L again after neutrophil engraftment (an output after the engraftment day below
    it) and before ``until_day`` (days after the graft: the next conditioning, chemotherapy or graft, whose own fall
    is not the graft's), the first day after the graft it did, and the days below it from then (as the run's
    ``days_anc_below_0p5`` counts them: output intervals starting below it). The flag is 0 where ANC never fell below
    0.5e9/L after the graft; none where neutrophils did not engraft, and none with a note where it did not fall again
    and the run ends before :data:`ANC_AGAIN_DECIDED_DAYS` after engraftment (and before ``until_day``). The dip a
    PBSC graft's model run shows around day 40 is docs/transplant.md's "The ANC dip around day 40"."""
    engrafted = ~np.isnan(anc_day)
    after = days[None, :] > np.where(engrafted, anc_day, np.inf)[:, None] + 1e-9
    below = after & (anc < 0.5) & (days[None, :] < until_day - 1e-9)
    again = below.any(axis=1)
    first = np.where(again, days[np.argmax(below, axis=1)], np.nan)
    counted = np.where(engrafted, (below[:, :-1] * np.diff(days)).sum(axis=1), np.nan)
    end = float(days[-1]) if len(days) else 0.0
    decided = again | (end >= np.minimum(anc_day + ANC_AGAIN_DECIDED_DAYS, until_day) - 1e-9)
    # the next insult comes before (or on) engraftment: no day lies in the window, so "did not fall again" says
    # nothing (it read 0; review36h)
    no_window = engrafted & (np.nan_to_num(anc_day, nan=-np.inf) >= until_day - 1e-9)
    undecided = engrafted & ~decided & ~no_window
    flag = np.where(engrafted & ~no_window, np.where(decided, again.astype(np.float64), np.nan),
                    np.where(engrafted | (anc_did_not_fall != 1.0), np.nan, 0.0))
    notes = []
    if undecided.any():
        notes.append(f"not yet decidable: the run ends day {end:g} after the graft, before day "
                     f"{float(np.nanmin(anc_day[undecided])) + ANC_AGAIN_DECIDED_DAYS:g} "
                     f"({ANC_AGAIN_DECIDED_DAYS:g} days after neutrophil engraftment)")
    if no_window.any():
        notes.append(f"no window: the next conditioning, chemotherapy, radiation, graft or cell depletion (day "
                     f"{until_day:g} after the graft) comes before neutrophil engraftment (day "
                     f"{float(np.nanmin(anc_day[no_window])):g})")
    note = "; ".join(notes) or None
    see = "docs/transplant.md, \"The ANC dip around day 40\""
    window = ("after neutrophil engraftment and before the next conditioning, chemotherapy, radiation, graft or "
              "cell depletion of the marrow (a fall after one of those is its own)")
    return [NotedColumn(ANC_BELOW_AGAIN, "flag", f"1 if ANC fell below 0.5e9/L again {window} (0 where it "
                            "stayed at or above it, or never fell below it after the graft; none where neutrophils "
                            f"did not engraft, where the next of those comes before engraftment (no window), or "
                            f"where it did not fall and the run ends before "
                            f"{ANC_AGAIN_DECIDED_DAYS:g} days after engraftment: not yet decidable; {see})", flag,
                            note),
            EndpointColumn(f"{ANC_BELOW_AGAIN}{UNDECIDED_SUFFIX}", "flag", f"1 where {ANC_BELOW_AGAIN} is not yet "
                           f"decidable: neutrophils engrafted, ANC did not fall again and the run ends before "
                           f"{ANC_AGAIN_DECIDED_DAYS:g} days after engraftment", undecided.astype(np.float64)),
            EndpointColumn(f"{ANC_BELOW_AGAIN}_day", "day after graft", f"first day {window} with ANC < 0.5e9/L "
                           "(none where it did not fall below it again)", first),
            EndpointColumn("days_anc_below_0p5_after_engraftment", "day", f"days with ANC < 0.5e9/L {window} "
                           "(part of days_anc_below_0p5; none where neutrophils did not engraft)", counted)]


def naive_cd4_after_graft(days: np.ndarray, naive: np.ndarray, before: np.ndarray, before_words: str,
                          after_words: str = "after the graft", before_note: str = NO_OUTPUT_BEFORE
                          ) -> list[EndpointColumn]:
    """The naive CD4 count (``naive`` (N, T) on ``days`` (T,) after the graft) 6, 12 and 24 months after the graft
    (:data:`NAIVE_CD4_MONTHS`, linear between the outputs either side), none with the note "after the end of the
    run" where the run ends before; and the month-12 count over ``before`` (N,), the count just before the first
    insult or graft (``before_words`` says which day and how it was read; NaN: not known, ``before_note``); none with
    :data:`NO_NAIVE_BEFORE` where ``before`` is 0 (no naive CD4 to recover to). ``after_words``: which graft the
    months count from ("after the graft", or a tandem's "after the first graft on day N")."""
    n = naive.shape[0]
    out: list[EndpointColumn] = []
    month12 = np.full(n, np.nan)
    for m in NAIVE_CD4_MONTHS:
        day = m * DAYS_PER_YEAR / 12.0
        definition = (f"blood naive CD4 T cells (CD45RA+) {m} months ({day:g} days) {after_words}, linear between "
                      "the outputs either side: thymic recovery (none where the run ends before)")
        if reads_on_day(days, day):
            v = value_on_day(days, naive, day)
            out.append(EndpointColumn(f"{NAIVE_CD4}_month{m}", "cells/uL", definition, v))
            month12 = v if m == 12 else month12
        else:
            out.append(AfterRunEndColumn(f"{NAIVE_CD4}_month{m}", "cells/uL", definition, np.full(n, np.nan)))
    ratio = np.divide(month12, before, out=np.full(n, np.nan), where=before > 0)
    definition = (f"{NAIVE_CD4}_month12 over the naive CD4 count {before_words} (target R7's read-out; none where the "
                  "run ends before month 12 or the patient had no naive CD4 before). In a child it is to the child's "
                  "own, higher, count: not comparable with adults' ratios")
    note = ("after the end of the run" if not reads_on_day(days, 12 * DAYS_PER_YEAR / 12.0) else
            before_note if np.isnan(before).any() else NO_NAIVE_BEFORE if (before <= 0).any() else None)
    out.append(NotedColumn(NAIVE_CD4_RATIO, "1", definition, ratio, note))
    return out


class NaiveCd4Endpoints(EndpointFamily):
    """The naive CD4 read-outs after the first graft (:func:`naive_cd4_after_graft`): a family of their own, so that
    a run that did not keep ``naive_cd4_per_uL`` (``observe=`` with the transplant's other observables) keeps
    engraftment, immune recovery and chimerism (review37g: all 81 transplant endpoints went "not evaluated")."""

    def __init__(self, graft_day: float, first_day: float, n_grafts: int = 1, first_kind: str = "insult") -> None:
        self.graft_day = graft_day
        self.first_day = min(first_day, graft_day)  # of the run: the first insult or the graft
        self.n_grafts = n_grafts
        self.first_kind = first_kind.replace("_", " ")  # the first insult's kind, named in the ratio's definition

    @classmethod
    def of(cls, interventions: Sequence[InterventionSpec]) -> NaiveCd4Endpoints | None:
        day = graft_day(interventions)
        if day is None:
            return None
        first = first_insult_or_graft_day(interventions, day)
        kind = next((iv.kind for iv in interventions if _takes_naive_cd4(iv)
                     and abs(float(iv.day) - first) < 1e-9), "insult")
        return cls(day, first, sum(isinstance(iv, TransplantSpec) for iv in interventions), kind)

    def observables(self, available: Sequence[str]) -> list[str]:
        return [NAIVE_CD4] if NAIVE_CD4 in available else []

    def before_words(self, from_start: bool) -> str:
        """Which "before" the ratio read, in words: the day and how it was read."""
        graft = f"the graft on day {self.graft_day:g}" if self.n_grafts > 1 else "the graft"
        if self.first_day >= self.graft_day - 1e-9:
            event = f"before {graft} (no insult before it)"
        else:
            event = (f"before the first insult ({self.first_kind}) on day {self.first_day:g}, "
                     f"{self.graft_day - self.first_day:g} days before {graft}")
        how = ("each patient's count at the start of the run, before day 0's events (the day-0 output shows them)"
               if from_start else "the last output before that day")
        return f"just {event}: {how}"

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        if NAIVE_CD4 not in obs:
            return []
        naive = obs[NAIVE_CD4]
        n = naive.shape[0]
        # the last output before the first insult or graft (as target R7 reads its "before"): an output on that day
        # may already carry the first kill; none before it (an insult or graft on day 0): the state before day 0's events
        before = np.broadcast_to(value_before_day(times, naive, self.first_day), (n,)).astype(np.float64)
        from_start = bool(np.isnan(before).all()) and self.first_day <= times[0] + 1e-9 \
            and ctx.start_values is not None
        if from_start and ctx.start_values is not None:
            before = np.broadcast_to(np.asarray(ctx.start_values(NAIVE_CD4), dtype=np.float64), (n,)).copy()
        after = times >= self.graft_day - 1e-9
        after_words = "after the graft" if self.n_grafts == 1 else f"after the first graft (day {self.graft_day:g})"
        return naive_cd4_after_graft(times[after] - self.graft_day, naive[:, after], before,
                                     self.before_words(from_start), after_words)

    def units(self) -> dict[str, str]:
        return {**{f"{NAIVE_CD4}_month{m}": "cells/uL" for m in NAIVE_CD4_MONTHS}, NAIVE_CD4_RATIO: "1"}


#: the CD4 count for a child's age: the count below which a child of that age takes PJP prophylaxis
#: (hemasim.clinical_thresholds, ``cd4_pjp``); given where the scenario's youngest patient can be under this age at the
#: graft, for every patient of it (from 6 years on the count is the adults' 200/uL, which ``cd4_200_day`` reads too)
CD4_FOR_AGE_UNDER_YEARS = 6.0
CD4_FOR_AGE = "cd4_for_age_day"


#: why primary graft failure has no value: the run ends before the day it is decided on
GRAFT_FAILURE_UNDECIDED = "not yet decidable: the run ends before day 28 after the graft, without an engraftment"


#: Primary graft failure, whose missing value says why (not "not reached").
_UndecidedColumn = functools.partial(NotedColumn, note=GRAFT_FAILURE_UNDECIDED)


def transplant_endpoint_values(days: np.ndarray, obs: Mapping[str, np.ndarray], references: Mapping[str, object],
                               hb_set_point: np.ndarray | None = None, ages_at_graft: float | np.ndarray | None = None,
                               youngest_at_graft: float | None = None, until_day: float = np.inf,
                               one_run: bool | None = None) -> list[EndpointColumn]:
    """Engraftment, immune recovery, chimerism and the haemoglobin after engraftment for many patients: ``days`` (T,)
    from the graft (>= 0), ``obs`` name -> (N, T) for :data:`TRANSPLANT_OBSERVABLES`; ``references`` the recovery
    reference counts; ``hb_set_point`` (N,) each patient's haemoglobin set point (default: the first value given);
    ``ages_at_graft`` the patients' ages on the graft's day, years (a number or (N,)); ``youngest_at_graft`` the
    youngest age any patient of the scenario can have then (a cohort's population minimum; None: the youngest of
    ``ages_at_graft``): where it is under :data:`CD4_FOR_AGE_UNDER_YEARS`, the CD4 count for age
    (:data:`CD4_FOR_AGE`) too, for every patient. Decided from the scenario, not from the ages drawn, so that every
    partition of a cohort has the same columns (review27: a partition drawn all from 6 years lacked it, and
    ``pd.read_parquet`` of the endpoints then dropped the column). ``until_day`` (after the graft): the next
    conditioning, chemotherapy, radiation or graft, which ends the window of :data:`ANC_BELOW_AGAIN`. ``one_run``:
    a single run's (its reference count quoted in the recovery definitions; a cohort's patients each have their own,
    and the partition's median read 116.315/uL in partitions of 2 and 151.105 for the same 8 in one; review mend37a);
    None: one patient. The naive CD4 read-outs are :class:`NaiveCd4Endpoints`'."""
    n = next(iter(obs.values())).shape[0]
    one_run = n == 1 if one_run is None else one_run
    unit = "day after graft"
    # engraftment is defined after a fall: a count that never fell (a small conditioning, a fast graft) has no
    # engraftment day, and a flag says so instead of looking like a graft that never engrafted
    anc_day, anc_did_not_fall = recovery_days(days, obs["anc_1e9_per_L"], 0.5, 3)
    platelet_day, platelet_did_not_fall = recovery_days(days, obs["platelets_1e9_per_L"], 20.0, 7)
    out = [EndpointColumn("neutrophil_engraftment_day", unit, "first of 3 consecutive days with ANC >= 0.5e9/L "
                          "after the post-graft fall below it (none when ANC never fell below it, see "
                          f"neutrophil_engraftment_day{DID_NOT_FALL}, or did not recover)", anc_day),
           EndpointColumn("platelet_engraftment_day", unit, "first of 7 consecutive days with platelets >= 20e9/L "
                          "after the post-graft fall below it (none when the count never fell below 20e9/L, see "
                          f"platelet_engraftment_day{DID_NOT_FALL}, or did not recover)", platelet_day)]
    for name, threshold, label, did_not_fall in (("neutrophil_engraftment_day", 0.5, "ANC", anc_did_not_fall),
                                                 ("platelet_engraftment_day", 20.0, "platelets", platelet_did_not_fall)):
        out.append(EndpointColumn(f"{name}{DID_NOT_FALL}", "flag", f"1 if {label} never fell below {threshold:g}e9/L "
                                  "after the graft (no engraftment day: the count did not fall)", did_not_fall))
    out += anc_below_again(days, obs["anc_1e9_per_L"], anc_day, anc_did_not_fall, until_day)
    aplasia = (obs["anc_1e9_per_L"] < 0.5).any(axis=1)
    failed = aplasia & ~(anc_day <= 28)
    # decided on day 28, or by an engraftment before it: a run that ends sooner, still aplastic or not yet fallen,
    # has no answer (a 14-day run read 1 while still aplastic; review36a)
    known = (anc_day <= 28) | (days[-1] >= 28)
    out.append(_UndecidedColumn("primary_graft_failure", "flag", "1 if ANC fell below 0.5e9/L and had not engrafted "
                                "by day 28 after the graft (none where the run ends before day 28 after the graft "
                                "without an engraftment)", np.where(known, failed.astype(np.float64), np.nan)))
    if HB in obs:
        hb = obs[HB]
        set_point = hb[:, 0] if hb_set_point is None else np.broadcast_to(np.asarray(hb_set_point, float), (n,))
        out += hemoglobin_after_engraftment(days, hb, anc_day, anc_did_not_fall, set_point)
    # a recovery is defined after a fall too: a count that never fell below its mark after the graft has no
    # recovery day (and a flag saying so) instead of "day 0"
    for name, ref, label in RECOVERY_LINEAGES:
        half = 0.5 * np.broadcast_to(np.asarray(references[ref], dtype=np.float64), (n,))
        day, did_not_fall = recovery_days(days, obs[name], half[:, None])
        flag = f"{label}_50pct_normal_day{DID_NOT_FALL}"
        # a number for a single run only: a cohort's definition is one for all its patients and partitions
        mark = (f"half the reference count for the patient's age ({float(half[0]):g}/uL)" if one_run else
                "half each patient's own reference count for his age")
        out += [EndpointColumn(f"{label}_50pct_normal_day", unit, f"first day {name} reaches {mark} after its fall "
                               f"below it (none when it never fell below it, see {flag}, or did not recover)", day),
                EndpointColumn(flag, "flag", f"1 if {name} never fell below {mark} after the graft (no recovery day: "
                               "the count did not fall)", did_not_fall)]
    day, did_not_fall = recovery_days(days, obs["cd4_per_uL"], 200.0)
    out += [EndpointColumn("cd4_200_day", unit, "first day with CD4 >= 200/uL after its fall below 200/uL after the "
                           f"graft (none when it never fell below, see cd4_200_day{DID_NOT_FALL}, or did not recover)",
                           day),
            EndpointColumn(f"cd4_200_day{DID_NOT_FALL}", "flag", "1 if CD4 never fell below 200/uL after the graft "
                           "(no recovery day: the count did not fall)", did_not_fall)]
    youngest = youngest_at_graft if youngest_at_graft is not None or ages_at_graft is None else \
        float(np.min(ages_at_graft))
    if ages_at_graft is not None and youngest is not None and youngest < CD4_FOR_AGE_UNDER_YEARS:
        # a young child's count is read against its age's (1-6 years: 500/uL; under 1 year no count ends PJP
        # prophylaxis, so no day before the first birthday counts), the age on each day as the child ages
        for_age = thresholds_over_run("cd4_pjp", ages_at_graft, None, days)
        day, did_not_fall = recovery_days(days, obs["cd4_per_uL"], for_age)
        out += [EndpointColumn(CD4_FOR_AGE, unit, "first day on which the CD4 count no longer calls for PJP "
                               "prophylaxis at that day's age (NIH paediatric guidelines 2013): CD4 >= 500/uL from 1 "
                               "to 6 years, >= 200/uL from 6, and not before the first birthday: under 1 year "
                               "prophylaxis is given whatever the count, so an infant's day is its first birthday "
                               "when its count is then above 500/uL, and none when the birthday is after the run; "
                               f"after the count's fall below it after the graft (none when it never fell below, see "
                               f"{CD4_FOR_AGE}{DID_NOT_FALL}, or did not recover); a patient from 6 years at the "
                               "graft reads 200/uL, as cd4_200_day", day),
                EndpointColumn(f"{CD4_FOR_AGE}{DID_NOT_FALL}", "flag", "1 if CD4 never fell below the count for "
                               "the child's age after the graft (no recovery day: the count did not fall)",
                               did_not_fall)]
    for name in CHIMERISM_LINEAGES:
        for d in CHIMERISM_DAYS:
            # a day the run does not reach, or one before the first output after the graft (a grid coarser than
            # the day: value_on_day raised out of `hemasim run`, fuzz35 seed 7071), has no column
            if not reads_on_day(days, d):
                continue
            total = value_on_day(days, obs[name], d)
            share = np.divide(value_on_day(days, obs[f"{name}__donor"], d), total, out=np.full(n, np.nan),
                              where=total > 0)
            out.append(EndpointColumn(f"donor_chimerism_{name.split('_per_')[0]}_day{d}", "fraction",
                                      f"donor share of {name} on day {d} after the graft ({SHARE_UNIT_NOTE}; "
                                      "after an autologous graft: the re-infused cells' share, gene-corrected ones "
                                      "in gene therapy)",
                                      share))
    return out


class TransplantEndpoints(EndpointFamily):
    """Engraftment, immune recovery (against the references for each patient's age) and chimerism, counted
    from the first graft's day."""

    def __init__(self, graft_day: float, next_insult_day: float = np.inf) -> None:
        self.graft_day = graft_day
        self.next_insult_day = next_insult_day  # of the run: ends ANC_BELOW_AGAIN's window

    def observables(self, available: Sequence[str]) -> list[str]:
        return list(TRANSPLANT_OBSERVABLES) if "anc_1e9_per_L__donor" in available else []

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        if "anc_1e9_per_L__donor" not in obs:
            return []
        after = times >= self.graft_day - 1e-9
        value = ctx.value  # each patient's own reference counts (and child excess), as his single run reads them
        refs = {ref: value(ref) * child_lymphocyte_factor(value, label, ctx.ages_years)
                for _, ref, label in RECOVERY_LINEAGES}
        # the run starts at the patient's healthy steady state: its first haemoglobin is the set point
        return transplant_endpoint_values(times[after] - self.graft_day,
                                          {n: obs[n][:, after] for n in TRANSPLANT_OBSERVABLES if n in obs}, refs,
                                          obs[HB][:, 0] if HB in obs else None,
                                          np.asarray(ctx.ages_years, dtype=np.float64) + self.graft_day / DAYS_PER_YEAR,
                                          None if ctx.youngest_age_years is None else
                                          ctx.youngest_age_years + self.graft_day / DAYS_PER_YEAR,
                                          self.next_insult_day - self.graft_day,
                                          # a single run: its age one number, no patient's own values
                                          np.ndim(ctx.ages_years) == 0 and not ctx.per_patient)

    def units(self) -> dict[str, str]:
        days = ["neutrophil_engraftment_day", "platelet_engraftment_day",
                *(f"{label}_50pct_normal_day" for _, _, label in RECOVERY_LINEAGES), "cd4_200_day", CD4_FOR_AGE]
        return {**{d: "day after graft" for d in days}, **{f"{d}{DID_NOT_FALL}": "flag" for d in days},
                "primary_graft_failure": "flag", ANC_BELOW_AGAIN: "flag",
                f"{ANC_BELOW_AGAIN}{UNDECIDED_SUFFIX}": "flag", f"{ANC_BELOW_AGAIN}_day": "day after graft",
                "days_anc_below_0p5_after_engraftment": "day",
                "hemoglobin_max_after_engraftment": "g/dL", "hemoglobin_max_after_engraftment_day": "day after graft",
                "hemoglobin_max_over_set_point": "1",
                **{f"donor_chimerism_{name.split('_per_')[0]}_day{d}": "fraction" for name in CHIMERISM_LINEAGES
                   for d in CHIMERISM_DAYS}}


# ------------------------------------------------------------------ SBML form of the graft
@sbml_event_form(Transplant)
def _transplant(model: CompiledModel, event: Transplant) -> list[Assignment]:
    out = []
    for base, cells in event.composition().items():
        name = origin_name(base, DONOR)
        out.append((name, f"{name} + {number(float(np.asarray(cells)))} item"))
    return out
