"""What the dosed kinds (chemotherapy, G-CSF) share: the dose and schedule blocks, dose rules, the drug
endpoints (exposure and delivered dose), the report's drug section and the SBML form of a dose.

Doses are given per m2 of body surface area (Mosteller), per kg or as a flat amount; schedules are
cycles (``every_days`` x ``cycles``) or day lists; dose rules delay or reduce a cycle when a count is
low on its planned day. Everything is checked before any simulation, and errors name the field.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from hemasim._schema import MAX_DURATION_DAYS
from hemasim.biology.body import Covariates, body_surface_area_m2
from hemasim.interventions.base import (
    EndpointColumn,
    EndpointContext,
    EndpointFamily,
    ExtensionOrder,
    ExtensionRequest,
    InterventionSpec,
    NotedColumn,
    ReportSection,
    ScenarioFacts,
    Strict,
)

if TYPE_CHECKING:
    from hemasim.endpoints import CycleBlock
    from hemasim.pharmacology.dosing import DoseRule, Regimen
    from hemasim.pharmacology.drug_sets import DrugSet
    from hemasim.simulation import Result

__all__ = ["DosedSpec", "Rule", "Schedule", "dosed_interventions", "drug_set_of"]

RULE_OBSERVABLES = {"anc": "anc_1e9_per_L", "platelets": "platelets_1e9_per_L"}


def drug_set_of(name: str) -> DrugSet:
    """The drug set ``name`` (shipped name or path); a ValueError naming the field when it cannot be loaded."""
    # the drug-set schema and the PK/PD builder are imported when a drug is used, not with the scenario schema
    from hemasim.pharmacology.drug_sets import DrugSetError, load_drug_set

    try:
        return load_drug_set(name)
    except DrugSetError as err:
        raise ValueError(f"drug_set: {err}") from None


class Schedule(Strict):
    """Either ``days`` (a list of dose days) or ``start_day`` + ``every_days`` x ``cycles``
    (with optional ``days_in_cycle`` offsets, e.g. [0, 7] for day 1 and 8 of each cycle)."""

    # a day's bound on the items, so that a NaN's or a text's error names it; their order in the validator
    days: list[Annotated[float, Field(ge=0, le=MAX_DURATION_DAYS)]] | None = Field(default=None, min_length=1)
    start_day: float | None = Field(default=None, ge=0, le=MAX_DURATION_DAYS)
    every_days: float | None = Field(default=None, gt=0, le=MAX_DURATION_DAYS)
    cycles: int | None = Field(default=None, ge=1, le=100)
    days_in_cycle: list[Annotated[float, Field(ge=0, le=MAX_DURATION_DAYS)]] = Field(default_factory=lambda: [0.0],
                                                                                   min_length=1)

    @model_validator(mode="after")
    def _one_form(self) -> Schedule:
        cyclic = (self.start_day, self.every_days, self.cycles)
        if self.days is not None:
            if any(v is not None for v in cyclic):
                raise ValueError("give either days, or start_day + every_days + cycles, not both")
            if sorted(self.days) != self.days or len(set(self.days)) != len(self.days):  # (>= 0: each item's bound)
                raise ValueError("days must be increasing, distinct and >= 0")
        elif any(v is None for v in cyclic):
            raise ValueError("give days, or all of start_day, every_days and cycles")
        days_in = self.days_in_cycle
        got = ", ".join(f"{d:g}" for d in days_in)
        if days_in != sorted(set(days_in)) or days_in[0] != 0:
            # [1, 8] is the clinic's "days 1 and 8", which the run counts from 0: the message said only "must start
            # at 0 and increase", leaving the reader to work out what to write (firsthour29)
            clinic = days_in == sorted(set(days_in)) and days_in[0] >= 1
            hint = (f"; the clinic's days {got} of each cycle are days_in_cycle: [{', '.join(f'{d - 1:g}' for d in days_in)}]"
                    " (docs/getting_started.md, Days)") if clinic else ""
            raise ValueError(f"days_in_cycle must start at 0, the cycle's first day, and increase (got [{got}]){hint}")
        if self.every_days is not None and days_in[-1] >= self.every_days:
            raise ValueError(f"days_in_cycle must lie inside the cycle, each below every_days = {self.every_days:g} "
                             f"(got [{got}]; day {self.every_days:g} of a cycle is the next cycle's day 0)")
        return self

    def cycle_starts(self) -> list[float]:
        if self.days is not None:
            return list(self.days)
        assert self.start_day is not None and self.every_days is not None and self.cycles is not None  # _one_form
        return [self.start_day + k * self.every_days for k in range(self.cycles)]

    def dose_days(self) -> list[float]:
        days_in = self.days_in_cycle if self.days is None else [0.0]
        return [s + d for s in self.cycle_starts() for d in days_in]


class Rule(Strict):
    """Delay or reduce a cycle when ``observable`` is below ``below`` on its planned day."""

    observable: Literal["anc", "platelets"]
    below: float = Field(gt=0, description="threshold, 1e9/L")
    action: Literal["delay", "reduce"]
    delay_days: float = Field(default=7.0, gt=0, le=60)
    max_delays: int = Field(default=2, ge=1, le=10)
    reduce_by_fraction: float = Field(default=0.25, gt=0, lt=1)

    def build(self) -> DoseRule:
        from hemasim.pharmacology.dosing import DoseRule  # imported when a scenario doses (goal 1)

        return DoseRule(RULE_OBSERVABLES[self.observable], self.below, self.action, self.delay_days, self.max_delays,
                        self.reduce_by_fraction)


# ------------------------------------------------------------------ report section
def _drug_section(result: Result) -> str | None:
    import html  # its entity tables only when reporting (docs/performance.md, goal 1)

    from hemasim.endpoints import chemotherapy_cycle_blocks
    from hemasim.pharmacology.dosing import ROUTE_WORDS
    from hemasim.report.html import figure_html  # the report layer (and matplotlib) only when reporting
    from hemasim.report.plots import drug_figure

    dosing = run_dosing(result)  # read once for the section (its files were read again by each line: 4 times)
    fig = drug_figure(result, dosing)
    if fig is None:
        return None
    esc = html.escape
    listed = _listed_days(dosing)
    blocks = chemotherapy_cycle_blocks(result.record.scenario, [(iv, ds.drug) for iv, ds in dosing])
    several = len({b.block for b in blocks.values()}) > 1
    log = result.record.administrations
    # a drug outside the chemotherapy blocks (G-CSF) logs its own count: placed in the run's cycle it falls in, as
    # the header says (pegfilgrastim on day 1 of AC-T's docetaxel read "1" beside docetaxel's "5"; review37b)
    outside = _outside_cells(result, log, blocks, listed) if several else {}
    rows = "".join(
        f"<tr><td>{e['day']:.4g}</td><td>{esc(str(e['drug']))}</td>"
        f"<td>{esc(outside.get(i) or _cycle_cell(e, listed, blocks))}</td>"
        f"<td>{esc(ROUTE_WORDS.get(str(e['route']), str(e['route'])))}</td><td>{esc(str(e['action']))}</td>"
        f"<td>{esc(amount_text(float(e['planned_ug'])))}</td><td>{esc(amount_text(float(e['given_ug'])))}</td></tr>"
        for i, e in enumerate(log))
    basis = dose_basis_text(result, dosing)
    peaks = peak_text(result, dosing)
    notes = "".join(f"<p><strong>{esc(t)}</strong></p>" for t in drug_notes(result, dosing))
    sampled = _drawn_note(result, dosing)
    return (figure_html("Drugs", "drug concentrations", fig) + notes
            + sampled + (f"<p>{esc(basis)}</p>" if basis else "") + (f"<p>{esc(peaks)}</p>" if peaks else "")
            + "<table><tr><th>day of the run</th><th>drug</th>"
            + (f"<th>{SEVERAL_BLOCKS_HEADER}</th>" if several else "<th>cycle (or dose n of N of a days list)</th>")
            + "<th>route</th>"
            "<th>action</th>"
            f"<th>full dose</th><th>given</th></tr>{rows}</table>")


def _drawn_note(result: Result, dosing: Dosing) -> str:
    """How the drug curves are drawn: densely around each dose where the PK is re-integrated (:func:`drawn_course`;
    the curve's peak is the Cmax stated below), at the output times for a drug whose PK runs through the cells."""
    import html

    drugs = list(dict.fromkeys(o.removesuffix("_concentration_ng_per_mL") for o in result.model.observable_names
                               if o.endswith("_concentration_ng_per_mL")))
    family = _endpoints_of(dosing)  # drawn_course's test, without integrating the PK again
    dense = [d for d in drugs if family is not None and d in family.sets and family._computes_cmax(d)
             and result.model.n_patients is None]
    step = float(np.median(np.diff(result.times))) if len(result.times) > 1 else 0.0
    parts = []
    if dense:
        parts.append(f"{', '.join(dense)}: the PK evaluated at fine steps over each dose and the days after it (the end "
                     "of an infusion included), as the Cmax below is computed, so a curve's peak is its Cmax")
    sampled = [d for d in drugs if d not in dense]
    if sampled and step > 0:
        parts.append(f"{', '.join(sampled)}: at the run's output times (every {step:g} day, output.every_days; its "
                     "PK is not integrated apart from the cells), so a peak shorter than that falls between them")
    return f'<p class="muted">Drawn: {html.escape("; ".join(parts))}.</p>' if parts else ""


Dosing = list[tuple["DosedSpec", "DrugSet"]]


def run_dosing(result: Result) -> Dosing:
    """The dosed interventions of the run's scenario (a regimen's parts, :func:`dosed_interventions`), each with its
    drug set, read once for the lines of the report's drug section that each read them (a regimen's file and a drug
    set's file by path are read from disk at every look); empty without a scenario."""
    scenario = result.record.scenario
    if scenario is None:
        return []
    return [(iv, drug_set_of(iv.drug_set)) for iv in dosed_interventions(scenario.interventions)]


def _listed_days(dosing: Dosing) -> dict[str, int]:
    """Drug -> how many days its schedule lists, for a drug dosed by one intervention whose schedule is a list of
    days (``schedule: {days: [0, 1, 2, 3, 4]}``): the regimen counts each listed day as a cycle of one dose (so a
    dose rule can hold each), which the administration table showed as "cycle 1" to "cycle 5" of a daily course."""
    by_drug: dict[str, list[DosedSpec]] = {}
    for iv, ds in dosing:
        by_drug.setdefault(ds.drug, []).append(iv)
    out = {}
    for drug, ivs in by_drug.items():
        days = getattr(getattr(ivs[0], "schedule", None), "days", None)
        if len(ivs) == 1 and days is not None:
            out[drug] = len(days)
    return out


#: the administration table's cycle header where the run has two or more chemotherapy blocks one after the other
SEVERAL_BLOCKS_HEADER = ("cycle of the run, as the per-cycle results number it (a chemotherapy dose: its block and "
                         "the block's own cycle, or dose n of N of a days list; another drug's dose, G-CSF: the "
                         "cycle of the run it falls in, and which of that drug's doses it is)")


def _outside_cells(result: Result, log: Sequence[Mapping[str, object]],
                   blocks: Mapping[tuple[str, int, int], CycleBlock], listed: Mapping[str, int]) -> dict[int, str]:
    """Index in ``log`` -> the cycle cell of a dose of a drug outside the chemotherapy blocks (G-CSF): the run's cycle
    it falls in (the latest cycle begun on or before its day, each patient's own after a delay; "before cycle 1"
    before any; "–" where the patients' cycles differ) and which of the drug's doses given it is: "5 (pegfilgrastim
    dose 1 of 4)"."""
    from hemasim.endpoints import chemotherapy_cycle_starts

    def key(e: Mapping[str, object]) -> tuple[str, int, int] | None:
        cycle = e.get("cycle", "")
        if isinstance(cycle, str):
            return None
        first = int(np.asarray(cycle).flat[0])  # one value, or one per patient (the same cycle of a drug's entry)
        return (str(e.get("drug")), int(e.get("block", 0)), first)  # type: ignore[call-overload]

    todo = [i for i, e in enumerate(log) if key(e) not in blocks]
    if not todo:
        return {}
    n = result.model.n_patients or 1
    starts = chemotherapy_cycle_starts(result.record.scenario, log, n)
    given: dict[str, list[int]] = {}
    for i in todo:
        if log[i].get("action") == "given":
            given.setdefault(str(log[i].get("drug")), []).append(i)
    out = {}
    for i in todo:
        e = log[i]
        drug = str(e.get("drug"))
        day = float(e["day"])  # type: ignore[arg-type]
        begun = np.where(np.isnan(starts), np.inf, starts) <= day + 1e-9
        latest = {int(np.flatnonzero(row)[np.argmax(starts[p, row])]) + 1 if row.any() else 0
                  for p, row in enumerate(begun)}
        cycle = ("–" if len(latest) > 1 else "before cycle 1" if latest == {0} else str(next(iter(latest))))
        doses = given.get(drug, [])
        which = (f"{drug} dose {doses.index(i) + 1} of {len(doses)}" if i in doses
                 else f"{drug}" if drug not in listed else _cycle_cell(e, listed))
        out[i] = f"{cycle} ({which})"
    return out


def _cycle_cell(entry: Mapping[str, object], listed: Mapping[str, int],
                blocks: Mapping[tuple[str, int, int], CycleBlock] | None = None) -> str:
    """The administration table's cycle cell: the cycle, or for a list of days which of its doses ("dose 3 of 5").
    A run of two or more chemotherapy blocks given one after the other (``blocks``:
    :func:`hemasim.endpoints.chemotherapy_cycle_blocks`) numbers the cycles through the run, as its per-cycle
    endpoints and key results do, and names the block and its own cycle: "5 (block 2, docetaxel: its cycle 1 of
    4)". Each regimen counts its cycles from 1, and AC-T's docetaxel rows read cycle 1 to 4 again, the cycles the
    endpoints call 5 to 8 (cycle37). A drug outside the blocks (G-CSF) keeps its own count here; the table
    places it in the run's cycle (:func:`_outside_cells`)."""
    cycle = entry.get("cycle", "")
    n = listed.get(str(entry.get("drug")))
    own = f"dose {cycle} of {n}" if n is not None and cycle != "" else str(cycle)
    if not blocks or cycle == "" or max(b.block for b in blocks.values()) < 2:
        return own
    at = blocks.get((str(entry.get("drug")), int(entry.get("block", 0)), int(cycle)))  # type: ignore[call-overload]
    if at is None:
        return own
    its = own if n is not None else f"cycle {at.cycle_in_block} of {at.block_cycles}"
    return f"{at.run_cycle} (block {at.block}, {' + '.join(at.drugs)}: its {its})"


def pk_only_text(result: Result, dosing: Dosing | None = None) -> str:
    """One line naming the scenario's drugs that act on nothing here (PK-only sets), or empty: an AC regimen's
    four cycles left every count flat (ANC nadir of each AC cycle "did not fall") with no word why in the report.
    ``dosing``: :func:`run_dosing`'s (read here when not given)."""
    family = _endpoints_of(run_dosing(result) if dosing is None else dosing)
    inert = [drug for drug, ds in family.sets.items() if ds.pk_only] if family is not None else []
    if not inert:
        return ""
    verbs = "is dosed and drawn but acts" if len(inert) == 1 else "are dosed and drawn but act"
    return (f"PK only in this model: {', '.join(inert)} {verbs} on no blood cell (no myelosuppression model has "
            "been transcribed from the sources; docs/drugs.md), so the counts show none of that toxicity.")


def fitted_kill_text(result: Result, dosing: Dosing | None = None) -> str:
    """One line for a run whose drugs lower the counts by a marrow kill fitted on one clinical figure, not by a
    published chain (the AC sets, :attr:`~hemasim.pharmacology.drug_sets.DrugSet.full_model_kill_only`): what the
    neutropenia the report shows rests on, or empty. The AC-T example's report showed each AC cycle's grade-4 nadir
    with that said only in the example's own description, which a scenario of one's own does not carry
    (firsthour30). ``dosing``: :func:`run_dosing`'s (read here when not given)."""
    from hemasim.scenario.plausibility import AC_PAIRED_KILL

    scenario = result.record.scenario
    if scenario is None or scenario.model.kind != "full":
        return ""
    dosing = run_dosing(result) if dosing is None else dosing
    family = _endpoints_of(dosing)
    fitted = [ds for ds in family.sets.values() if ds.full_model_kill_only] if family is not None else []
    if not fitted:
        return ""
    drugs = " and ".join(ds.drug for ds in fitted)
    ac = all(ds.name in AC_PAIRED_KILL for ds in fitted)
    verb = "lowers" if len(fitted) == 1 else "lower"
    if not ac:  # a set of one's own of that kind: where its kill comes from, as `hemasim drugs FILE` prints it
        # it read "Fitted marrow kill: mytaxane lower the counts" over an assumed slope, and named `hemasim drugs
        # mytaxane_user2026`, which is no shipped set: the file is what the scenario gave (ux33c)
        given = {ds.name: iv.drug_set for iv, ds in dosing}
        kinds = {e.full_model.slope_L_per_umol.provenance for ds in fitted for e in ds.effects
                 if e.full_model is not None}
        how = " or ".join(sorted(kinds))
        return (f"{how[0].upper()}{how[1:]} marrow kill: {drugs} {verb} the counts here by a kill in the full model "
                f"only (no published chain), its slope {how}; where it comes from: "
                + ", ".join(f"hemasim drugs {given.get(ds.name, ds.name)}" for ds in fitted) + ".")
    alone = ("; given without its partner, as here, its kill is not calibrated" if len(fitted) == 1 else "")
    return (f"Fitted marrow kill: {drugs} {verb} the counts here by one kill scale fitted on one figure: Ahmed "
            "2020's line of the day-20 ANC against cyclophosphamide exposure, read at the 600 mg/m2 arm's typical "
            "patient (72% of her baseline ANC on day 20; validation target C10), with AC at 60/600 mg/m2. How the "
            "kill splits between doxorubicin and cyclophosphamide is assumed (half each)" + alone + ". The depth, "
            "day and length of the AC nadirs were not fitted, and no published AC nadir found so far checks them "
            "(prediction C11, an ANC below 1.0e9/L in cycle 1, passes at any kill the fit allows): "
            "docs/chemotherapy_full_model.md, 'AC'.")


def drug_notes(result: Result, dosing: Dosing | None = None) -> list[str]:
    """The lines a reader needs beside the counts a run's drugs shaped, as the report (under the key results and in
    the Drugs section) and the explorer write them: the PK-only drugs (:func:`pk_only_text`) and what a fitted kill
    rests on (:func:`fitted_kill_text`); none for a run without a scenario. ``dosing``: :func:`run_dosing`'s (read
    here when not given)."""
    if result.record.scenario is None:
        return []
    dosing = run_dosing(result) if dosing is None else dosing
    return [t for t in (pk_only_text(result, dosing), fitted_kill_text(result, dosing)) if t]


def peak_text(result: Result, dosing: Dosing | None = None) -> str:
    """One line: each drug's peak plasma concentration (Cmax, re-integrated from the doses given: the
    ``<drug>_cmax_ng_per_mL`` endpoint, computed by the same family method with the run's parameters, so a fitted
    parameter_set's PK counts here as it does in endpoints.json) and its day beside its cumulative AUC; empty for a
    cohort or a run without a scenario or drug PK. ``dosing``: :func:`run_dosing`'s (read here when not given)."""
    from hemasim.interventions.base import EndpointContext
    from hemasim.report.key_results import day_text, value_text  # the report's number rule: "19050", "0.0417"

    scenario = result.record.scenario
    if scenario is None or result.model.n_patients is not None:
        return ""
    family = _endpoints_of(run_dosing(result) if dosing is None else dosing)
    if family is None:
        return ""
    ctx = EndpointContext(result.model.parameters, scenario.patient.age_years, result.record.administrations, 1,
                          covariates=scenario.patient.covariates())
    parts = []
    for drug in family.sets:
        if auc_observable(drug) not in result.model.observable_names:
            continue
        peak, peak_day = family._peak(drug, float(result.times[-1]), ctx)
        cmax, day = float(peak.values[0]), float(peak_day.values[0])
        if peak.missing:  # a set whose PK depends on the cells: said, where it was left out without a word
            parts.append(f"{drug} Cmax {peak.missing} (its concentration is drawn above)")
            continue
        if not cmax > 0:  # no dose given
            continue
        auc = float(result.observable(auc_observable(drug))[-1])
        when = f"day {day_text(day, hours=False)}{_after_dose(result, drug, day)}"
        parts.append(f"{drug} Cmax {value_text('ng/mL', cmax)} ng/mL on {when} (cumulative AUC "
                     f"{value_text(DRUG_UNITS['cumulative_auc'], auc)} ng·h/mL)")
    if not parts:
        return ""
    return ("Peak plasma concentration, from the drug's PK re-integrated over the doses given (the drawn curve's "
            "peak): " + "; ".join(parts) + ".")


def drawn_course(result: Result, drug: str, dosing: Dosing | None = None,
                 days: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """The days and ``drug`` concentrations (ng/mL) the report draws for a single run: its output times and, around
    each dose, the fine points of :func:`hemasim.pharmacology.peak.course_days`, from the PK the Cmax endpoint
    re-integrates. The 0.25-day output grid stepped over a 1-h infusion's peak: the plot showed docetaxel at ~30
    ng/mL beside a stated Cmax of 2,837 (report36). None for a cohort, a run without a scenario, or a drug whose
    Cmax is not computed (G-CSF: its sampled series is drawn). The simulation and its endpoints are not touched.
    ``days``: other days to evaluate it at (the explorer's panel, one grid for all arms)."""
    from hemasim.interventions.base import EndpointContext
    from hemasim.pharmacology.peak import course_days

    scenario = result.record.scenario
    if scenario is None or result.model.n_patients is not None:
        return None
    family = _endpoints_of(run_dosing(result) if dosing is None else dosing)
    if family is None or drug not in family.sets:
        return None
    ctx = EndpointContext(result.model.parameters, scenario.patient.age_years, result.record.administrations, 1,
                          covariates=scenario.patient.covariates())
    days = course_days(result.record.administrations, drug, result.times) if days is None else days
    conc = family.course(drug, days, ctx)
    return None if conc is None else (days, conc)


def _after_dose(result: Result, drug: str, day: float) -> str:
    """``, 1 h after the dose of day 0``: a peak's time from the last dose of ``drug`` given before it, as a clinician
    times a level (a peak "on day 0.04167" left the reader to work out the hour); empty without such a dose."""
    given = [float(e["day"]) for e in result.record.administrations
             if e.get("drug") == drug and float(e["given_ug"]) > 0 and float(e["day"]) <= day]
    if not given:
        return ""
    dose = max(given)
    return f", {(day - dose) * 24:.3g} h after the dose of day {dose:g}"


def amount_text(ug: float) -> str:
    """A dose as a prescription writes it: in mg from 1 mg, in µg below ("410 µg" of filgrastim, which the report gave
    as "0.41 mg" beside its 5 µg/kg; firsthour29)."""
    return f"{ug / 1000.0:.4g} mg" if ug >= 1000.0 else f"{ug:.4g} µg"


def dose_basis_text(result: Result, dosing: Dosing | None = None) -> str:
    """How each drug's full dose (:func:`amount_text`) follows from the scenario's dose: per m2 times the patient's body-surface
    area (Mosteller 1987, with the height and weight used), per kg times the weight, or flat; empty for a cohort
    (each patient has its own) or a run without a scenario. ``dosing``: :func:`run_dosing`'s (read here when not
    given)."""
    scenario, patient = result.record.scenario, result.model.info.patient
    if scenario is None or patient is None or result.model.n_patients is not None:
        return ""
    weight = float(patient.weight_kg)
    parts, per_m2 = [], False
    for iv, ds in run_dosing(result) if dosing is None else dosing:
        drug, amount = ds.drug, amount_text(float(iv.amount_ug(patient)))
        if iv.dose_mg_per_m2 is not None:
            per_m2 = True
            bsa = float(body_surface_area_m2(patient))
            parts.append(f"{drug} {iv.dose_mg_per_m2:g} mg/m² × {bsa:.4g} m² = {amount}")
        elif iv.dose_mg_per_kg is not None:
            parts.append(f"{drug} {iv.dose_mg_per_kg:g} mg/kg × {weight:g} kg = {amount}")
        elif iv.dose_ug_per_kg is not None:
            parts.append(f"{drug} {iv.dose_ug_per_kg:g} µg/kg × {weight:g} kg = {amount}")
        else:
            parts.append(f"{drug} {amount} (a flat dose)")
    if not parts:
        return ""
    text = "Full dose: " + "; ".join(dict.fromkeys(parts)) + "."
    if per_m2:  # a dose per m2 needs a height (check_in)
        text += (f" Body-surface area by Mosteller 1987: √(height {float(patient.height_cm or 0):g} cm × weight {weight:g} "
                 f"kg / 3600) = {float(body_surface_area_m2(patient)):.4g} m².")
    return text




class DosedSpec(InterventionSpec):
    """A drug given from a drug set: dose (one of four forms), route and, for infusions, their length."""

    drug_set: str = Field(min_length=1, description="name of a shipped drug set or path of a drug-set YAML file")
    dose_mg_per_m2: float | None = Field(default=None, gt=0, le=20000)
    dose_mg_per_kg: float | None = Field(default=None, gt=0, le=1000)
    dose_ug_per_kg: float | None = Field(default=None, gt=0, le=1e6)
    dose_mg: float | None = Field(default=None, gt=0, le=1e5)
    route: Literal["iv_bolus", "iv_infusion", "subcutaneous", "oral"]
    infusion_hours: float | None = Field(default=None, gt=0, le=24 * 14)
    #: fields given for one route and only for it (checked below; the explorer offers and drops them by it)
    ROUTE_ONLY_FIELDS: ClassVar[dict[str, str]] = {"infusion_hours": "iv_infusion"}

    report_section = ReportSection("drugs", _drug_section)  # chemotherapy and G-CSF share it

    @model_validator(mode="after")
    def _dose_and_route(self) -> DosedSpec:
        given = [k for k in ("dose_mg_per_m2", "dose_mg_per_kg", "dose_ug_per_kg", "dose_mg") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of dose_mg_per_m2, dose_mg_per_kg, dose_ug_per_kg or dose_mg")
        ds = drug_set_of(self.drug_set)
        if self.route not in ds.routes:
            raise ValueError(f"route: {self.route!r} is not a route of drug set {ds.name!r} "
                             f"(allowed: {', '.join(ds.routes)})")
        if ds.pk is None:
            raise ValueError(f"drug_set: {ds.name!r} has no PK model and cannot be dosed "
                             f"({(ds.pk_missing_reason or '').strip()})")
        for name, route in self.ROUTE_ONLY_FIELDS.items():
            if (self.route == route) != (getattr(self, name) is not None):
                raise ValueError(f"{name}: required for route {route} and only for it")
        self._kind_fits(ds)
        return self

    def _kind_fits(self, ds: DrugSet) -> None:
        """A ValueError when ``ds`` is not a drug of this kind (the set read once, here, with the checks above)."""

    @classmethod
    def endpoint_family(cls, interventions: Sequence[InterventionSpec]) -> EndpointFamily | None:
        """Chemotherapy and G-CSF share the drug endpoints (one family per scenario)."""
        return drug_endpoints(interventions)

    @property
    def schedule_field(self) -> str:
        """The field that holds the dose days (named in errors about them)."""
        return "schedule"

    def last_dose_text(self, named: bool = False) -> str:
        """The last dose as a line names it: "the last dose (day 63)", with the end of its infusion when it has one
        ("the last dose (day 63, its infusion ending on day 63.04)"; the bare end of the infusion, day 63.0417,
        read as a dose day nobody wrote); ``named``: with the drug ("the last dose (docetaxel on day 63, ...)")."""
        start = self.last_day - self.duration_days
        drug = f"{drug_set_of(self.drug_set).drug} on " if named else ""
        infusion = f", its infusion ending on day {self.last_day:.4g}" if self.duration_days > 0 else ""
        return f"the last dose ({drug}day {start:g}{infusion})"

    def _cycles_that_fit(self, duration_days: float) -> str:
        """", or cycles: N" where a schedule of cycles would end inside ``duration_days`` with N of them (N >= 1),
        else empty: the line said what was wrong and not the two ways to put it right (firsthour29)."""
        schedule = getattr(self, "schedule", None)
        if schedule is None or schedule.cycles is None or schedule.every_days is None:
            return ""
        first_ends = self.last_day - (schedule.cycles - 1) * schedule.every_days  # the first cycle's last dose ends
        fit = math.floor((duration_days - first_ends) / schedule.every_days) + 1 if duration_days >= first_ends else 0
        return f", or cycles: {fit}" if 1 <= fit < schedule.cycles else ""

    def check_in(self, facts: ScenarioFacts, index: int) -> None:
        if self.last_day > facts.duration_days:
            raise ValueError(f"interventions.{index}.{self.schedule_field}: {self.last_dose_text()} is after the end "
                             f"of the scenario (duration_days = {facts.duration_days:g}); it needs duration_days >= "
                             f"{math.ceil(self.last_day):g}{self._cycles_that_fit(facts.duration_days)}")
        drug = drug_set_of(self.drug_set)
        if facts.drug_sets.setdefault(drug.drug, drug.name) != drug.name:
            raise ValueError(f"interventions.{index}.drug_set: {drug.drug} is already dosed with set "
                             f"{facts.drug_sets[drug.drug]!r}; one scenario uses one set per drug")
        if self.dose_mg_per_m2 is not None and facts.patient_height_cm is None:
            raise ValueError(f"patient.height_cm: needed for dose_mg_per_m2 in interventions.{index} "
                             "(body surface area, Mosteller 1987)")

    def extension_requests(self) -> list[ExtensionRequest]:
        from hemasim.pharmacology.pkpd import DrugExposure

        ds = drug_set_of(self.drug_set)
        return [ExtensionRequest(ExtensionOrder.DRUG, ("drug", ds.drug), lambda: DrugExposure(ds))]

    def amount_ug(self, cov: Covariates) -> float | np.ndarray:
        if self.dose_mg_per_m2 is not None:
            return self.dose_mg_per_m2 * body_surface_area_m2(cov) * 1000.0
        if self.dose_mg_per_kg is not None:
            return self.dose_mg_per_kg * np.asarray(cov.weight_kg, dtype=np.float64) * 1000.0
        if self.dose_ug_per_kg is not None:
            return self.dose_ug_per_kg * np.asarray(cov.weight_kg, dtype=np.float64)
        assert self.dose_mg is not None  # _dose_and_route: exactly one form is given
        return self.dose_mg * 1000.0

    def bioavailability(self) -> float:
        ds = drug_set_of(self.drug_set)
        if self.route in ("subcutaneous", "oral") and ds.pk is not None and ds.pk.absorption is not None:
            return float(ds.pk.absorption.bioavailability.value)
        return 1.0

    @property
    def duration_days(self) -> float:
        return (self.infusion_hours or 0.0) / 24.0

    def regimen(self, cov: Covariates, schedule: Schedule, rules: tuple[DoseRule, ...]) -> Regimen:
        from hemasim.pharmacology.dosing import Regimen

        starts = schedule.cycle_starts()
        ds = drug_set_of(self.drug_set)
        return Regimen(starts[0], ds.drug, self.route, self.amount_ug(cov), self.duration_days,
                       self.bioavailability(), cycle_offsets=tuple(s - starts[0] for s in starts),
                       days_in_cycle=tuple(schedule.days_in_cycle) if schedule.days is None else (0.0,), rules=rules)

    def check_schedule(self, schedule: Schedule) -> None:
        days = schedule.dose_days()
        gaps = np.diff(days)
        if len(gaps) and self.duration_days > 0 and np.min(gaps) < self.duration_days:
            raise ValueError(f"schedule: infusions overlap (a {self.infusion_hours:g}-h infusion, doses "
                             f"{np.min(gaps):g} d apart)")


# ------------------------------------------------------------------ drug endpoints (chemotherapy and G-CSF)
def auc_observable(drug: str) -> str:
    """The cumulative-exposure observable of a drug (hemasim.pharmacology.pkpd.DrugExposure)."""
    return f"{drug}_auc_ng_h_per_mL"


#: the unit of each endpoint of a drug, by the end of its name (``<drug>_<end>``)
DRUG_UNITS = {"cumulative_auc": "ng*h/mL", "cmax_ng_per_mL": "ng/mL", "cmax_day": "day", "delivered_mg": "mg",
              "fraction_of_planned_dose": "1", "cycle_delays": "count"}


def dose_endpoint_values(log: Sequence[Mapping[str, object]], n: int, drugs: Sequence[str] | None = None
                         ) -> list[EndpointColumn]:
    """Per drug (those of the log unless ``drugs`` is given) and patient, from an administration log
    (entries hold one value, or one per patient of a cohort): mg delivered, the fraction of the full doses
    delivered (reductions) and the cycles a dose rule delayed."""
    out = []
    for drug in drugs if drugs is not None else list(dict.fromkeys(str(e["drug"]) for e in log)):
        given, full, delays = np.zeros(n), np.zeros(n), np.zeros(n)
        for e in (e for e in log if e["drug"] == drug):
            planned = np.broadcast_to(np.asarray(e["planned_ug"], dtype=np.float64), (n,))
            if e["action"] == "given":
                given += np.broadcast_to(np.asarray(e["given_ug"], dtype=np.float64), (n,))
                full += planned
            elif str(e["action"]).startswith("delayed"):
                delays += planned > 0
        out += [EndpointColumn(f"{drug}_delivered_mg", "mg", f"total {drug} given (after reductions)", given / 1000.0),
                EndpointColumn(f"{drug}_fraction_of_planned_dose", "1", f"{drug} given / full doses of the "
                               "administrations made (dose reductions lower it; delays are counted separately)",
                               np.divide(given, full, out=np.full(n, np.nan), where=full > 0)),
                EndpointColumn(f"{drug}_cycle_delays", "count", f"{drug} cycles delayed by a dose rule", delays)]
    return out


#: why a G-CSF's Cmax has no value, as its note says it (endpoints.json, the tables): "not computed" alone, after a
#: graft beside a filgrastim course drawn on the plots, read as a gap in the run (ux36)
CELL_CLEARED_NOTE = "not computed: its clearance runs through the neutrophils"


#: A Cmax (or its day) of a drug cleared through the neutrophils, not re-integrated apart from the cells.
_CellClearedColumn = functools.partial(NotedColumn, note=CELL_CLEARED_NOTE)


class DrugEndpoints(EndpointFamily):
    """Per drug of the model (a drug set's PK): cumulative exposure (AUC from day 0 to the end), the peak
    concentration (Cmax) and its day, and the dose endpoints of :func:`dose_endpoint_values`, read from the run's administration log."""

    def __init__(self, drugs: Sequence[str], sets: Mapping[str, DrugSet] | None = None) -> None:
        self.drugs = list(drugs)
        self.sets = dict(sets or {})  # drug -> its set (the Cmax endpoints re-integrate its PK)

    def observables(self, available: Sequence[str]) -> list[str]:
        return [auc_observable(d) for d in self.drugs if auc_observable(d) in available]

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        out: list[EndpointColumn] = []
        for drug in self.drugs:
            if auc_observable(drug) not in obs:  # a model without the drug's PK (the Friberg chain)
                continue
            out.append(EndpointColumn(f"{drug}_cumulative_auc", "ng*h/mL", f"area under the {drug} plasma "
                                      "concentration curve from day 0 to the end of the run",
                                      obs[auc_observable(drug)][:, -1]))
            out += self._peak(drug, float(times[-1]), ctx)
            out += dose_endpoint_values(ctx.administrations, ctx.n_patients, [drug])
        return out

    def _computes_cmax(self, drug: str) -> bool:
        """Whether the drug's Cmax is computed: not where its PK depends on the cells (G-CSF's clearance through the
        neutrophils, :func:`hemasim.pharmacology.peak.cmax_supported`)."""
        from hemasim.pharmacology.peak import cmax_supported

        ds = self.sets.get(drug)
        return ds is None or cmax_supported(ds)

    def not_computed(self) -> list[str]:
        return [f"{drug}_{end}" for drug in self.drugs if not self._computes_cmax(drug)
                for end in ("cmax_ng_per_mL", "cmax_day")]

    def _peak(self, drug: str, end_day: float, ctx: EndpointContext) -> list[EndpointColumn]:
        """Cmax and its day: the drug's PK integrated alone from the doses given (hemasim.pharmacology.peak), not
        read from the sampled concentration; NaN where the PK depends on the cells (G-CSF) or without covariates."""
        from hemasim.pharmacology.peak import plasma_peaks

        n = ctx.n_patients
        cmax, day = np.full(n, np.nan), np.full(n, np.nan)
        ds = self.sets.get(drug)
        if not self._computes_cmax(drug):
            # endpoints.json said "not reached" for pegfilgrastim's Cmax, as if the drug never peaked
            why = (f"not computed: {drug}'s clearance runs through the neutrophils, so its PK is not re-integrated "
                   f"apart from the cells; timeseries.csv's {drug}_concentration_ng_per_mL is the simulated course")
            return [_CellClearedColumn(f"{drug}_cmax_ng_per_mL", "ng/mL", f"highest {drug} plasma concentration "
                                       f"over the run ({why})", cmax),
                    _CellClearedColumn(f"{drug}_cmax_day", "day", f"day of the highest {drug} plasma concentration "
                                       "(not computed, as its Cmax)", day)]
        if ds is not None and ctx.covariates is not None:
            cmax, day = plasma_peaks(ds, ctx.covariates, ctx.administrations, n, end_day, self._pk_values(ds, ctx))
        return [EndpointColumn(f"{drug}_cmax_ng_per_mL", "ng/mL", f"highest {drug} plasma concentration over the run (PK "
                               "re-integrated from the doses given, not the sampled series; docs/drugs.md)", cmax),
                EndpointColumn(f"{drug}_cmax_day", "day", f"day of the highest {drug} plasma concentration", day)]

    @staticmethod
    def _pk_values(ds: DrugSet, ctx: EndpointContext) -> dict[str, Any]:
        """The run's own PK values of a set (a fitted parameter_set may change one), then a cohort's per patient."""
        recorded = {path: ctx.parameters.value(f"{ds.name}__{path.replace('.', '_')}")
                    for path, _ in ds.values_with_paths()
                    if path.startswith("pk.") and f"{ds.name}__{path.replace('.', '_')}" in ctx.parameters}
        return {**recorded, **ctx.drug_values.get(ds.name, {})}

    def course(self, drug: str, days: np.ndarray, ctx: EndpointContext) -> np.ndarray | None:
        """One patient's ``drug`` concentration (ng/mL) at ``days``, from the PK its Cmax is re-integrated with
        (:func:`hemasim.pharmacology.peak.plasma_course`): what the report draws, its peak the Cmax endpoint's; None
        where the Cmax is not computed (G-CSF) or the set or the covariates are unknown."""
        from hemasim.pharmacology.peak import plasma_course

        ds = self.sets.get(drug)
        if ds is None or ctx.covariates is None or not self._computes_cmax(drug):
            return None
        return plasma_course(ds, ctx.covariates, ctx.administrations, days, self._pk_values(ds, ctx))

    def units(self) -> dict[str, str]:
        return {f"{drug}_{end}": unit for drug in self.drugs for end, unit in DRUG_UNITS.items()}


def dosed_interventions(interventions: Sequence[InterventionSpec]) -> list[DosedSpec]:
    """The dosed interventions (chemotherapy, G-CSF) of a scenario, a combination regimen (kind
    chemotherapy_regimen) standing for those of its ``dosed_parts()``, in order."""
    return [p for iv in interventions for p in ([iv] if isinstance(iv, DosedSpec) else
                                                getattr(iv, "dosed_parts", list)())]


def drug_endpoints(interventions: Sequence[InterventionSpec]) -> EndpointFamily | None:
    return _endpoints_of([(iv, drug_set_of(iv.drug_set)) for iv in dosed_interventions(interventions)])


def _endpoints_of(dosing: Dosing) -> DrugEndpoints | None:
    """The drug endpoints of the dosed interventions with their sets (one family per scenario; None without)."""
    sets = {ds.drug: ds for _, ds in dosing}
    return DrugEndpoints(list(sets), sets) if sets else None
