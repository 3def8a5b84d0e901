"""Plausibility of a valid scenario: values the schema accepts but a clinician would not write.

The schema refuses what cannot be meant (a negative dose, a zero duration, an age over 120: errors). A value
inside the schema's range can still be a unit slip: ``cd34_per_kg: 5`` (the user meant 5e6) simulates a graft
of five cells per kg, which fails, and the report then shows a graft failure instead of the mistake. This
module compares the values of a valid scenario with the ranges met in the clinic, each stated with its source
and why, and returns one warning line per value outside, in the format of the schema's error lines
(``field.path: what; the likely fix``). It never changes a value: loading a scenario from a file warns
(:class:`PlausibilityWarning`, Python's ``warnings``: ``hs.load_scenario`` in a notebook as ``hemasim run``, which
shows each as a ``hemasim: warning:`` line), ``hemasim check`` lists them, the report repeats them, and the
scenario runs as written.

The ranges are deliberately wide (the clinic's extremes, not its usual values): a warning says "check this",
not "this is wrong".
"""

from __future__ import annotations

import csv
import functools
import io
import math
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hemasim.clonal.gene_therapy_report import GeneTherapyScenario
    from hemasim.interventions import InterventionSpec
    from hemasim.scenario import Patient, Scenario

__all__ = ["NATIONAL_MEAN_HEIGHTS_CM", "PER_KG_DOSE_RANGES", "RANGES", "ClinicalRange", "OutputGridWarning",
           "PlausibilityWarning", "child_height_band", "child_weight_band", "gene_therapy_warning_lines",
           "gene_therapy_warnings", "no_output_grid", "note_lines", "plausibility_warnings", "scenario_warnings",
           "warn_implausible", "warning_lines"]


class PlausibilityWarning(UserWarning):
    """A value of a valid scenario outside the range met in the clinic, warned when the scenario is loaded from its
    file (:func:`hemasim.scenario.load_scenario`, :func:`hemasim.clonal.gene_therapy_report.load_gene_therapy_scenario`);
    the message is one of :func:`warning_lines`' (``FILE: field: what; the likely fix``). The command line shows each
    as a ``hemasim: warning:`` line (``hemasim.cli._errors.loaded``), once."""


class OutputGridWarning(PlausibilityWarning):
    """A chemotherapy scenario that gives no output grid (``output.every_days``): its nadirs are read on the default
    1-day grid. Its own class, so that a use that reads no output grid (a fit, which simulates at its measurements'
    days; a PEtab import; an SBML export, which has no grid) leaves it out by class (:func:`no_output_grid`), not by
    its text."""


