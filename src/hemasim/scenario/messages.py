"""Hints added to a scenario's error lines for the mistakes a new user makes first: a misspelt field (the fields
allowed there, or the one it resembles), an unknown intervention kind (the one it resembles), a unit typed after
a number (``weight_kg: 70kg``). The lines themselves come from :func:`hemasim._schema.validation_problems`; this
module only completes them, so every other schema keeps its messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from hemasim._schema import (
    NUMBER_ALONE,
    NUMBER_WITH_UNIT,
    block_fields,
    closest,
    hint_lines,
    percent_hint,
    share_hint,
    unknown_field_hint,
)
from hemasim._yaml_limits import quoted

#: the drug-set name of an "unknown drug set" line (hemasim.pharmacology.drug_sets)
_UNKNOWN_DRUG_SET = re.compile(r"unknown drug set '([a-z0-9_]{1,60})'")

#: a value refused by its bound that is likely in another unit: field -> (unit, factor to the field's unit, the
#: range a value in the field's unit would lie in). The ranges: weights of newborns to the heaviest adults a cohort
#: draws (an adult's 30-250 kg, hemasim.cohort.sampling.weight_range_kg), ages as the schema allows, heights of infants to the tallest
#: adults a cohort draws (220 cm)
UNIT_SLIPS: dict[str, tuple[tuple[str, float, tuple[float, float]], ...]] = {
    "weight_kg": (("grams", 1e-3, (2.0, 250.0)), ("pounds", 0.45359237, (2.0, 250.0))),
    "age_years": (("months", 1.0 / 12.0, (0.01, 120.0)), ("days", 1.0 / 365.25, (0.01, 120.0))),
    "height_cm": (("millimetres", 0.1, (40.0, 220.0)), ("inches", 2.54, (40.0, 220.0)), ("metres", 100.0, (40.0, 220.0)),
                  # a height in feet, as a US chart gives it (5.4): 100-220 cm only, so that no metre (1.65) reads
                  # as feet too; "refused: allowed > 30" said nothing of the 165 cm meant (firsthour29)
                  ("feet", 30.48, (100.0, 220.0))),
}

#: a unit as a field name's suffix spells it (``weight_lbs``, ``age_months``, ``height_m``) -> its word in UNIT_SLIPS
_UNIT_SUFFIXES = {"lb": "pounds", "lbs": "pounds", "pounds": "pounds", "g": "grams", "grams": "grams",
                  "months": "months", "mo": "months", "days": "days", "m": "metres", "metres": "metres",
                  "meters": "metres", "mm": "millimetres", "in": "inches", "inches": "inches", "ft": "feet",
                  "feet": "feet"}


def other_unit_hint(e: Any, line: str, fields: Sequence[str]) -> str:
    """For an unknown field that is a patient field of :data:`UNIT_SLIPS` named in another unit (``weight_lbs: 165``):
    the field meant, its own unit and the value converted (``; did you mean 'weight_kg'? weight_kg is in kg: write
    weight_kg: 74.8 for 165 pounds``; the question left out where ``line`` asks it already); "did you mean
    'weight_kg'?" alone led to ``weight_kg: 165``, a valid weight that runs as 165 kg, unwarned. ``fields``: those
    of the unknown field's block (the hint is for a block that has the field meant). Else empty."""
    stem, _, suffix = str(e["loc"][-1]).lower().rpartition("_") if e["loc"] else ("", "", "")
    field = next((f for f in UNIT_SLIPS if f.startswith(f"{stem}_") and f in fields), None) if stem else None
    unit = _UNIT_SUFFIXES.get(suffix)
    factor = next((k for u, k, _ in UNIT_SLIPS[field] if u == unit), None) if field is not None else None
    if field is None or factor is None:
        return ""
    text = f"{'' if 'did you mean' in line else f'; did you mean {field!r}?'} {field} is in {field.rpartition('_')[2]}"
    value = e.get("input")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return text
    # weight_kg: 165 (pounds) is a possible weight in kg, run as one: say so, or the fix looks optional (tidy30)
    caveat = (f" ({value:g} in weight_kg is not refused: it runs as {value:g} kg)"
              if field == "weight_kg" and unit == "pounds" and 0 < value <= 400 else "")
    return f"{text}: write {field}: {value * factor:.3g} for {value:g} {unit}{caveat}"