@contextmanager
def no_output_grid() -> Iterator[None]:
    """Within the block, no :class:`OutputGridWarning` (a loader whose result is read at no output grid)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OutputGridWarning)
        yield


@dataclass(frozen=True)
class ClinicalRange:
    """The range of a value met in the clinic, with its unit and where the range comes from."""

    low: float
    high: float
    unit: str
    why: str  # the source of the range, and what it covers
    typical: float | None = None  # a usual value (from the same source): a "did you mean" lands nearest to it

    def text(self) -> str:
        return f"{_g(self.low)}-{_g(self.high)} {self.unit}"


#: the ranges the warnings compare with, by name (docs/scenarios.md, "Plausibility warnings", lists them). Where
#: a bound is a margin beyond the published values rather than a published value, ``why`` says so.
RANGES: dict[str, ClinicalRange] = {
    # Ketterer 1998 Blood 91:3148 (abstract): 168 autologous PBPC grafts in groups from <= 2.5e6 to > 15e6/kg;
    # Gunn 2003 BBMT 9:643: > 10e6/kg; Br J Haematol 2000 (doi 10.1046/j.1365-2141.2000.01838.x): marrow and blood
    # allografts from < 1e6 to >= 3e6/kg, survival 10% below 1e6/kg
    "cd34_per_kg": ClinicalRange(
        1e6, 2e7, "CD34+/kg",
        "marrow and mobilised-blood grafts: Ketterer 1998, <= 2.5e6 to > 15e6/kg in 168 grafts; below 1e6/kg "
        "grafts are rare and often fail", typical=5e6),
    # Blood 2002;100:1611 (102 single-unit grafts: best survival with >= 1.7e5 CD34+/kg); the lower bound is a
    # tenth of that dose (a margin); the upper bound is computed per patient from the largest of 1309 banked units
    # (20.56e6 CD34+, Mazzocchetti 2014, the source of cord_blood_cd34_per_tnc): see _cord_range
    "cord_cd34_per_kg": ClinicalRange(
        1.7e4, 2.056e7, "CD34+/kg",
        "cord-blood units: Blood 2002;100:1611 aims at >= 1.7e5/kg (lower bound: a tenth of it); the largest of "
        "1309 banked units held 2.06e7 CD34+ (Mazzocchetti 2014), per kg of this patient", typical=1.7e5),
    # Barker 2005 Blood 105:1343 (double units, adults: 1.1-6.3e7/kg); COBLT children median 3.9e7 (target K2); the
    # bounds are the published range widened tenfold below and to 1e8 above (children: more cells per kg)
    "tnc_per_kg": ClinicalRange(
        1.1e6, 1e8, "nucleated cells/kg",
        "cord-blood grafts: Barker 2005, 1.1-6.3e7/kg (two units, adults), COBLT children median 3.9e7; bounds "
        "widened tenfold below and to 1e8 above", typical=3.5e7),
    # the T-cell-depleted marrow of validation targets T4 and D3 carries 1e5 CD3+/kg; DLI escalate from 1e5 to 1e8
    # (the field's description); mobilised-blood allografts a median 1.8e8/kg, autografts 7.6e7/kg (the sourced
    # defaults, hemasim.parameters.graft_t_cells)
    "cd3_per_kg": ClinicalRange(
        1e4, 1e9, "CD3+/kg",
        "T-cell-depleted grafts carry ~1e5/kg (targets T4, D3), mobilised-blood allografts a median 1.8e8/kg "
        "(Bone Marrow Transplant 2000;25:501); donor lymphocyte infusions escalate 1e5-1e8/kg; bounds a tenfold "
        "margin beyond", typical=1.8e8),
    # JPAC Red Book (UK Blood Transfusion Guidelines) 3.7: a whole-blood donation is 450 mL +- 10%; the schema's
    # 5000 mL (a haemorrhage) is the upper bound
    "volume_mL": ClinicalRange(
        45.0, 5000.0, "mL",
        "a whole-blood donation is 450 mL +- 10% (JPAC Red Book 3.7); a tenth of it is a blood sample", typical=450.0),
    # WHO BMI classes (WHO 1995/2000/2004): < 16 severe thinness, "a valid extreme limit"; >= 40 obesity class III
    "bmi": ClinicalRange(
        12.0, 70.0, "kg/m2",
        "WHO classes run from severe thinness (< 16) to obesity class III (>= 40); bounds a margin beyond, where "
        "a weight in pounds or a height in inches is likelier than the patient"),
    # a cohort's mean, not a patient: NCD-RisC 2016 (Lancet 387:1377, 19.2 million adults of 200 countries; the
    # abstract gives the world's 24.2 (men) and 24.4 (women) kg/m2 in 2014; the extremes as its press summary gives
    # them, pages corpus): national means from 20.1 (Ethiopian men) and 20.8 (Timor-Leste women) to 32.2 and 34.8
    # (American Samoa). The bounds: WHO's severe thinness (< 16) below, a margin past obesity class III (>= 40) above
    # (a bariatric clinic's cohort)
    "cohort_bmi": ClinicalRange(
        16.0, 50.0, "kg/m2",
        "a cohort's mean: national mean BMIs run from 20.1 (Ethiopian men) to 34.8 (American Samoan women; NCD-RisC "
        "2016, Lancet 387:1377); bounds WHO's severe thinness (< 16) and a margin past obesity class III (>= 40)"),
    # NCD-RisC 2016 (eLife 5:e13410, 18.6 million adults born 1896-1996 in 200 countries): national mean heights from
    # 140.3 cm (Guatemalan women born 1896) to above 182.5 cm (Dutch men born late in the 20th century); the bounds a
    # margin of about 5 cm below and 12 above
    "cohort_height_cm": ClinicalRange(
        135.0, 195.0, "cm",
        "a cohort's mean: national mean adult heights run from 140.3 cm (Guatemalan women born 1896) to 182.5 cm "
        "(Dutch men; NCD-RisC 2016, eLife 5:e13410); bounds a margin beyond"),
    # the labels' highest single doses, as the shipped regimen files record them; the lower bound is a margin far
    # below any schedule's dose (weekly schedules give less than 60 mg/m2), under which a dose in grams is likelier
    "docetaxel_mg_per_m2": ClinicalRange(
        1.0, 100.0, "mg/m2", "Taxotere label section 2: 60-100 mg/m2 every 3 weeks; weekly schedules give less"),
    # the cycles of the shipped regimen files: 21 days (Taxotere label section 2, every 3 weeks; Ahmed 2020's AC and
    # FAC); weekly schedules give 7; the upper bound (6 weeks) a margin beyond the 4-weekly cycles some labels give
    "cycle_days": ClinicalRange(
        1.0, 42.0, "days", "chemotherapy cycles run weekly to every 3-4 weeks (Taxotere label section 2: every 3 "
        "weeks); the bound is a margin beyond"),
    # Taxotere label section 2: a 1-hour intravenous infusion (recorded in the shipped regimen files)
    "docetaxel_infusion_hours": ClinicalRange(
        0.25, 24.0, "hours", "Taxotere label section 2: a 1-hour intravenous infusion; bounds a margin around it",
        typical=1.0),
    "pegfilgrastim_mg": ClinicalRange(
        0.6, 6.0, "mg", "Neulasta label section 2: 6 mg once per chemotherapy cycle; lower bound a tenth of it",
        typical=6.0),
    # Neupogen (filgrastim) US label section 2 (as drugs.com/dosage/neupogen.html reproduces it): 5 ug/kg/day after
    # myelosuppressive chemotherapy (raised in steps of 5 ug/kg per cycle), 10 ug/kg/day after myeloablative
    # therapy and for mobilisation, 6 ug/kg twice daily (congenital) or 5 ug/kg/day (idiopathic, cyclic
    # neutropenia); the EU label's lowest, 1 ug/kg/day (HIV). The bounds are a margin: a tenth of the usual 5
    # ug/kg below, tenfold the labelled 10 ug/kg above (the 16 ug/kg/day of targets G2 and G8 lie inside)
    "filgrastim_ug_per_kg": ClinicalRange(
        0.5, 100.0, "ug/kg", "Neupogen label section 2: 5 ug/kg/day after chemotherapy, 10 ug/kg/day for "
        "mobilisation and after marrow transplant, 6 ug/kg twice daily in congenital neutropenia; bounds a tenth of "
        "5 below, tenfold 10 above", typical=5.0),
    # a dose rule's threshold is in 1e9/L (Rule.below); the clinic writes it in cells/uL or /mm3 (1,500 for 1.5e9/L).
    # Taxotere label section 2, dose adjustments (as MIMS reproduces it, pages corpus: uat.mimsdev.com/philippines/
    # drug/info/docetax/dosage): "administer docetaxel when neutrophil count is >= 1,500 cells/mm3"; a breast
    # regimen's table (PMC4671866, Table 1) gives full doses at neutrophils >= 1.5 and platelets >= 90-100 x 10^3/uL.
    # The bounds are a margin: a tenth and tenfold of the usual threshold
    "anc_rule_1e9_per_L": ClinicalRange(
        0.15, 15.0, "1e9/L", "a dose rule's ANC threshold, in 1e9/L: the Taxotere label gives docetaxel at >= 1,500 "
        "cells/mm3, written 1.5 here (a count per uL or mm3 is 1000 times it); bounds a tenth and tenfold of 1.5",
        typical=1.5),
    "platelets_rule_1e9_per_L": ClinicalRange(
        10.0, 1000.0, "1e9/L", "a dose rule's platelet threshold, in 1e9/L: a regimen's table gives full doses at "
        ">= 90,000/uL and a delay below 100,000/uL (PMC4671866, Table 1), written 100 here (a count per uL is 1000 times it); bounds a tenth and tenfold "
        "of 100", typical=100.0),
}

#: the drugs whose label gives the dose per kg, and the range (ug/kg per dose, in :data:`RANGES`) a dose-per-kg
#: field (``dose_ug_per_kg``, ``dose_mg_per_kg``) of theirs is compared with
PER_KG_DOSE_RANGES: dict[str, str] = {"filgrastim": "filgrastim_ug_per_kg"}
#: pegfilgrastim by weight (Neulasta US label section 2.1 and its Table 1, as 120ty.net/bencandy.php?aid=40241&fid=134
#: and Davis's Drug Guide (download.skyscape.com, drdrug ed19_2024, tu48) reproduce them, pages corpus): 6 mg from
#: 45 kg, adults and children alike; under 45 kg a dose by weight, 0.1 mg/kg under 10 kg, then 1.5, 2.5 and 4 mg at
#: 10-20, 21-30 and 31-44 kg (75-150 ug/kg). A per-kg dose is a child's: from this weight the label's dose is flat
PEGFILGRASTIM_FLAT_FROM_KG = 45.0
#: the label's flat doses of children of 10-44 kg (Table 1; the same sources): (the band as the label writes it, the
#: weight it ends below, kg, the dose, mg). The label's bands are whole kilograms; a weight between two (20.5 kg) is
#: read in the lower one, as 44.5 kg is below :data:`PEGFILGRASTIM_FLAT_FROM_KG`. Under 10 kg the label gives 0.1 mg/kg
PEGFILGRASTIM_CHILD_BANDS = (("10-20 kg", 21.0, 1.5), ("21-30 kg", 31.0, 2.5), ("31-44 kg", 45.0, 4.0))
PEGFILGRASTIM_PER_KG_BELOW_KG = 10.0
#: the label's dose per kg under 10 kg (0.1 mg/kg), ug/kg
PEGFILGRASTIM_INFANT_UG_PER_KG = 100.0
#: the label's pegfilgrastim doses per kg (its 100 ug/kg under 10 kg, its table's 75-150 ug/kg up to 44 kg): a per-kg
#: dose that a factor 1000 brings in here is taken for mg/kg and ug/kg swapped, at any weight (within 0.6-6 mg the
#: slip was found up to 60 kg only: 0.1 mg/kg is 7 mg at 70 kg). The lower bound a tenth of 100, as the mg range's is
#: of 6
PEGFILGRASTIM_UG_PER_KG = ClinicalRange(
    10.0, 150.0, "ug/kg", "Neulasta label section 2, Table 1: 0.1 mg/kg under 10 kg, 75-150 ug/kg up to 44 kg",
    typical=PEGFILGRASTIM_INFANT_UG_PER_KG)
#: the dose-per-kg fields of a dosed intervention, with their unit in ug/kg (a slip between the two is a factor 1000)
_PER_KG_FIELDS = {"dose_ug_per_kg": 1.0, "dose_mg_per_kg": 1000.0}

#: adults' weights, kg, outside which a weight in pounds or grams is checked for (the truncation a cohort's adults'
#: weights get, hemasim.cohort.sampling.weight_range_kg: 30-250 kg)
ADULT_WEIGHT_KG = (30.0, 250.0)
#: an adult's BMI (kg/m2) from which weight_kg is asked about as a weight in pounds: severe obesity (WHO class III,
#: 40 or more). Most weights in pounds are possible weights in kg (165), so no bound on the weight alone can tell them;
#: with a height, a weight in pounds read as kg has 2.2 times its BMI, a usual adult's 18.5-30 reading 41-66, inside
#: RANGES["bmi"] (warned only beyond 70). A question, never a conversion: 9.2% of US adults have a BMI of 40 or more
#: (NHANES 2017-2018, age-adjusted; Hales 2020, NCHS Data Brief 360, cdc.gov/nchs/products/databriefs/db360.htm,
#: pages corpus), and their weight is right (tidy30)
POUNDS_QUESTION_BMI = 40.0
#: a child's (under 18 years) weight is warned about outside this many SD of the CDC 2000 weight-for-age reference for
#: the age and sex (Kuczmarski 2002, Vital Health Stat 11(246): LMS curves from birth to 20 years; the numbers and where
#: each was read: data/cdc2000_weight_for_age/README.md). WHO's cut-offs for severe underweight and obesity are 3 SD;
#: the upper tail at +3 SD is an extrapolation of the LMS curves beyond their 97th percentile, wide where the
#: reference is skewed (about 3 times the median at 17 years): a band for a unit slip, not a diagnosis
CHILD_WEIGHT_SD = 3.0
#: the reference the child-weight warnings cite
_CDC_2000 = "CDC 2000 growth charts, Kuczmarski 2002 Vital Health Stat 11(246)"
#: the CDC tables' rows that the band reads (package data: a wheel carries no data/ folder)
_WEIGHT_FOR_AGE_FILE = "weight_for_age_cdc2000.csv"
#: a child's height likewise, against the same charts' length-for-age (birth-36 months, lying) and stature-for-age
#: (2-20 years) curves (the rows and where each was read: data/cdc2000_height_for_age/README.md). Height below -3 SD is
#: WHO's severe stunting (MEASURE Evaluation's indicator page, pages corpus: "severe = height-for-age below -3 standard
#: deviations from the WHO Child Growth Standards median"); a height in inches lies near -30 SD
CHILD_HEIGHT_SD = 3.0
_HEIGHT_FOR_AGE_FILE = "height_for_age_cdc2000.csv"
#: the shortest and the tallest national mean adult heights, cm (NCD-RisC 2016, eLife 5:e13410: Guatemalan women born
#: 1896, Dutch men born in the last quarter of the 20th century): where a cohort draws no height, its mean weight is
#: checked against the cohort BMI range at these
NATIONAL_MEAN_HEIGHTS_CM = (140.3, 182.5)
#: days after a graft before which the engraftment endpoints cannot be read: primary graft failure is defined at
#: day 28 (hemasim.interventions.transplant), and neutrophils engraft 7-41 days after a graft (Ketterer 1998,
#: Barker 2005)
GRAFT_READ_DAYS = 28.0

#: days after a graft before which a vaccine dose is warned about: ECIL-7 (Cordonnier 2019 Lancet Infect Dis
#: 19:e200; as validation targets I5/I6 read it) starts inactivated vaccines 3-6 months after HSCT (conjugate
#: pneumococcal from 3 months); the bound is a month's margin below that (the shipped PCV example doses 91 days on)
VACCINE_AFTER_GRAFT_DAYS = 60.0
#: the largest vaccine dose not warned about, in standard doses: the high-dose influenza vaccine holds 4 times the
#: standard antigen, 60 against 15 ug haemagglutinin per strain (Dalcin and Kwong 2019, CMAJ 191:E313;
#: pmc.ncbi.nlm.nih.gov/articles/PMC6422785, pages corpus); above it a dose is more likely ug or mL (ux35b)
VACCINE_MAX_STANDARD_DOSES = 4.0
#: a lb is this many kg
KG_PER_LB = 0.45359237
#: factors tried for "did you mean": a count written in the clinic's "x 10^k" (5 for 5e6), a volume in litres, a
#: dose in grams; downwards only a unit prefix (ug for mg): a value too high by another factor is not a slip
_SCALES = (*(10.0 ** k for k in range(1, 10)), 1e-3, 1e-6)

Implausible = tuple[str, str]  # (field path, what is implausible and the likely fix)


def _g(x: float) -> str:
    """``x`` as a scenario would write it: 5e6, 0.45, 180."""
    return f"{x:.3g}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def _past(x: float, bound: float) -> str:
    """``x`` as :func:`_g` writes it, with more digits where that would print the bound it lies beyond (100.4
    mg/m2 "above 1-100 mg/m2" read "100 mg/m2")."""
    return _g(x) if _g(x) != _g(bound) else f"{x:.6g}"


def _scaled_guess(value: float, rng: ClinicalRange) -> str:
    """``; did you mean 5e6?`` when a power of ten brings ``value`` inside ``rng`` (a unit slip; the one nearest
    the range's typical value), else ``""``."""
    inside = [value * scale for scale in _SCALES if rng.low <= value * scale <= rng.high]
    typical = rng.typical if rng.typical is not None else math.sqrt(rng.low * rng.high)
    if not inside or value <= 0:
        return ""
    return f"; did you mean {_g(min(inside, key=lambda x: abs(math.log10(x / typical))))}?"


def _outside(path: str, value: float, rng: ClinicalRange, what: str, guess: bool = True,
             hint: str | None = None) -> Iterator[Implausible]:
    """A warning when ``value`` lies outside ``rng``; ``guess``: with the value meant when a power of ten brings it
    in (only where ``value`` is the field's own number); ``hint``: the value meant, said by the caller instead."""
    if not rng.low <= value <= rng.high:
        side = "below" if value < rng.low else "above"
        meant = hint if hint is not None else _scaled_guess(value, rng) if guess else ""
        yield path, f"{_g(value)} {what} is {side} the clinical range {rng.text()}{meant} ({rng.why})"


@functools.cache
def _lms_rows(file: str) -> dict[str, tuple[tuple[float, float, float, float], ...]]:
    """The CDC 2000 LMS rows of ``file`` (package data) by sex: (age in months, L, M, S), in ascending age."""
    from importlib import resources

    text = resources.files("hemasim.scenario").joinpath(file).read_text(encoding="utf-8")
    rows: dict[str, list[tuple[float, float, float, float]]] = {"male": [], "female": []}
    for row in csv.DictReader(io.StringIO(text)):
        rows[row["sex"]].append((float(row["age_months"]), float(row["L"]), float(row["M"]), float(row["S"])))
    return {sex: tuple(sorted(r)) for sex, r in rows.items()}


def _lms_value(lam: float, median: float, cv: float, z: float) -> float:
    """The value at z-score ``z`` of an LMS curve (Cole & Green 1992); ``inf`` where the Box-Cox curve has no value
    (the skewed upper tail of a negative L)."""
    if lam == 0.0:
        return median * math.exp(cv * z)
    base = 1.0 + lam * cv * z
    if base <= 0.0:
        return math.inf if z > 0 else 0.0
    return median * base ** (1.0 / lam)


def _lms_band(file: str, age_years: float, sex: str, sd: float) -> tuple[float, float]:
    """The values at -``sd`` and +``sd`` of the CDC 2000 LMS curve in ``file`` for ``age_years`` and ``sex``; L, M and S
    interpolated linearly in age between the copied ages (birth to 20 years; an age beyond is read at 20)."""
    rows = _lms_rows(file)[sex]
    months = min(max(age_years * 12.0, rows[0][0]), rows[-1][0])
    i = max(1, next((k for k, r in enumerate(rows) if r[0] >= months), len(rows) - 1))
    (a0, *lms0), (a1, *lms1) = rows[i - 1], rows[i]
    f = (months - a0) / (a1 - a0)
    lam, median, cv = (x0 + f * (x1 - x0) for x0, x1 in zip(lms0, lms1, strict=True))
    return _lms_value(lam, median, cv, -sd), _lms_value(lam, median, cv, sd)


def child_weight_band(age_years: float, sex: str, sd: float = CHILD_WEIGHT_SD) -> tuple[float, float]:
    """The weights, kg, at -``sd`` and +``sd`` of the CDC 2000 weight-for-age reference for a child of ``age_years``
    and ``sex`` ("male", "female"), as :func:`_lms_band` reads it."""
    return _lms_band(_WEIGHT_FOR_AGE_FILE, age_years, sex, sd)


def child_height_band(age_years: float, sex: str, sd: float = CHILD_HEIGHT_SD) -> tuple[float, float]:
    """The heights, cm, at -``sd`` and +``sd`` of the CDC 2000 length-for-age (under 2 years: lying) and
    stature-for-age (from 2 years) references for a child of ``age_years`` and ``sex``, as :func:`_lms_band` reads
    them."""
    return _lms_band(_HEIGHT_FOR_AGE_FILE, age_years, sex, sd)


def _weight(age: float, sex: str, w: float) -> Iterator[Implausible]:
    if age >= 18 and not ADULT_WEIGHT_KG[0] <= w <= ADULT_WEIGHT_KG[1]:
        hint = (f"; if that is pounds, {w * KG_PER_LB:.3g} kg" if w > ADULT_WEIGHT_KG[1] else
                "; the unit is kg")
        yield "patient.weight_kg", (f"{_g(w)} kg for an adult of {age:g} years is outside "
                                    f"{ADULT_WEIGHT_KG[0]:g}-{ADULT_WEIGHT_KG[1]:g} kg{hint}")
    elif age < 18:
        low, high = child_weight_band(age, sex)
        if not low <= w <= high:
            child = "boy" if sex == "male" else "girl"
            pounds = f"; if that is pounds, {w * KG_PER_LB:.3g} kg" if low <= w * KG_PER_LB <= high else ""
            yield "patient.weight_kg", (f"{_g(w)} kg for a {child} of {_years(age)} is outside {low:.3g}-{high:.3g} "
                                        f"kg, {CHILD_WEIGHT_SD:g} SD either side of the median weight for age and "
                                        f"sex{pounds}; check weight_kg and age_years ({_CDC_2000})")


def _years(age: float) -> str:
    """An age in words: "1 year", "4.5 years" (review27: "a boy of 1 years")."""
    return f"{age:g} year{'' if age == 1 else 's'}"


def _patient(patient: Patient) -> Iterator[Implausible]:
    w, h, age = patient.weight_kg, patient.height_cm, patient.age_years
    if not patient.weight_confirmed:
        yield from _weight(age, patient.sex, w)
    if h is not None and age < 18:
        low, high = child_height_band(age, patient.sex)
        if not low <= h <= high:
            child = "boy" if patient.sex == "male" else "girl"
            inches = f"; if that is inches, {h * 2.54:.3g} cm" if low <= h * 2.54 <= high else ""
            yield "patient.height_cm", (f"{_g(h)} cm for a {child} of {_years(age)} is outside {low:.3g}-{high:.3g} "
                                        f"cm, {CHILD_HEIGHT_SD:g} SD either side of the median height for age and "
                                        f"sex{inches}; check height_cm and age_years ({_CDC_2000})")
    if h is not None:
        bmi = w / (h / 100.0) ** 2
        rng = RANGES["bmi"]
        if age >= 18 and not rng.low <= bmi <= rng.high:
            inches = f"; if height_cm is in inches, {h * 2.54:.3g} cm" if h < 100 else ""
            yield "patient.height_cm", (f"weight {_g(w)} kg and height {_g(h)} cm give a BMI of {bmi:.3g}, "
                                        f"outside {rng.text()}{inches} ({rng.why})")
        elif age >= 18 and bmi >= POUNDS_QUESTION_BMI and w <= ADULT_WEIGHT_KG[1] and not patient.weight_confirmed:
            # a question to a clinician whose patient may well weigh this (9.2% of US adults have a BMI of 40 or
            # more): no diagnosis, the fix only if the unit slipped, and how to stop the question (firsthour30)
            kg = w * KG_PER_LB
            yield "patient.weight_kg", (
                f"{_g(w)} and height {_g(h)} cm give a BMI of {bmi:.3g} if the weight is in kilograms: is it? "
                f"If it was written in pounds, it is {kg:.3g} kg (BMI {kg / (h / 100.0) ** 2:.3g}): write weight_kg: "
                f"{kg:.3g} (weight_kg is read as kg, whatever was meant). If {_g(w)} kg is right, the run is right "
                f"as it stands; add weight_confirmed: true to patient to stop this question")


def _population(scenario: Scenario) -> Iterator[Implausible]:
    """A cohort whose ages reach below 18 years, checked at its youngest and its oldest child's age against the child
    bands of weight and of height (the population's mean for the sex, else the scenario patient's value): a child's
    draws are truncated to those bands (hemasim.cohort.sampling.weight_range_kg, height_range_cm), so a mean outside
    one puts the children of that age at its edge. Heights since review36b: 2-3-year-olds drawn at adult height means
    all sat at the +3 SD edge, and the check said nothing."""
    population = scenario.population
    ages = population.age_years if population is not None else None
    if population is None or ages is None or ages.min >= 18:
        return
    quantities = (("weight_kg", "kg", "weigh", "weight", child_weight_band, CHILD_WEIGHT_SD,
                   population.weight_kg, scenario.patient.weight_kg),
                  ("height_cm", "cm", "are", "height", child_height_band, CHILD_HEIGHT_SD,
                   population.height_cm, scenario.patient.height_cm))
    for name, unit, verb, noun, band, sd, by_sex, patient_value in quantities:
        for sex in _cohort_sexes(scenario):
            drawn = getattr(by_sex, sex, None)
            value = drawn.mean if drawn is not None else patient_value
            if value is None:  # no height drawn and none given: nothing is read at these ages
                continue
            # without draws every child has the patient's value; a weight points at the ages, a height at the draws
            field = (f"population.{name}.{sex}.mean" if drawn is not None else
                     "population.age_years.min" if name == "weight_kg" else f"population.{name}")
            yield from _children_at_edges(ages.min, ages.max, sex, value, drawn is not None, field, name, unit, verb,
                                          noun, band, sd)


def _children_at_edges(youngest: float, oldest: float, sex: str, value: float, drawn: bool, field: str, name: str,
                       unit: str, verb: str, noun: str, band: Callable[[float, str], tuple[float, float]],
                       sd: float) -> Iterator[Implausible]:
    """One line for a sex whose cohort value lies outside the child band at its youngest or its oldest child's age."""
    for which, age in (("youngest", youngest), ("oldest", min(oldest, 18.0))):
        low, high = band(age, sex)
        if low <= value <= high:
            continue
        children = "boys" if sex == "male" else "girls"
        when = "just under 18 years" if age == 18.0 else f"{_g(age)} years"
        source = f"every patient at the scenario's {name}" if not drawn else "the population's mean"
        how = (f"population.{name} draws {noun}s by sex" if not drawn else "a child's draws are truncated "
               "to that band, so these children are drawn at its edge; children of many ages are better drawn as "
               "cohorts of narrower ages")
        tall = " tall" if name == "height_cm" else ""
        yield field, (f"the {which} {children} of the cohort ({when}) {verb} {_g(value)} {unit}{tall} ({source}), "
                      f"outside {low:.3g}-{high:.3g} {unit}, {sd:g} SD either side of the median {noun} for their "
                      f"age; {how} ({_CDC_2000})")
        return  # one line a sex


def _cohort_sexes(scenario: Scenario) -> list[str]:
    """The sexes a cohort draws (both, but for a female_fraction of 0 or 1; the scenario patient's without one)."""
    fraction = scenario.population.female_fraction if scenario.population is not None else None
    if fraction is None:
        return [scenario.patient.sex]
    return [s for s, share in (("male", 1 - fraction), ("female", fraction)) if share > 0]


_PLURAL = {"male": "men", "female": "women"}


def _adult_cohort(scenario: Scenario) -> Iterator[Implausible]:
    """An adult cohort's mean weight and height by sex, and the mean BMI they make (with the patient's height where
    the cohort draws none), against the national means met worldwide (:data:`RANGES` cohort_bmi, cohort_height_cm):
    a mean of 176 kg for men, a height typed into the weight, was inside the 30-250 kg a patient may weigh. A cohort
    that reaches below 18 years is checked by :func:`_population` (children: weight and height for age)."""
    population = scenario.population
    if population is None:
        return
    ages = population.age_years
    if (ages.min if ages is not None else scenario.patient.age_years) < 18:
        return
    bmi_rng, height_rng = RANGES["cohort_bmi"], RANGES["cohort_height_cm"]
    for sex in _cohort_sexes(scenario):
        weight = getattr(population.weight_kg, sex, None)
        drawn_height = getattr(population.height_cm, sex, None)
        if drawn_height is not None and not height_rng.low <= drawn_height.mean <= height_rng.high:
            hm = drawn_height.mean
            meant = [f"if that is inches, {hm * 2.54:.3g} cm"] if height_rng.low <= hm * 2.54 <= height_rng.high else []
            if weight is not None and height_rng.low <= weight.mean <= height_rng.high:  # the two typed crosswise
                meant.insert(0, f"did you swap weight_kg.{sex}.mean and height_cm.{sex}.mean?")
            swapped = "; " + "; ".join(meant or ["the unit is cm"])
            yield f"population.height_cm.{sex}.mean", (
                f"a mean height of {_g(drawn_height.mean)} cm is outside {height_rng.text()} for the cohort's "
                f"{_PLURAL[sex]}{swapped} ({height_rng.why})")
            continue
        h: float | None = drawn_height.mean if drawn_height is not None else scenario.patient.height_cm
        if weight is None:
            continue
        w = weight.mean
        # without a height, the BMI bounds at the shortest and the tallest nations' mean heights
        short, tall = (h, h) if h is not None else NATIONAL_MEAN_HEIGHTS_CM
        low, high = bmi_rng.low * (short / 100.0) ** 2, bmi_rng.high * (tall / 100.0) ** 2
        if low <= w <= high:
            continue
        meant = [f"if that is pounds, {w * KG_PER_LB:.3g} kg"] if low <= w * KG_PER_LB <= high else []
        if h is not None and abs(w - h) <= 1.0:
            meant.insert(0, f"probably the mean height ({_g(h)} cm) typed into the weight")
        elif w > high and height_rng.low <= w <= height_rng.high:
            meant.append("a height in cm typed into the weight?")
        bmi = ""
        if h is not None:
            at = "a mean height of" if drawn_height is not None else "the patient's"
            bmi = (f" (a mean BMI of {w / (h / 100.0) ** 2:.3g} at {at} {_g(h)} cm"
                   f"{'' if drawn_height is not None else ', the cohort draws no height'})")
        yield f"population.weight_kg.{sex}.mean", (
            f"a mean weight of {_g(w)} kg for the cohort's {_PLURAL[sex]}{bmi} is outside {low:.3g}-{high:.3g} kg, a mean BMI of "
            f"{bmi_rng.text()}{' at that height' if h is not None else ' at the national mean heights'}"
            f"{'; ' + '; '.join(meant) if meant else ''} ({bmi_rng.why})")


def _cord_range(source: str, weight_kg: float) -> ClinicalRange:
    """The cord CD34+ range of this patient: the upper bound is the largest banked unit(s) over the weight."""
    per_unit = RANGES["cord_cd34_per_kg"]
    units = 2 if source == "double_cord_blood" else 1
    return ClinicalRange(per_unit.low, units * per_unit.high / weight_kg, per_unit.unit, per_unit.why, per_unit.typical)


def _graft(iv: InterventionSpec, path: str, weight_kg: float) -> Iterator[Implausible]:
    cd34 = getattr(iv, "cd34_per_kg", None)
    source = str(getattr(iv, "source", ""))
    if cd34 is not None:
        rng = _cord_range(source, weight_kg) if source in ("cord_blood", "double_cord_blood") else RANGES["cd34_per_kg"]
        yield from _outside(f"{path}.cd34_per_kg", cd34, rng, "CD34+/kg")
    tnc = getattr(iv, "tnc_per_kg", None)
    if tnc is not None:
        yield from _outside(f"{path}.tnc_per_kg", tnc, RANGES["tnc_per_kg"], "nucleated cells/kg")
    cd3 = getattr(iv, "cd3_per_kg", None)
    if cd3:  # 0 is a T-cell-depleted graft written as such
        yield from _outside(f"{path}.cd3_per_kg", cd3, RANGES["cd3_per_kg"], "CD3+/kg")


def _dose(iv: InterventionSpec, path: str, patient: Patient) -> Iterator[Implausible]:
    from hemasim.biology.body import body_surface_area_m2
    from hemasim.interventions.dosed import DosedSpec, drug_set_of

    if not isinstance(iv, DosedSpec):
        return
    drug_set = drug_set_of(iv.drug_set)
    drug = drug_set.drug
    if drug_set.pk_only:
        # a chemotherapy's: under gcsf a PK-only set is refused (GcsfSpec._kind_fits), it never gets here
        yield f"{path}.drug_set", _pk_only_message(iv.drug_set, drug)
    cov = patient.covariates()
    field = _dose_field(iv)
    # the dose per kg as written, in ug/kg (None: a dose per m2 or flat), for the range and the slip hint alike
    ug_per_kg = float(getattr(iv, field)) * _PER_KG_FIELDS[field] if field in _PER_KG_FIELDS else None
    if drug == "docetaxel" and patient.height_cm is not None:
        bsa = float(body_surface_area_m2(cov))
        per_m2 = float(iv.amount_ug(cov)) / 1000.0 / bsa
        rng = RANGES["docetaxel_mg_per_m2"]
        if per_m2 > rng.high:
            total = per_m2 * bsa
            hint = (f"; if {_g(iv.dose_mg_per_m2)} mg is the whole dose, write dose_mg: {_g(iv.dose_mg_per_m2)} "
                    f"({_g(iv.dose_mg_per_m2 / bsa)} mg/m2 for this patient's {bsa:.3g} m2)"
                    if field == "dose_mg_per_m2" and iv.dose_mg_per_m2 is not None else "")
            yield f"{path}.{field}", (f"docetaxel {_past(per_m2, rng.high)} mg/m2 ({_g(total)} mg) per dose is above the "
                                      f"label's range, {rng.text()}{hint} ({rng.why})")
        elif per_m2 < rng.low:  # a dose in grams (0.1 for 100 mg/m2) runs as a dose too small to show anything
            value = float(getattr(iv, field))
            grams = (f"; if that is grams, write {field}: {_g(value * 1000.0)}"
                     if rng.low <= per_m2 * 1000.0 <= rng.high else "")
            yield f"{path}.{field}", (f"docetaxel {_g(per_m2)} mg/m2 ({_g(per_m2 * bsa)} mg) per dose is below the "
                                      f"label's range, {rng.text()}{grams} ({rng.why})")
    yield from _schedule(iv, path)
    if drug == "docetaxel" and iv.infusion_hours is not None:
        rng = RANGES["docetaxel_infusion_hours"]
        if iv.infusion_hours > rng.high:
            yield f"{path}.infusion_hours", (f"{_g(iv.infusion_hours)} hours is above the label's range, {rng.text()}; "
                                             f"if that is minutes, write {_g(iv.infusion_hours / 60.0)} ({rng.why})")
    if drug == "pegfilgrastim":
        mg = float(iv.amount_ug(cov)) / 1000.0
        rng = RANGES["pegfilgrastim_mg"]
        yield from _outside(f"{path}.{field}", mg, rng, "mg of pegfilgrastim per dose", guess=field == "dose_mg",
                            hint=_pegfilgrastim_per_kg_hint(field, ug_per_kg, mg, float(patient.weight_kg)))
    if ug_per_kg is not None and drug in PER_KG_DOSE_RANGES:
        rng = RANGES[PER_KG_DOSE_RANGES[drug]]
        yield from _outside(f"{path}.{field}", ug_per_kg, rng, f"ug/kg of {drug} per dose",
                            hint=_per_kg_slip(field, ug_per_kg, lambda f: rng.low <= ug_per_kg * f <= rng.high) or "")


#: the AC sets: one kill scale fitted for the pair, the split between them assumed (hemasim.inference.ac), so
#: either dosed without the other is warned about (:func:`_ac_pairing`, on the whole scenario: review30b found the
#: per-dose check warning about both drugs when both were given)
AC_DRUG_SETS = ("doxorubicin_joerger2007", "cyclophosphamide_ahmed2020")  # doxorubicin first
AC_PAIRED_KILL = {AC_DRUG_SETS[0]: AC_DRUG_SETS[1], AC_DRUG_SETS[1]: AC_DRUG_SETS[0]}
#: the doxorubicin : cyclophosphamide ratio the AC kill was fitted at (60:600 mg/m2, so of the mg given on one day
#: whatever the dose's form; FAC's 50:500 is the same), and the relative slack within which another ratio is taken
#: as the same (the share between the drugs is assumed, so only at this ratio is the pair's kill the fitted one)
AC_FITTED_RATIO, AC_RATIO_SLACK = 0.1, 0.1


def _ac_pairing(scenario: Scenario) -> Iterator[Implausible]:
    """Doxorubicin or cyclophosphamide (the AC sets) given without the other, anywhere in the scenario (its own
    doses or a regimen's parts): the pair's kill is one fitted scale, its split between the drugs assumed, so one
    of them alone is not calibrated. With both: a ratio of the mg given on a day other than 1:10 (over every part,
    whatever the dose's form: per m2 times the patient's body-surface area, per kg times the weight, or flat), or dose
    days that differ, are warned about too (the split, assumed, then matters)."""
    if not any(iv.kind in ("chemotherapy", "chemotherapy_regimen") for iv in scenario.interventions):
        return  # no chemotherapy: and a healthy run imports no dosing module (tests/test_cli_startup.py)
    from hemasim.interventions.dosed import DosedSpec

    # (scenario field, part) of every AC dose, a regimen's parts under the scenario's `regimen` field
    parts = [(f"interventions.{i}.drug_set", iv) if isinstance(iv, DosedSpec) else (f"interventions.{i}.regimen", p)
             for i, iv in enumerate(scenario.interventions)
             for p in ([iv] if isinstance(iv, DosedSpec) else
                       [q for _, q in getattr(iv, "dosed_parts_by_field", list)()])
             if p.drug_set in AC_PAIRED_KILL]
    given = {p.drug_set for _, p in parts}
    for path, part in parts:
        other = AC_PAIRED_KILL[part.drug_set]
        if other not in given:
            yield path, (
                f"{part.drug_set}'s marrow kill was fitted for AC together with {other} (one scale for the pair at "
                "60/600 mg/m2, its split between the two drugs assumed: docs/chemotherapy_full_model.md, 'AC'); "
                "given without it its myelosuppression is not calibrated (give both, or the regimen ac_docetaxel)")
    if len(given) < 2:
        return
    dox = [p for _, p in parts if p.drug_set == AC_DRUG_SETS[0]]
    cp = [p for _, p in parts if p.drug_set == AC_DRUG_SETS[1]]
    path = next(path for path, p in parts if p is dox[0])

    def mg_by_day(ps: list[DosedSpec]) -> dict[float, float]:
        """The mg each day gets over the parts ``ps`` (final read: only the first of each drug's doses, and only
        one written per m2, was compared)."""
        out: dict[float, float] = {}
        for p in ps:
            if (sched := getattr(p, "schedule", None)) is None:
                continue
            mg = float(p.amount_ug(scenario.patient.covariates())) / 1000.0
            for d in sched.dose_days():
                out[d] = out.get(d, 0.0) + mg
        return out

    try:
        mg_dox, mg_cp = mg_by_day(dox), mg_by_day(cp)
    except ValueError:  # a dose per m2 without a height: the scenario's own check says so
        mg_dox, mg_cp = {}, {}
    off = next(((d, mg_dox[d], mg_cp[d]) for d in sorted(set(mg_dox) & set(mg_cp))
                if abs(mg_dox[d] / mg_cp[d] / AC_FITTED_RATIO - 1.0) > AC_RATIO_SLACK), None)
    if off is not None:
        d, a, c = off
        yield path, (
            f"doxorubicin {_g(a)} mg with cyclophosphamide {_g(c)} mg on day {_g(d)} is a ratio of 1:{_g(c / a)}; "
            "the AC kill was fitted at 1:10 (60/600 mg/m2) with the split between the two drugs assumed, so at "
            "another ratio the pair's myelosuppression rests on that assumption (docs/chemotherapy_full_model.md, 'AC')")

    def days(ps: list[DosedSpec]) -> list[float]:
        return sorted({d for p in ps if (s := getattr(p, "schedule", None)) is not None for d in s.dose_days()})

    if days(dox) != days(cp):
        yield path, (
            f"doxorubicin (days {', '.join(_g(d) for d in days(dox)[:6])}) and cyclophosphamide (days "
            f"{', '.join(_g(d) for d in days(cp)[:6])}) are not given on the same days: the AC kill was fitted with "
            "both on one day, its split between the two drugs assumed (docs/chemotherapy_full_model.md, 'AC')")


def _per_kg_meant(ug_per_kg: float | None, inside: Callable[[float], bool]) -> float | None:
    """The dose per kg meant (ug/kg) when the one written (``ug_per_kg``; None: a dose per m2 or flat) a thousand
    times larger or smaller (mg/kg written for ug/kg, or the reverse) is ``inside`` the range (called with the
    factor), else None."""
    if ug_per_kg is None:
        return None
    factor = next((f for f in (1000.0, 0.001) if inside(f)), None)
    return None if factor is None else ug_per_kg * factor


def _pegfilgrastim_per_kg_hint(field: str, ug_per_kg: float | None, mg: float, weight_kg: float) -> str | None:
    """What a pegfilgrastim dose per kg outside 0.6-6 mg (``mg``, ``ug_per_kg`` as ``field`` gives it) was meant to
    be: the per-kg dose a unit slip gives, where it lands among the label's per-kg doses or its total in the mg
    range, and the label's dose at the patient's weight: under 10 kg 0.1 mg/kg (said only when the slip does not give
    it), from 10 kg the flat dose of the weight's band (:data:`PEGFILGRASTIM_CHILD_BANDS`; review35e: at 10-44 kg
    the hint wrote the per-kg dose meant, 3 mg at 30 kg where the label gives 2.5 mg) and from
    :data:`PEGFILGRASTIM_FLAT_FROM_KG` 6 mg (0.1 mg/kg passes 6 mg above 60 kg). None: a dose per m2 or flat."""
    if ug_per_kg is None:
        return None
    rng, per_kg = RANGES["pegfilgrastim_mg"], PEGFILGRASTIM_UG_PER_KG
    meant = _per_kg_meant(ug_per_kg, lambda f: per_kg.low <= ug_per_kg * f <= per_kg.high
                          or rng.low <= mg * f <= rng.high)
    if weight_kg < PEGFILGRASTIM_PER_KG_BELOW_KG:  # the label doses per kg: the per-kg dose meant, or the label's
        if meant == PEGFILGRASTIM_INFANT_UG_PER_KG:
            return _per_kg_said(field, meant)
        label = (f"under {_g(PEGFILGRASTIM_PER_KG_BELOW_KG)} kg the label gives "
                 f"{_g(PEGFILGRASTIM_INFANT_UG_PER_KG / 1000.0)} mg/kg: write {field}: "
                 f"{_g(PEGFILGRASTIM_INFANT_UG_PER_KG / _PER_KG_FIELDS[field])}")
    elif weight_kg < PEGFILGRASTIM_FLAT_FROM_KG:
        band, _, dose_mg = next(b for b in PEGFILGRASTIM_CHILD_BANDS if weight_kg < b[1])
        label = f"at {band} the label gives {_g(dose_mg)} mg: write dose_mg: {_g(dose_mg)}"
    else:
        label = (f"from {_g(PEGFILGRASTIM_FLAT_FROM_KG)} kg the label gives {_g(rng.high)} mg whatever the weight: "
                 f"write dose_mg: {_g(rng.high)}")
    if meant is None:
        return f"; {label}"
    return (f"; did you mean {_g(meant)} ug/kg ({_g(meant / 1000.0)} mg/kg)? that is {_g(meant * weight_kg / 1000.0)} "
            f"mg at {_g(weight_kg)} kg; {label}")


def _per_kg_slip(field: str, ug_per_kg: float | None, inside: Callable[[float], bool]) -> str | None:
    """For a dose per kg (``ug_per_kg``, as ``field`` gives it; None: a dose per m2 or flat): ``; did you mean 5
    ug/kg (0.005 mg/kg)? write dose_ug_per_kg: 5`` when the dose a thousand times larger or smaller (mg/kg written
    for ug/kg, or the reverse) is ``inside`` the range (called with the factor), else None."""
    meant = _per_kg_meant(ug_per_kg, inside)
    return None if meant is None else _per_kg_said(field, meant)


def _per_kg_said(field: str, meant: float) -> str:
    """``; did you mean 5 ug/kg (0.005 mg/kg)? write dose_ug_per_kg: 5``: the dose per kg ``meant`` (ug/kg), written
    in ``field``'s unit."""
    write = f"dose_ug_per_kg: {_g(meant)}" if field == "dose_ug_per_kg" else f"dose_mg_per_kg: {_g(meant / 1000.0)}"
    return f"; did you mean {_g(meant)} ug/kg ({_g(meant / 1000.0)} mg/kg)? write {write}"


def _pk_only_message(name: str, drug: str) -> str:
    """A drug set without an effect on blood cells dosed on its own as chemotherapy: the run shows its concentrations
    and no effect, which a clinician dosing carboplatin or doxorubicin would not expect; with the shipped sets that
    have the effect (one on proliferation, as a chemotherapy's)."""
    from hemasim.pharmacology.drug_sets import available_drug_sets, load_drug_set

    def acts(set_name: str) -> bool:
        return any(e.acts_on == "proliferation" for e in load_drug_set(set_name).effects)

    return (f"{name} is PK only: hemasim has no effect of {drug} on blood cells, so this run shows its "
            f"concentrations and no myelosuppression from it; the shipped sets with that effect: "
            f"{', '.join(n for n in available_drug_sets() if acts(n))} (hemasim drugs; docs/drugs.md)")


def _schedule(iv: InterventionSpec, path: str) -> Iterator[Implausible]:
    """A cycle longer than any chemotherapy cycle that is a whole number of days in hours (504 for 21 days)."""
    schedule = getattr(iv, "schedule", None)
    every = getattr(schedule, "every_days", None)
    rng = RANGES["cycle_days"]
    if every is not None and (getattr(schedule, "cycles", 1) or 1) > 1 and every > rng.high:
        hours = f"; if that is hours, write {_g(every / 24.0)}" if every % 24 == 0 and every / 24 <= rng.high else ""
        yield f"{path}.schedule.every_days", (f"a cycle of {_g(every)} days is above the clinical range "
                                              f"{rng.text()}{hours} ({rng.why})")


def _dose_field(iv: InterventionSpec) -> str:
    """The dose field a dosed intervention gives (exactly one: DosedSpec._dose_and_route)."""
    return next(f for f in ("dose_mg_per_m2", "dose_mg_per_kg", "dose_ug_per_kg", "dose_mg")
                if getattr(iv, f, None) is not None)


def _donation(iv: InterventionSpec, path: str) -> Iterator[Implausible]:
    volume = getattr(iv, "volume_mL", None)
    if volume is not None:
        yield from _outside(f"{path}.volume_mL", volume, RANGES["volume_mL"], "mL")


def _follow_up(scenario: Scenario) -> Iterator[Implausible]:
    """A run that ends before what it sets up can be read (its endpoints would say "not reached")."""
    from hemasim.interventions.transplant import graft_day

    graft = graft_day(scenario.interventions)
    if graft is not None and scenario.duration_days - graft < GRAFT_READ_DAYS:
        yield "duration_days", (f"{scenario.duration_days:g} days ends {scenario.duration_days - graft:g} days after "
                                f"the graft (day {graft:g}): engraftment and graft failure are read up to day "
                                f"{GRAFT_READ_DAYS:g} after it (neutrophils engraft on days 7-41, Ketterer 1998, "
                                f"Barker 2005); give duration_days >= {graft + GRAFT_READ_DAYS:g}")
    from hemasim.interventions.immunosuppression import ImmunosuppressionSpec

    for i, iv in enumerate(scenario.interventions):
        # a course may run on past the run's end (cut there, af74f81d); said, so that a mistyped end_day (560 for 56)
        # does not silently give full-dose immunosuppression to the end of the run (review35g)
        if isinstance(iv, ImmunosuppressionSpec) and iv.last_day > scenario.duration_days:
            field = "end_day" if iv.end_day > scenario.duration_days else "taper_days"
            yield f"interventions.{i}.{field}", (
                f"the immunosuppression runs to day {iv.last_day:g} (end_day {iv.end_day:g} + taper_days "
                f"{iv.taper_days:g}), after the end of the run (duration_days = {scenario.duration_days:g}): it is cut "
                "there; give a longer duration_days to follow the whole course")
    if scenario.output.every_days * 2 > scenario.duration_days:
        yield "output.every_days", (f"{scenario.output.every_days:g} days leaves fewer than 3 outputs over "
                                    f"duration_days = {scenario.duration_days:g}: nadirs and durations are read on "
                                    "the outputs; give every_days: 1 (daily)")


def _vaccine_timing(scenario: Scenario) -> Iterator[Implausible]:
    """A vaccine dose from the start of conditioning (or the graft) to :data:`VACCINE_AFTER_GRAFT_DAYS` after the
    graft: before the guidelines vaccinate, while the response rests on the few B and CD4 T cells there are (or the
    conditioning that follows the dose kills what it made)."""
    from hemasim.interventions.transplant import graft_day

    graft = graft_day(scenario.interventions)
    if graft is None:
        return
    starts = [float(getattr(iv, "start_day")) for iv in scenario.interventions  # noqa: B009 (on these kinds only)
              if iv.kind in ("conditioning", "radiation")]
    first = min([graft, *(d for d in starts if d <= graft)])
    for i, iv in enumerate(scenario.interventions):
        if iv.kind != "vaccine" or not first <= iv.day < graft + VACCINE_AFTER_GRAFT_DAYS:
            continue
        gap = abs(iv.day - graft)
        days = f"{gap:g} day{'' if gap == 1 else 's'}"
        when = (f"{days} before the graft (day {graft:g}), after conditioning began on day {first:g}"
                if iv.day < graft else f"{days} after the graft (day {graft:g})")
        yield f"interventions.{i}.day", (
            f"a vaccine on day {iv.day:g} is {when}: inactivated vaccines start 3-6 months after HSCT (ECIL-7, "
            f"Cordonnier 2019 Lancet Infect Dis 19:e200; warned below {VACCINE_AFTER_GRAFT_DAYS:g} days, a month's "
            f"margin); the response rests on the few B and CD4 T cells there are then; give day >= {graft + 91:g} "
            "(3 months) to vaccinate as the clinic does")


def _vaccine_dose(iv: InterventionSpec, path: str, patient: Patient) -> Iterator[Implausible]:
    """A vaccine dose of more standard doses than any licensed vaccine holds: ``dose: 20`` (20 ug meant) ran 20 doses
    at once, unwarned (ux35b)."""
    if iv.kind != "vaccine":
        return
    dose = float(getattr(iv, "dose"))  # noqa: B009 (the vaccine kind's field)
    if dose > VACCINE_MAX_STANDARD_DOSES:
        yield f"{path}.dose", (
            f"{dose:g} standard doses at once: a vaccine's dose is relative to a standard one (1; 0.5 is half a dose), "
            f"not in ug or mL, and the largest licensed, high-dose influenza vaccine, holds "
            f"{VACCINE_MAX_STANDARD_DOSES:g} (60 against 15 ug haemagglutinin per strain; Dalcin 2019, CMAJ "
            "191:E313); write dose: 1 for a standard dose")


def _vaccine_names(scenario: Scenario) -> Iterator[Implausible]:
    """A vaccine whose antigen names no virus of the scenario, beside a viral infection that no vaccine names: the
    antibody to a virus is the vaccine response of the same name (hemasim.interventions.viral_infection), so
    ``antigen: flu`` before ``virus: influenza`` primed nothing against it, unwarned (ux33b). Names are free (a
    tetanus dose beside an influenza infection is a scenario), so this asks, it does not refuse."""
    viruses = {str(getattr(iv, "virus")): i for i, iv in enumerate(scenario.interventions)  # noqa: B009
               if iv.kind == "viral_infection"}
    antigens = {str(getattr(iv, "antigen")) for iv in scenario.interventions if iv.kind == "vaccine"}  # noqa: B009
    unprimed = [v for v in viruses if v not in antigens]
    if not unprimed:
        return
    named = ", ".join(f"'{v}' (interventions.{viruses[v]})" for v in unprimed)
    seen: set[str] = set()
    for i, iv in enumerate(scenario.interventions):
        antigen = str(getattr(iv, "antigen", ""))
        if iv.kind != "vaccine" or antigen in viruses or antigen in seen:
            continue
        seen.add(antigen)
        yield f"interventions.{i}.antigen", (
            f"the vaccine's antigen '{antigen}' is not the virus of the scenario's viral infection, {named}: it "
            "primes no antibody against it (a vaccine protects against the virus of the same name; docs/scenarios.md, "
            f"viral_infection); if it is meant to, write antigen: {unprimed[0]}")


def _vaccine_before_conditioning(scenario: Scenario) -> Iterator[Implausible]:
    """An antigen whose last dose comes before a kill of memory B cells (a conditioning, a radiation course, a B-cell
    or lymphocyte depletion or collection, a blood loss: :func:`~hemasim.interventions.vaccine.scenario_kill_windows`,
    the read-outs' own rule). After the read-out day, the read-outs read the response before the kill, so a patient
    primed a year before Cy/TBI read "responder: yes" (relative response 0.94) with his memory B cells erased (ux35b);
    up to it, they read what the kill left against a healthy adult killed alike, so a dose on day 0 and Cy/TBI from day
    10 read "responder" (0.66) with his memory B cells cut to 2e-6, unwarned (review36d). Vaccinating before a
    transplant is a scenario, so this says what the endpoints read and where what is left is, it does not refuse. The
    kill is named by its first day (kills start on it; review36d: the warning named a conditioning's last)."""
    from hemasim.interventions.vaccine import (
        SERIES_RESTART_SHARE,
        kills_after_last_dose,
        read_out_day,
        scenario_kill_windows,
    )

    # only a kill that may leave less than the restart share: a 500 mL donation after a dose (0.998 left) was warned
    # to kill "the memory B cells it made" (review36f)
    windows = [w for w in scenario_kill_windows(scenario.interventions,
                                                scenario.parameters.get("lymphocyte_blood_fraction"))
               if w.least_left < SERIES_RESTART_SHARE]
    doses: dict[str, list[tuple[float, float]]] = {}
    last: dict[str, int] = {}  # antigen -> index of its last dose
    for i, iv in enumerate(scenario.interventions):
        antigen = str(getattr(iv, "antigen", ""))  # only the vaccine kind has the field
        if iv.kind == "vaccine":
            doses.setdefault(antigen, []).append((float(iv.day), 1.0))
            if antigen not in last or iv.day >= max(d for d, _ in doses[antigen][:-1]):
                last[antigen] = i
    for antigen, i in last.items():
        after = kills_after_last_dose(tuple(doses[antigen]), windows)
        if not after:
            continue
        day, read = max(d for d, _ in doses[antigen]), read_out_day(tuple(doses[antigen]))
        w = after[0]
        kill = max(w.first_day, day)
        if kill > read:
            what = (f"read the response on day {read:g}, before the kill, not what is left after it")
        elif w.last_day > read:  # review36f: Cy/TBI from day 27, the read-out on day 28
            what = (f"read on day {read:g} what part of the kill (days {w.first_day:g}-{w.last_day:g}) left by then, "
                    "against a healthy adult given the same part: not what is left after the rest of it")
        else:
            what = (f"read on day {read:g} what the kill left, against a healthy adult given the same kill: a "
                    "\"responder\" there may have few memory B cells left to recall")
        # a dose inside a kill's days (split there: kills before and after it) comes during it (review36f: "the last
        # dose (day 12) comes before the kill ... on day 12" of Cy/TBI from day 10)
        when = (f"comes during a kill of memory B cells (to day {w.last_day:g})" if w.during_dose else
                f"comes before the kill of memory B cells on day {kill:g}")
        yield f"interventions.{i}.day", (
            f"{antigen}'s last dose (day {day:g}) {when} (a conditioning, radiation, depletion or blood loss), which "
            "kills the memory B cells it made and spares long-lived plasma cells and IgG (docs/immunity.md, immune "
            f"memory under conditioning): {antigen}_igg_day28_au, {antigen}_relative_response and "
            f"{antigen}_responder {what}; read {antigen}_igg_au and {antigen}_memory_b_au in timeseries.csv on the "
            "days you ask about, or add a dose after the kill (after the graft) to read a revaccination's response")


def _virus_name(iv: InterventionSpec, path: str, overridden: Iterable[str] = ()) -> Iterator[Implausible]:
    """A viral infection named other than influenza: every virus runs with the one set of viral kinetics there is,
    influenza A's (Baccam 2006's fit to experimentally infected adults, parameters/sets/viral_kinetics.py), so
    ``virus: rsv`` ran influenza's course under another name, unwarned (ux33b). The name labels the virus and its
    antigen (a vaccine of the same name primes against it), so it is asked about, not refused; quiet once the scenario
    sets every one of Baccam's fitted values under ``parameters:`` (one of them set, the warning went quiet while the
    other three stayed influenza's: review33c), else naming those still at influenza's."""
    virus = str(getattr(iv, "virus", "influenza"))  # only the viral_infection kind has the field
    if iv.kind != "viral_infection" or virus == "influenza":
        return
    from hemasim.parameters.sets.viral_kinetics import BACCAM_FITTED  # only where a virus is named

    still = [name for name in BACCAM_FITTED if name not in set(overridden)]
    if not still:  # the scenario sets viral kinetics of its own, as the message asks
        return
    runs = "runs with" if len(still) == len(BACCAM_FITTED) else "runs partly with"
    yield f"{path}.virus", (
        f"'{virus}' {runs} influenza A's kinetics (Baccam 2006, J Virol 80:7590: infectivity, production and "
        "clearance fitted to adults infected with A/Hong Kong/123/77), the only viral kinetics hemasim has; the name "
        "only labels the virus and its antigen. For another virus set its values under the scenario's parameters: "
        f"(the viral kinetics rows of docs/parameters.md); still influenza's: {', '.join(still)}")


def _rules(iv: InterventionSpec, path: str) -> Iterator[Implausible]:
    """A dose rule's threshold outside its range in 1e9/L: ``below: 1500`` (cells/uL) holds every cycle, since the
    ANC is never above 1500e9/L, and ran unwarned (firsthour27)."""
    for j, rule in enumerate(getattr(iv, "rules", None) or ()):
        rng = RANGES[f"{rule.observable}_rule_1e9_per_L"]
        count = "ANC" if rule.observable == "anc" else "platelet"
        yield from _outside(f"{path}.rules.{j}.below", rule.below, rng, f"x 1e9/L, the {count} threshold,")


#: G-CSF within this many days of a cytotoxic dose (before or after) is warned about. Filgrastim's label: "do not
#: administer filgrastim in the period 24 hours before through 24 hours after the administration of cytotoxic
#: chemotherapy" (section 2, as MIMS reproduces it, pages corpus: uat.mimsdev.com/philippines/drug/info/neocyte/
#: dosage); the Neulasta label (section 2) adds 14 days before, but dose-dense regimens every 14 days give
#: pegfilgrastim 13 days before the next cycle, so only the 24 hours either side are warned
GCSF_CHEMO_GAP_DAYS = 1.0


def _gcsf_timing(scenario: Scenario) -> Iterator[Implausible]:
    """A scheduled G-CSF dose within :data:`GCSF_CHEMO_GAP_DAYS` of a planned chemotherapy dose (pegfilgrastim on
    the day of the infusion, start_day: 0): it ran unwarned (firsthour27), while the labels give G-CSF from 24 hours
    after the cytotoxic dose, as the shipped examples do (the day after it). A regimen's parts count as its own."""
    if not any(iv.kind in ("gcsf", "chemotherapy_regimen") for iv in scenario.interventions):
        return  # no G-CSF: and a healthy run imports no dosing module (tests/test_cli_startup.py)
    from hemasim.interventions.dosed import DosedSpec

    # (scenario field, what the warning calls the G-CSF, the part); a regimen's part is named by its field in the
    # regimen's file (review27: it named the scenario's `schedule`, which a regimen does not have)
    parts = [(f"interventions.{i}.schedule", f"G-CSF ({iv.drug_set})", iv) if isinstance(iv, DosedSpec) else
             (f"interventions.{i}.regimen",
              f"the regimen's G-CSF ({p.drug_set}; {getattr(iv, 'regimen', '')}: {field}.days_in_cycle)", p)
             for i, iv in enumerate(scenario.interventions)
             for field, p in ([("", iv)] if isinstance(iv, DosedSpec) else getattr(iv, "dosed_parts_by_field", list)())]
    chemo = sorted({d for _, _, p in parts if p.kind == "chemotherapy"
                    and (schedule := getattr(p, "schedule", None)) is not None for d in schedule.dose_days()})
    for path, name, part in parts:
        schedule = getattr(part, "schedule", None)
        if part.kind != "gcsf" or schedule is None or not chemo:
            continue
        # every clash at once: fixing the first must not uncover the next one by one
        clashes = [(d, c) for d in schedule.dose_days() for c in chemo if abs(d - c) < GCSF_CHEMO_GAP_DAYS]
        if clashes:
            listed = "; ".join(f"day {_g(day)} (chemotherapy on day {_g(dose)})" for day, dose in clashes[:6])
            more = f" and {len(clashes) - 6} more" if len(clashes) > 6 else ""
            yield path, (
                f"{name} is given within 24 hours of a chemotherapy dose: {listed}{more}: the filgrastim and "
                "pegfilgrastim labels (section 2) give G-CSF from 24 hours after cytotoxic chemotherapy, not in the "
                f"24 hours before it; the day after the dose is day {_g(clashes[0][1] + 1)}")


# ------------------------------------------------------------------ what the model leaves out (ux36)
# A transplant physician's walk (ux36) met scenarios that ran as written and read as clinical results where the model
# does not represent what was meant. Each warning below says what is left out and what to write instead; none changes
# a value.

#: a graft with fewer CD3+ cells per kg is T-cell depleted: its donor T cells were removed to prevent GVHD, so a
#: run without the alloreactive kill is what it means (child_tcd_marrow.yaml, xscid_unconditioned.yaml: 1e5/kg, the
#: T-cell-depleted marrow of targets T4 and D3; CD34-selected blood grafts carry <= 5e4 to > 1e5 CD3+/kg, Blood
#: 2002;100:724, ashpublications.net/blood/article/100/2/724, pages corpus). A tenfold margin above 1e5; unmanipulated
#: grafts carry 1e7 (cord) to 1.8e8 (mobilised blood; hemasim.parameters.graft_t_cells)
T_CELL_DEPLETED_CD3_PER_KG = 1e6


def _allogeneic_grafts(scenario: Scenario) -> list[int]:
    """The indices of the scenario's T-replete allogeneic grafts (not T-cell depleted:
    :data:`T_CELL_DEPLETED_CD3_PER_KG`)."""
    return [i for i, iv in enumerate(scenario.interventions)
            if iv.kind == "transplant" and getattr(iv, "donor", "") == "allogeneic"
            and float(getattr(iv, "cd3")()) >= T_CELL_DEPLETED_CD3_PER_KG]  # noqa: B009 (the transplant kind's)


def _no_alloreactivity(scenario: Scenario) -> Iterator[Implausible]:
    """A T-replete allogeneic graft without ``immunosuppression`` or a ``donor_lymphocyte_infusion``: the donor T cells'
    kill of host haematopoiesis is added to the model only with one of them (docs/chimerism.md), so host cells that
    survive the conditioning are never killed. After flu_tbi_2gy (ux36, examples/ric_allo_hsct.yaml without its
    ciclosporin) the patient stayed mixed on day +365 (myeloid 9% donor, CD4 26%) where with the prophylaxis he was
    full donor: a missing prophylaxis reads as less alloreactivity, the opposite of the clinic."""
    grafts = _allogeneic_grafts(scenario)
    if not grafts or any(iv.kind in ("immunosuppression", "donor_lymphocyte_infusion")
                         for iv in scenario.interventions):
        return
    yield f"interventions.{grafts[0]}.donor", (
        "a T-replete allogeneic graft with no immunosuppression and no donor_lymphocyte_infusion: the model adds the donor T "
        "cells' kill of host blood-forming and lymphoid cells only with one of them (docs/chimerism.md), so host cells "
        "that survive the conditioning are never killed and chimerism stays as the conditioning left it (no GVHD "
        "prophylaxis reads as less alloreactivity, not more); add the prophylaxis the patient gets, e.g. {kind: "
        "immunosuppression, agent: ciclosporin, start_day: <graft day - 1>, end_day: <+50>, taper_days: 130}")


def _chemotherapy_after_graft(scenario: Scenario) -> Iterator[Implausible]:
    """Chemotherapy dosed after a graft (post-transplant cyclophosphamide, Cy 50 mg/kg on days +3/+4): the drug's
    kill of dividing marrow cells takes the engrafting donor cells as any others, so the graft fails (ux36: primary
    graft failure, CD4 unchanged), and PTCy's selective depletion of the alloreactive T cells that proliferate after
    the graft is not in the model. Doses up to :data:`GRAFT_READ_DAYS` after the graft, while it engrafts: a later
    course (maintenance, a relapse's treatment) acting on the graft's cells as on any marrow is what is meant."""
    from hemasim.interventions.transplant import graft_day

    graft = graft_day(scenario.interventions)
    if graft is None or not any(iv.kind in NADIR_KINDS for iv in scenario.interventions):
        return
    from hemasim.interventions.dosed import DosedSpec

    for i, iv in enumerate(scenario.interventions):
        parts = ([iv] if isinstance(iv, DosedSpec) else
                 [p for _, p in getattr(iv, "dosed_parts_by_field", list)()] if iv.kind == "chemotherapy_regimen"
                 else [])
        days = sorted(d for p in parts if p.kind == "chemotherapy"
                      and (schedule := getattr(p, "schedule", None)) is not None
                      for d in schedule.dose_days() if graft < d <= graft + GRAFT_READ_DAYS)
        if days:
            field = "schedule" if isinstance(iv, DosedSpec) else "regimen"
            yield f"interventions.{i}.{field}", (
                f"chemotherapy on day {_g(days[0])}, {_g(days[0] - graft)} days after the graft (day {_g(graft)}), while "
                "it engrafts: in the model it kills the "
                "engrafting donor stem and progenitor cells as any dividing marrow cells (post-transplant "
                "cyclophosphamide reads as graft failure), and post-transplant cyclophosphamide's selective depletion "
                "of alloreactive T cells is not represented; for GVHD prophylaxis write kind: immunosuppression, for "
                "a T-cell-depleted graft the transplant's cd3_per_kg")


def _autograft_before_allograft(scenario: Scenario) -> Iterator[Implausible]:
    """An autologous graft before an allogeneic one (a tandem auto-then-allo): the model tags every graft's cells
    alike as "donor" cells, not yet by the graft they came from, so the donor chimerism after the allogeneic graft
    counts the patient's own autograft cells as donor (review36h: melphalan and an autograft on day 2, the allogeneic
    graft on day 98: donor ANC share 0.49 on day 97, before any allogeneic cell)."""
    from hemasim.interventions.transplant import autograft_before_allograft

    if not autograft_before_allograft(scenario.interventions):
        return
    i = next(i for i, iv in enumerate(scenario.interventions)
             if iv.kind == "transplant" and getattr(iv, "donor", "") == "allogeneic")
    yield f"interventions.{i}.donor", (
        "an allogeneic graft after an autologous one: the model tags both grafts' cells as graft (\"donor\") cells, "
        "not by the graft they came from, so the donor chimerism after the allogeneic graft counts the patient's own "
        "autograft cells as donor (its endpoints say \"graft-derived cells (the autograft's included)\"); read it as "
        "the share of graft-derived cells, not the allogeneic donor's")


def _antigens_alike(scenario: Scenario) -> Iterator[Implausible]:
    """Two antigens vaccinated in one scenario: an antigen's name only labels its vaccine response (every antigen runs
    with the same response parameters, docs/immunity.md), so tetanus and pneumococcus given alike read the same
    numbers (ux36)."""
    first: dict[str, int] = {}
    for i, iv in enumerate(scenario.interventions):
        if iv.kind == "vaccine":
            first.setdefault(str(getattr(iv, "antigen")), i)  # noqa: B009 (the vaccine kind's field)
    if len(first) < 2:
        return
    names = list(first)
    yield f"interventions.{first[names[1]]}.antigen", (
        f"{len(names)} antigens ({', '.join(names)}): an antigen's name only labels its response; every antigen runs "
        "with the same vaccine-response parameters, so the same doses on the same days give the same numbers "
        "(docs/immunity.md); differences between vaccines are not modelled, compare their schedules, not their names")


def _cord_by_cd34(iv: InterventionSpec, path: str, patient: Patient) -> Iterator[Implausible]:
    """A cord-blood graft dosed by ``cd34_per_kg``: the cord potency was fitted on nucleated-cell doses converted at
    the median CD34+/TNC ratio of cord units (0.21%, ``cord_blood_cd34_per_tnc``; targets K1-K3), so a unit's measured
    CD34+/kg (the selection minimum 1.5e5/kg is 0.5-0.6% of its TNC minimum) reads as a graft 2.4-2.9 times richer
    than the same unit dosed by its nucleated cells (examples/allo_hsct_cord_blood.yaml; ux36: 1.5e5 CD34+/kg engrafted
    on day +20 against +25 for 3e7 TNC/kg)."""
    cd34 = getattr(iv, "cd34_per_kg", None)
    source = str(getattr(iv, "source", ""))
    if iv.kind != "transplant" or source not in ("cord_blood", "double_cord_blood") or cd34 is None:
        return
    if not list(_outside("", cd34, _cord_range(source, patient.weight_kg), "")):  # outside: its range warning says it
        yield f"{path}.cd34_per_kg", (            "a cord-blood graft dosed by CD34+/kg: the model's cord potency was fitted on nucleated-cell doses "
            "converted at 0.21% CD34+ (cord_blood_cd34_per_tnc), so a unit's measured CD34+/kg (often 0.5-0.6% of its "
            "nucleated cells) reads as a graft 2.4-2.9 times richer; write the unit's tnc_per_kg (nucleated cells/kg) "
            "instead")


_INTERVENTION_CHECKS: tuple[Callable[[InterventionSpec, str, Patient], Iterator[Implausible]], ...] = (
    lambda iv, path, patient: _graft(iv, path, patient.weight_kg),
    _dose,
    lambda iv, path, patient: _donation(iv, path),
    lambda iv, path, patient: _rules(iv, path),
    _vaccine_dose,
    _cord_by_cd34,
)


#: the kinds whose read-outs are a nadir, its day and days below a threshold (the drug endpoints), read on the output grid
NADIR_KINDS = ("chemotherapy", "chemotherapy_regimen")
#: the output step the warning asks for, days (6 hours: the shipped chemotherapy examples' own)
NADIR_GRID_DAYS = 0.25


def _output_grid(scenario: Scenario) -> Iterator[Implausible]:
    """A chemotherapy scenario that gives no output step (no ``output:``, or ``output: {}``) is read on the default grid, one point a day: its nadirs,
    their days and its days below a threshold are read there, where a nadir between two points is missed, and nothing
    said so (harden34). Measured on examples/docetaxel_q3w.yaml with output.every_days 1 against 0.25: ANC nadir 0.467
    against 0.429 (9% higher), its day 72 against 72.5, days below 0.5e9/L 7 against 4.75 (4.95 at 0.05)."""
    if "every_days" in scenario.output.model_fields_set or not any(iv.kind in NADIR_KINDS
                                                                  for iv in scenario.interventions):
        return
    every = scenario.output.every_days
    yield "output.every_days", (
        f"not given, so the chemotherapy's nadirs, their days and the days below a threshold are read on the "
        f"default grid of one point every {_g(every)} day(s), which misses a nadir between two points (on "
        "examples/docetaxel_q3w.yaml the ANC nadir reads 9% higher and 7 days below 0.5e9/L instead of 4.75); set "
        f"output: {{every_days: {_g(NADIR_GRID_DAYS)}}} to read them every 6 hours")


def plausibility_warnings(scenario: Scenario) -> list[Implausible]:
    """Every value of ``scenario`` outside its clinical range, as (field path, message); empty when none."""
    return [found for found, _ in _classed(scenario)]


def _classed(scenario: Scenario) -> list[tuple[Implausible, type[PlausibilityWarning]]]:
    """:func:`plausibility_warnings`, each with the class it is warned as."""
    return [(found, PlausibilityWarning) for found in _in_range(scenario)] + \
        [(found, OutputGridWarning) for found in _output_grid(scenario)]


def _in_range(scenario: Scenario) -> list[Implausible]:
    out = list(_patient(scenario.patient))
    for i, iv in enumerate(scenario.interventions):
        for check in _INTERVENTION_CHECKS:
            out += check(iv, f"interventions.{i}", scenario.patient)
    out += _population(scenario)
    out += _adult_cohort(scenario)
    out += _follow_up(scenario)
    out += _vaccine_timing(scenario)
    out += _vaccine_names(scenario)
    out += _vaccine_before_conditioning(scenario)
    for i, iv in enumerate(scenario.interventions):
        out += _virus_name(iv, f"interventions.{i}", scenario.parameters)
    out += _gcsf_timing(scenario)
    out += _ac_pairing(scenario)
    out += _no_alloreactivity(scenario)
    out += _chemotherapy_after_graft(scenario)
    out += _autograft_before_allograft(scenario)
    out += _antigens_alike(scenario)
    return out


def _lines(found: Iterable[Implausible], source: str) -> list[str]:
    return [f"{source}: {field}: {message}" for field, message in found]


def warning_lines(scenario: Scenario, source: str = "scenario") -> list[str]:
    """The warnings of ``scenario`` and of each of its arms (the ones an arm adds), one line each, in the format
    of the scenario's error lines: ``SOURCE: field: message``."""
    return [line for line, _ in scenario_warnings(scenario, source)]


def scenario_warnings(scenario: Scenario, source: str = "scenario") -> list[tuple[str, type[PlausibilityWarning]]]:
    """:func:`warning_lines`, each with the class it is warned as (:class:`OutputGridWarning` or
    :class:`PlausibilityWarning`)."""
    found = _classed(scenario)
    arms: list[list[tuple[Implausible, type[PlausibilityWarning]]]] = []
    if scenario.arms:
        from hemasim.scenario.arms import arm_scenarios

        arms = [_classed(arm) for _, arm in arm_scenarios(scenario, source)]
        if _arms_replace_interventions(scenario):
            found = [w for w in found if all(w[0] in {a for a, _ in arm} for arm in arms)]
    lines = [(f"{source}: {field}: {message}", kind) for (field, message), kind in found]
    base = {w for w, _ in found}
    for i, arm_found in enumerate(arms):
        lines += [(f"{source}: arms.{i}: {field}: {message}", kind) for (field, message), kind in arm_found
                  if (field, message) not in base]
    return lines


def _arms_replace_interventions(scenario: Scenario) -> bool:
    """Whether every arm brings its own interventions: the base's are then run by none, and their warnings (and
    notes) are kept only where every arm has them too (review36g: a base without prophylaxis was warned about beside
    arms of ciclosporin and tacrolimus)."""
    return bool(scenario.arms) and all(arm.interventions is not None for arm in scenario.arms)


def _unprimed_series(scenario: Scenario) -> Iterator[Implausible]:
    """An antigen whose every dose comes after the graft: the patient is modelled as never exposed to it before (no
    memory, IgG under the assay floor) unless an earlier dose is written, so the series' fold-rise reads "none" (no
    IgG to rise over), where a patient vaccinated against tetanus in childhood has IgG to rise over (ux36). A note,
    not a warning: a first series after the graft is a scenario (examples/pneumococcal_vaccine_after_hsct.yaml)."""
    from hemasim.interventions.transplant import graft_day

    graft = graft_day(scenario.interventions)
    if graft is None:
        return
    first: dict[str, int] = {}
    before: set[str] = set()
    for i, iv in enumerate(scenario.interventions):
        if iv.kind != "vaccine":
            continue
        antigen = str(getattr(iv, "antigen"))  # noqa: B009 (the vaccine kind's field)
        first.setdefault(antigen, i)
        if iv.day < graft:
            before.add(antigen)
    for antigen, i in first.items():
        if antigen not in before:
            yield f"interventions.{i}.antigen", (
                f"every {antigen} dose comes after the graft (day {_g(graft)}) and none before: the patient is "
                f"modelled as never vaccinated against {antigen} (no memory, IgG under the assay floor), so "
                f"{antigen}_fold_rise reads none (read {antigen}_relative_response); for a patient vaccinated before, "
                "add a dose before the conditioning (examples/tetanus_revaccination_after_hsct.yaml; docs/immunity.md)")


def note_lines(scenario: Scenario, source: str = "scenario") -> list[str]:
    """What ``hemasim check`` notes about a valid scenario (and each arm's own), one line each as
    :func:`warning_lines` writes them: what the model assumes where a scenario says nothing (a note, not a warning:
    ``check --strict`` does not count it, a run does not print it)."""
    found = list(_unprimed_series(scenario))
    arms: list[list[Implausible]] = []
    if scenario.arms:
        from hemasim.scenario.arms import arm_scenarios

        arms = [list(_unprimed_series(arm)) for _, arm in arm_scenarios(scenario, source)]
        if _arms_replace_interventions(scenario):  # the base's own interventions are run by no arm
            found = [w for w in found if all(w in arm for arm in arms)]
    lines = _lines(found, source)
    for i, arm_found in enumerate(arms):
        lines += [f"{source}: arms.{i}: {field}: {message}" for field, message in arm_found if (field, message)
                  not in found]
    return lines


def warn_implausible(lines: Iterable[str | tuple[str, type[PlausibilityWarning]]]) -> None:
    """Warn each line as a :class:`PlausibilityWarning` (or the class it comes with, :func:`scenario_warnings`),
    attributed to the caller of the loader that calls this."""
    for line in lines:
        text, kind = (line, PlausibilityWarning) if isinstance(line, str) else line
        warnings.warn(text, kind, stacklevel=3)


def gene_therapy_warnings(scenario: GeneTherapyScenario) -> list[Implausible]:
    """The warnings of a gene-therapy scenario (``hemasim gene-therapy``): the graft's CD34+ dose against the same
    clinical range as a transplant's (an autologous graft of mobilised or marrow CD34+ cells), the patient's weight."""
    patient, graft = scenario.patient, scenario.gene_therapy
    weight = [] if patient.weight_confirmed else list(_weight(patient.age_years, patient.sex, patient.weight_kg))
    return [*weight,
            *_outside("gene_therapy.cd34_per_kg", graft.cd34_per_kg, RANGES["cd34_per_kg"], "CD34+/kg")]


def gene_therapy_warning_lines(scenario: GeneTherapyScenario, source: str = "scenario") -> list[str]:
    """:func:`gene_therapy_warnings` as :func:`warning_lines` writes them."""
    return _lines(gene_therapy_warnings(scenario), source)