def _vaccine_field_hint(e: Any, model: type[BaseModel]) -> str:
    """For an unknown field of a vaccine block written as a drug's: a dose in a unit (``dose_mL: 0.5``, told "did you
    mean 'dose'?", then ran half a standard dose) or a series (``days: [...]``, ``schedule:``), which a vaccine
    block, one dose, has no field for (ux35b). Else empty."""
    fields = block_fields(model, e["loc"][:-1])
    if "antigen" not in fields:  # the vaccine kind's field
        return ""
    name = str(e["loc"][-1])
    if name.startswith("dose_"):
        return ("; a vaccine's dose is relative to a standard one (1, the default; 0.5 is half a dose), whatever its "
                "ug or mL: leave it out for a standard dose")
    if name in SCHEDULE_FIELDS or name == "schedule":
        return ("; a vaccine block is one dose: write a block per dose (- {kind: vaccine, day: 200, antigen: "
                "tetanus}, then the same with day: 230, ...)")
    return ""


#: fields of a schedule written in a dosed intervention's block, where ``schedule`` holds them
SCHEDULE_FIELDS = ("day", "days", "start_day", "every_days", "cycles", "days_in_cycle")


def _unknown_field_hint(e: Any, model: type[BaseModel]) -> str:
    """For an unknown field, the allowed field it resembles, else the allowed fields of its block
    (:func:`hemasim._schema.unknown_field_hint`); a schedule's field written beside its drug: where it goes."""
    name = str(e["loc"][-1])
    if name in SCHEDULE_FIELDS and "schedule" in block_fields(model, e["loc"][:-1]):
        return ("; a drug's dose days go in its schedule: schedule: {days: [0, 21]} or schedule: {start_day: 0, "
                "every_days: 21, cycles: 4} (docs/scenarios.md)")
    if tuple(e["loc"][:-1]) == ("population",) and (name == "interventions" or name in _intervention_fields()):
        # a cohort with a spread of doses (2-6 Gy) was refused with the population's fields alone (ux34)
        return unknown_field_hint(e, model) + POPULATION_INTERVENTIONS
    return unknown_field_hint(e, model)


#: why an intervention's field is no field of ``population``, and what gives a spread of one
POPULATION_INTERVENTIONS = ("; every patient of a cohort gets the scenario's interventions as written: for a spread of "
                            "doses run a cohort per dose, or `hemasim sweep` a field such as "
                            "interventions.0.total_dose_Gy (one typical patient per point; docs/cohorts.md)")


def _intervention_fields() -> set[str]:
    from hemasim.interventions.base import registered_kinds

    return {f for kind in registered_kinds().values() for f in kind.model_fields if f != "kind"}


#: what a clinician calls an intervention -> (the kind that gives it, what to write when it is not the word alone).
#: Spelling alone guessed wrong for these: ``vaccination`` -> 'radiation', ``gene_therapy`` -> 'chemotherapy'
#: (harden10)
KIND_SYNONYMS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("vaccination", "vaccinate", "vaccines", "immunisation", "immunization", "booster"),
                    ("vaccine", "")),
    **dict.fromkeys(("gene_therapy", "genetherapy", "gene_correction", "lentiviral_gene_therapy"),
                    ("transplant", " (gene therapy is an autologous graft of corrected cells: kind: transplant, "
                     "donor: autologous, docs/transplant.md; transduction and vector copies are not scenario fields: "
                     "the clone engine's GeneTherapy, docs/clonal.md)")),
    **dict.fromkeys(("hsct", "sct", "bmt", "graft", "stem_cell_transplant", "transplantation"), ("transplant", "")),
    **dict.fromkeys(("virus", "viral", "flu", "influenza", "viral_load"), ("viral_infection", "")),
    **dict.fromkeys(("bacterial_infection", "bacteria", "sepsis"), ("infection", "")),
    **dict.fromkeys(("dli",), ("donor_lymphocyte_infusion", "")),
    **dict.fromkeys(("tbi", "irradiation"), ("radiation", "")),
    **dict.fromkeys(("g_csf", "filgrastim", "pegfilgrastim"), ("gcsf", "")),
}


def _kind_line(e: Any, where: str) -> str:
    """An unknown ``kind`` tag: the kinds allowed and the one meant (a clinician's word for it, else the one it
    resembles)."""
    ctx = e.get("ctx", {})
    field = str(ctx.get("discriminator", "kind")).strip("'\"")
    tag = str(ctx.get("tag", ""))
    expected = [t.strip(" '\"") for t in str(ctx.get("expected_tags", "")).split(",") if t.strip()]
    synonym = KIND_SYNONYMS.get(re.sub(r"[\s-]+", "_", tag.strip().lower()))
    if synonym is not None and synonym[0] in expected:
        hint = f"; did you mean {synonym[0]!r}?{synonym[1]}"
    else:
        guess = closest(tag, expected)
        hint = f"; did you mean {guess!r}?" if guess is not None else ""
    return (f"{where + '.' if where else ''}{field}: {quoted(tag, 40)} is not a kind hemasim knows (it does not "
            f"match any of the expected tags: {', '.join(expected)}){hint}")


#: the name of an "unknown conditioning regimen" / "unknown regimen" (combination) line, as written (``BuCy``)
_UNKNOWN_REGIMEN = re.compile(r"unknown (conditioning )?regimen '([^']{1,60})'")


def regimen_hint(line: str) -> str:
    """For an unknown conditioning or combination regimen, the shipped one it stands for: a conditioning regimen as a
    clinic writes it (``BuCy``, ``FLU-BU2``, ``MEL200``: :func:`hemasim.pharmacology.conditioning.meant_regimen`;
    only lower-case names got a hint), a combination regimen the one it resembles."""
    match = _UNKNOWN_REGIMEN.search(line)
    if match is None:
        return ""
    if match.group(1):
        from hemasim.pharmacology.conditioning import meant_regimen

        guess = meant_regimen(match.group(2))
    else:
        from hemasim.pharmacology.chemo_regimens import available_chemo_regimens

        guess = closest(re.sub(r"[^a-z0-9]+", "_", match.group(2).lower()).strip("_"), available_chemo_regimens())
    return f"; did you mean {guess!r}?" if guess is not None and guess != match.group(2) else ""


def drug_set_hint(line: str) -> str:
    """For an unknown drug set, the shipped sets of the drug it names (``docetaxel``) or the set it resembles."""
    from hemasim.pharmacology.drug_sets import available_drug_sets

    match = _UNKNOWN_DRUG_SET.search(line)
    if match is None:
        return regimen_hint(line)
    return known_name_hint(match.group(1), available_drug_sets())


#: a shipped drug set's name: the drug's, then the first author and year of its source (docetaxel_kloft2006)
_DRUG_SET_NAME = re.compile(r"(.+)_[a-z]+\d{4}")


def _sets_of(drug: str, drug_sets: Sequence[str]) -> list[str]:
    return [s for s in drug_sets if s.startswith(drug + "_")]


def known_name_hint(name: str, drug_sets: Sequence[str], others: Iterable[str] = ()) -> str:
    """For an unknown name: the ``drug_sets`` of the drug it names (``docetaxel``: docetaxel_kloft2006, ...), else
    of the drug it resembles (``docetaxl``), else the drug set or other name (``others``: regimens) it resembles.
    Drug names compete with the whole names, so a near miss of a drug lists its sets before a regimen that merely
    contains the drug's name (``docetaxl``: the docetaxel sets, not ``ac_docetaxel``)."""
    of_drug = _sets_of(name, drug_sets)
    if of_drug:
        return f"; the sets of {name}: {', '.join(of_drug)}"
    drugs = sorted({m.group(1) for s in drug_sets if (m := _DRUG_SET_NAME.fullmatch(s))})
    guess = closest(name, [*drugs, *drug_sets, *others])
    if guess is None:
        return ""
    if guess in drugs:
        return f"; did you mean {guess}? its sets: {', '.join(_sets_of(guess, drug_sets))}"
    return f"; did you mean {guess!r}?"


def _clone_share(vaf: float) -> float | None:
    """The share of the cells a clone makes, where a ``vaf`` above its 0.5 reads as one (0.7, or 70 as a percentage:
    a clone of 70% of the cells has VAF 0.35; a VAF of 0.7 was answered "write 0.007 for 0.7%", ux33b); else None
    (a VAF written as a percentage, 15: the share hint's 0.15)."""
    if 0.5 < vaf < 1:  # 1 reads as 1%, the share hint's 0.01: CH clones are of that size
        return vaf
    if 50 < vaf <= 100:
        return vaf / 100
    return None


def _g(value: float) -> str:
    return f"{value:.3g}"


def unit_slip_hint(e: Any) -> str:
    """For a number refused by its bound in a field of :data:`UNIT_SLIPS`, the value it would be if written in a
    unit commonly mistaken for the field's (``weight_kg: 70000``: "if that is grams, write 70"); in another field,
    :func:`hemasim._schema.share_hint`."""
    field, value = str(e["loc"][-1]) if e["loc"] else "", e.get("input")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    if field == "vaf" and (cells := _clone_share(value)) is not None:
        return (f"; a VAF is at most 0.5 (one mutated allele of two): if {_g(value)} is the clone's share of the cells "
                f"({_g(100 * cells)}%), write vaf: {_g(cells / 2)}")
    if field not in UNIT_SLIPS:  # a share written as a percentage: surviving_fraction: 10, vaf: 15
        return share_hint(e)
    guesses = [f"{unit}, write {value * factor:.3g}" for unit, factor, (low, high) in UNIT_SLIPS[field]
               if low <= value * factor <= high]
    return f"; if that is {'; if '.join(guesses)}" if guesses else ""


#: what a clinician writes for a value of a choice field -> the value meant (field -> {written: meant}); the
#: clone engine names X-SCID ``x_scid`` (GeneTherapy.for_disease), the scenario ``il2rg_scid`` (harden10)
VALUE_SYNONYMS: dict[str, dict[str, str]] = {
    "genotype": {"x_scid": "il2rg_scid", "xscid": "il2rg_scid", "scid_x1": "il2rg_scid", "x_linked_scid": "il2rg_scid",
                 "il2rg": "il2rg_scid", "ada": "ada_scid", "rag": "rag_scid", "rag1_scid": "rag_scid",
                 "rag2_scid": "rag_scid"},
    "source": {"pbsc": "peripheral_blood", "pbpc": "peripheral_blood", "mobilised_blood": "peripheral_blood",
               "mobilized_blood": "peripheral_blood", "bm": "bone_marrow", "marrow": "bone_marrow",
               "cord": "cord_blood", "ucb": "cord_blood", "double_cord": "double_cord_blood"},
    "donor": {"self": "autologous", "auto": "autologous", "own": "autologous", "gene_corrected": "autologous",
              "allo": "allogeneic", "sibling": "allogeneic", "unrelated": "allogeneic", "haploidentical": "allogeneic",
              # the donor types of a transplant clinic's notes (haplo, MUD, MSD...): "haplo" had no hint (harden24)
              **dict.fromkeys(("haplo", "related", "mud", "mmud", "msd", "mrd", "matched_sibling", "matched_related",
                               "matched_unrelated", "mismatched_unrelated"), "allogeneic")},
    # a neurologist's or rheumatologist's abbreviation (ux37b: "ms" had no hint)
    "autoimmune_disease": {**dict.fromkeys(("ms", "rrms", "rms", "relapsing_ms", "relapsing_remitting_ms",
                                            "relapsing_remitting_multiple_sclerosis", "relapsing_multiple_sclerosis",
                                            "spms", "ppms", "progressive_ms"), "multiple_sclerosis"),
                           **dict.fromkeys(("ra", "rheumatoid", "refractory_ra"), "rheumatoid_arthritis")},
    # a dose rule as a clinic's protocol words it: "hold if neutrophils < 1.5" (firsthour27: no hint)
    "observable": {**dict.fromkeys(("neutrophils", "neutrophil", "neutrophil_count", "anc_1e9_per_l", "pmn"), "anc"),
                   **dict.fromkeys(("plt", "platelet_count", "platelets_1e9_per_l", "thrombocytes"), "platelets")},
    "action": {**dict.fromkeys(("hold", "withhold", "postpone", "defer", "delay_cycle"), "delay"),
               **dict.fromkeys(("dose_reduction", "reduction", "reduce_dose", "dose_reduce"), "reduce")},
}

#: what a choice value written for something the model does not represent leaves out, after its "did you mean"
#: (field -> {written: note}): a haploidentical or mismatched donor got "did you mean 'allogeneic'?" and nothing
#: more, as if the mismatch were modelled (ux36)
_MISMATCH = (" The model has no HLA mismatch (an allogeneic graft is a matched one; its donor T cells kill host cells "
             "at one rate, whatever the match): write allogeneic, and for a T-cell-depleted graft the transplant's "
             "cd3_per_kg (about 1e5 CD3+/kg), with the immunosuppression the patient gets (docs/chimerism.md)")
VALUE_NOTES: dict[str, dict[str, str]] = {
    "donor": dict.fromkeys(("haploidentical", "haplo", "mmud", "mismatched_unrelated", "mismatched"), _MISMATCH)}

#: a choice value naming something the model does not have, told so instead of the value it is spelt like (field ->
#: {written: line}): "systemic_sclerosis" got "did you mean 'multiple_sclerosis'?", another disease (ux37b)
_OTHER_DISEASE = ("{} is not modelled: the model has one autoimmune disease model (autoreactive memory CD4 T cells "
                  "sustained by self antigen, removed by lymphoablation, re-expanding over years), which "
                  "multiple_sclerosis and rheumatoid_arthritis share with the same values, so either gives the same "
                  "course and neither is {}; there is no disease-specific read-out (docs/immunity.md, 'Autoimmunity "
                  "and immune reset')")
VALUE_NOT_MODELLED: dict[str, dict[str, str]] = {
    "autoimmune_disease": {
        **{w: _OTHER_DISEASE.format("systemic sclerosis", "calibrated on it (no skin score, no lung function)")
           for w in ("systemic_sclerosis", "ssc", "scleroderma", "diffuse_cutaneous_systemic_sclerosis", "dcssc",
                     "limited_cutaneous_systemic_sclerosis", "lcssc")},
        # each named as written out, not "that disease" (review37e)
        **{w: _OTHER_DISEASE.format(disease, "calibrated on it")
           for disease, words in (
               ("systemic lupus erythematosus", ("sle", "lupus", "systemic_lupus_erythematosus")),
               ("Crohn's disease", ("crohns", "crohn", "crohns_disease", "crohn_s_disease", "crohn_disease")),
               ("CIDP (chronic inflammatory demyelinating polyneuropathy)", ("cidp",)),
               ("neuromyelitis optica", ("nmo", "nmosd", "neuromyelitis_optica")),
               ("type 1 diabetes", ("type_1_diabetes", "t1d")), ("myasthenia gravis", ("myasthenia_gravis",)),
               ("vasculitis", ("vasculitis",)),
               ("juvenile idiopathic arthritis", ("juvenile_idiopathic_arthritis", "jia")))
           for w in words}}}

#: a number in the clinic's notation ("5x10^6", "5 × 10^6", "5*10**6"), which is not a unit typed after a number
_TIMES_TEN_TO = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*(?:x|×|\*)\s*10\s*(?:\^|\*\*)\s*([-+]?\d+)\s*")

#: a field whose value carries no unit in its name: what its number means (a unit typed after it got "the unit is
#: the one in the field's name", which it has not)
UNITLESS_FIELDS = {"dose": "the dose is relative to a standard one (1; 0.5 is half a dose)"}


def _literal_hint(e: Any) -> str:
    """For a value not among a choice field's, the value meant: a clinician's word for it, else the one it
    resembles."""
    given = e.get("input")
    if not isinstance(given, str):
        return ""
    expected = re.findall(r"'([^']*)'", str(e.get("ctx", {}).get("expected", "")))
    written = re.sub(r"[\s-]+", "_", given.strip().lower())
    field = str(e["loc"][-1]) if e["loc"] else ""
    # any punctuation as a separator: "Crohn's disease" (review37e: no line)
    bare = re.sub(r"[^a-z0-9]+", "_", given.strip().lower()).strip("_")
    if (other := VALUE_NOT_MODELLED.get(field, {}).get(written, VALUE_NOT_MODELLED.get(field, {}).get(bare))) is not None:
        return f"; {other}"
    meant = VALUE_SYNONYMS.get(field, {}).get(written) or closest(written, expected)
    note = VALUE_NOTES.get(field, {}).get(written, "")
    return f"; did you mean {meant!r}?{note}" if meant in expected and meant != given else ""


#: a name pattern of the schemas -> what it allows, in words (the line showed the regular expression)
NAME_PATTERNS = {r"^[a-z][a-z0-9_]*$": "a name in lower case: a letter, then letters, digits or _ (e.g. influenza, "
                                       "tetanus, hepatitis_b)"}


def _name_pattern_line(e: Any) -> str:
    """A name refused by its pattern: what the name may hold, in words, and the name so written (``Influenza A``:
    'influenza_a'); empty for a pattern not in :data:`NAME_PATTERNS`."""
    pattern = str(e.get("ctx", {}).get("pattern", ""))
    if pattern not in NAME_PATTERNS:
        return ""
    given = e.get("input")
    line = f"{quoted(str(given), 40)} is not {NAME_PATTERNS[pattern]}"
    if isinstance(given, str):
        fixed = re.sub(r"_+", "_", re.sub(r"[^a-z0-9_]", "_", given.strip().lower())).strip("_")
        if re.fullmatch(pattern, fixed):
            line += f"; did you mean {fixed!r}?"
    return line


#: the fields that hold a day of the run (a schedule's ``days`` list too): none may be negative
DAY_FIELDS = ("day", "start_day", "end_day", "days")


def _negative_day(e: Any) -> float | None:
    """The value of a day field refused for being negative (``start_day: -2``, ``schedule: {days: [-1, 20]}``),
    else None."""
    names = [part for part in e["loc"] if isinstance(part, str)]
    value = e.get("input")
    if (e["type"] != "greater_than_equal" or not names or names[-1] not in DAY_FIELDS or isinstance(value, bool)
            or not isinstance(value, int | float) or value >= 0):
        return None
    return float(value)


def negative_day_hint(err: ValidationError) -> str:
    """For a day written as the clinic counts it (conditioning on day -6, the graft on day 0): days count from the
    run's start, so every day moves by the most negative one of the file (``start_day: -2`` and ``day: 0``: add 2).
    "Input should be greater than or equal to 0" alone did not say what to change."""
    days = [day for e in err.errors(include_url=False) if (day := _negative_day(e)) is not None]
    if not days:
        return ""
    # "not from the graft" alone read odd in a file with no graft (review27: docetaxel and pegfilgrastim only)
    return (f"; days count from the start of the run (day 0), not from a graft or a cycle's day 1: add {-min(days):g} "
            "to every day of the scenario, so that the earliest is day 0, and to duration_days to keep the follow-up "
            "(docs/getting_started.md, Days)")


def complete(lines: list[str], err: ValidationError, model: type[BaseModel], drop: set[str]) -> list[str]:
    """``lines`` (one a problem, from ``validation_problems`` with the same ``drop``: the tags of tagged unions)
    with each hint this module knows added to the line of its error."""

    shift = negative_day_hint(err)

    def hint(e: Any, line: str, where: str) -> str | None:
        if e["type"] == "extra_forbidden" and (unit := other_unit_hint(e, line, block_fields(model, e["loc"][:-1]))):
            return line + unit
        if e["type"] == "extra_forbidden" and (vaccine := _vaccine_field_hint(e, model)):
            return line + vaccine
        if e["type"] == "extra_forbidden" and "did you mean" not in line:
            return line + _unknown_field_hint(e, model)
        if e["type"] == "union_tag_invalid" and "does not match" in line:
            return _kind_line(e, where)
        if e["type"] == "list_type" and list(e["loc"]) in (["interventions"], ["arms"]):
            return line + "; write each item on a line of its own starting with '- ' (examples/*.yaml)"
        if e["type"] == "model_attributes_type" and len(e["loc"]) == 2 and e["loc"][0] == "interventions":
            return line + "; write each intervention as a mapping with its kind, e.g. - {kind: chemotherapy, ...}"
        if shift and _negative_day(e) is not None:
            return line + shift
        if e["type"] in ("less_than_equal", "less_than", "greater_than", "greater_than_equal") and (
                slip := unit_slip_hint(e)):
            return line + slip
        if e["type"] == "string_pattern_mismatch" and (named := _name_pattern_line(e)):
            return f"{where}: {named}"
        if e["type"] == "literal_error" and "did you mean" not in line and (literal := _literal_hint(e)):
            return line + literal
        if (e["type"] in ("float_parsing", "int_parsing") and isinstance(e.get("input"), str)
                and (times := _TIMES_TEN_TO.fullmatch(e["input"])) and "write " not in line):
            return line + f"; write {times.group(1)}e{int(times.group(2))} (a power of ten as YAML writes it)"
        if percent := percent_hint(e, model):  # a share with a percent sign: not "write the number alone"
            return line + percent
        if (e["type"] in ("float_parsing", "int_parsing") and isinstance(e.get("input"), str)
                and NUMBER_WITH_UNIT.fullmatch(e["input"]) and "the unit is" not in line):
            field = str(e["loc"][-1]) if e["loc"] else ""
            return line + (f"; write the number alone: {UNITLESS_FIELDS[field]}" if field in UNITLESS_FIELDS
                           else NUMBER_ALONE)
        return None

    return hint_lines([line + drug_set_hint(line) for line in lines], err, drop, hint)


def population_refused(where: str, does: str,
                       instead: str = "run the cohort there, or remove the block") -> str:
    """The one line that refuses a scenario's ``population:`` block where one patient is simulated (sweep,
    sensitivity, export-sbml, explore, a fitting problem's condition): they ran the scenario's patient and said nothing
    of the block. ``where``: the file (and the field that named it); ``does``: what is done instead of a cohort."""
    return (f"{where}: population: {does}, not a cohort; the block (how the patients of a cohort differ) is read by "
            f"`hemasim cohort`: {instead}")
