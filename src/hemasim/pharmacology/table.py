"""Render the shipped drug sets and conditioning regimens as Markdown (docs/drug_sets.md is generated
by ``python -m hemasim.pharmacology.table > docs/drug_sets.md``; a test keeps it in step)."""

from __future__ import annotations

from hemasim.pharmacology.conditioning import available_regimens, load_regimen
from hemasim.pharmacology.drug_sets import DrugSet, Value, available_drug_sets, load_drug_set


def source_text(v: Value) -> str:
    """Where a drug-set value comes from: its citation, its derivation, its fit or the assumption."""
    if v.source is not None:
        return f"{v.source}, {v.where}" if v.where else v.source
    if v.derived is not None:
        return f"derived: {v.derived}"
    if v.fitted is not None:
        ci = f", {v.fitted.interval}" if v.fitted.interval else ""
        return f"fitted to {v.fitted.data} ({v.fitted.problem}{ci})"
    return f"assumed: {v.assumed}"


def what_it_acts_on(ds: DrugSet) -> tuple[str, str] | None:
    """A set that cannot be dosed, acts on nothing, kills in the full model only, or only inhibits production: (mark,
    what it means), as docs/drug_sets.md and `hemasim drugs SET` say it; None for a set with a chain or a
    stimulating effect."""
    if ds.pk is None:
        return "No PK model", " ".join((ds.pk_missing_reason or "").split())
    if ds.pk_only:
        return "PK only", "no effect on blood cells (it can be dosed, combined and plotted)."
    if ds.full_model_kill_only:
        return "Full-model kill only", "no published chain; its kill acts in the full model, not in a Friberg chain."
    inhibiting = ds.inhibiting_effects
    # every effect an inhibition, and no chain (a set with a Friberg block has one: the mark said it had none)
    if inhibiting and len(inhibiting) == len(ds.effects) and ds.friberg is None and ds.friberg_platelets is None:
        acted = " and ".join(f"the {e.acts_on.replace('_', ' ')} of the {', '.join(e.lineages)} lineage"
                             + ("s" if len(e.lineages) > 1 else "") for e in ds.effects)
        return "Inhibits production", (f"it lowers {acted} (E < 0: an indirect-response inhibition); it kills no "
                                       "marrow cell and has no Friberg chain, and is given as kind: chemotherapy.")
    return None


#: how a cohort draws a set's published between-patient variability (hemasim.cohort.sampling.drug_variability_draws)
VARIABILITY_SECTION = [
    "## Between-patient variability", "",
    "A cohort with `population.drug_variability: true` (and the validation's chemotherapy cohorts) draws each",
    "patient's values from the variability a set publishes (`friberg.iiv_variance`: the chain's mean transit time,",
    "baseline and slope; `pk.clearance_iiv_sd_log`), by `hemasim.cohort.sampling.drug_variability_draws`. Each",
    "value is its typical value times exp(eta), eta normal with the published variance (omega^2) on the log scale:",
    "the pharmacometric form of a variability on a positive parameter (`CL = TVCL * exp(ETA_CL)`, positive by",
    "construction; ferx-nlme book, \"Parameter Transforms\", pages corpus,",
    "ferx-nlme.github.io/ferx-book/chapters/07-parameter-transforms.html). A fraction (a bioavailability) would",
    "take a logit-normal draw, inside (0, 1) by construction (the same book's bioavailability example; Monolix FAQ",
    "\"bounds on population parameters\", monolix.lixoft.com/faq/bounds-on-population-parameters/); no shipped set",
    "publishes a variability on one, so no drawn value can be negative or a fraction above 1.", "",
    "Eta is not truncated, but each drawn value is then clipped to its declared bounds: a healthy-model",
    "parameter's bounds (docs/parameters.md), a drug value's plausible range (`VALUE_RANGES`, docs/drugs.md), as",
    "the model's own between-patient variability is clipped (`hemasim.cohort.sampling.iiv_values`): a patient",
    "outside them is one `hemasim run` refuses. The chain's mean transit time moves both neutrophil marrow transits",
    "by one factor, clipped so that both stay within their bounds (still one factor). Clipped, not redrawn: a",
    "redraw would move every later value of the cohort in the generator's stream. The clip binds mostly on the",
    "post-mitotic transit, whose bounds [4, 8] days (typical 5.8) are narrower than the cancer populations'",
    "variability: in 1.4% of patients at Kloft 2006's omega^2 0.0192 (docetaxel; 13 of the 1,000 patients of",
    "validation C7's cohort, whose longest transit was 9.9 days), 4.4-4.6% at Friberg 2002's 0.0296 and Wahlby",
    "2004's 0.0289, 6.8% at Chen 2014's 0.0353 (nab-paclitaxel); besides, the ANC set point's upper bound",
    "(15e9/L) in 0.04% of patients at Chen 2014's baseline variability (omega^2 0.1162: one patient of 500 in a",
    "validation cohort, 15.8e9/L); nothing else the shipped sets vary reaches a bound. Before branch mend36 none of",
    "these draws was clipped; the clip moved validation targets C12, F2, F4 and N1 a little (none changed status).", "",
]


def drug_sets_markdown() -> str:
    lines = ["# Drug sets and conditioning regimens", "",
             "Generated from the shipped data by `python -m hemasim.pharmacology.table > docs/drug_sets.md`;",
             "a test keeps it in step. Units are in the value names (hours and litres as published).", ""]
    lines += VARIABILITY_SECTION
    for name in available_drug_sets():
        ds = load_drug_set(name)
        lines += [f"## `{name}` ({ds.drug})", "", " ".join(ds.description.split()), "",
                  f"Routes: {', '.join(ds.routes)}.", ""]
        if (mark := what_it_acts_on(ds)) is not None:
            lines += [f"**{mark[0]}**: {mark[1]}", ""]
        lines += ["| value | number | source |", "|---|---|---|"]
        lines += [f"| `{path}` | {v.value:g} | {source_text(v).replace('|', '/')} |" for path, v in ds.values_with_paths()]
        lines += ["", "References:", ""]
        lines += [f"- **{key}**: {ds.reference(key).citation()}" for key in ds.references]
        lines.append("")
    lines += combination_regimens_markdown()
    lines += ["## Conditioning regimens", "",
              "Cell-kill fractions per compartment class (hsc, progenitor, lymphoid) and TBI through the",
              "linear-quadratic model. Drug doses are the standard schedules; a kill fraction is assumed (no",
              "human source transcribed yet) unless marked *fitted* (its data and fit in docs/drugs.md).", ""]
    for name in available_regimens():
        reg = load_regimen(name)
        lines += [f"### `{name}`: {reg.title}", "", f"{reg.description}; graft on day {reg.graft_day:g} of the "
                  f"block ({reg.intensity.replace('_', '-')}).", "", "| day | component | surviving / dose |",
                  "|---|---|---|"]
        for c in reg.components:
            if c.kind == "tbi":
                lines.append(f"| {c.day:g} | TBI | {c.total_dose_Gy:g} Gy in {c.fractions} fraction(s), "
                             f"{c.fractions_per_day}/day |")
            else:
                kills = ", ".join(f"{k} {v.value:g}{' (*fitted*)' if v.fitted is not None else ''}"
                                  for k, v in c.surviving.items())
                lines.append(f"| {c.day:g} | {c.agent} | {kills} |")
        lines.append("")
    return "\n".join(lines)


def combination_regimens_markdown() -> list[str]:
    """The shipped combination regimens (``kind: chemotherapy_regimen``), phase by phase."""
    from hemasim.pharmacology.chemo_regimens import available_chemo_regimens, load_chemo_regimen

    lines = ["## Combination regimens", "", "Given with `kind: chemotherapy_regimen` (docs/drugs.md); phases follow "
             "one another.", ""]
    for name in available_chemo_regimens():
        reg = load_chemo_regimen(name)
        lines += [f"### `{name}`", "", " ".join(reg.description.split()), "",
                  "| phase | drug set | dose | days in cycle | source |", "|---|---|---|---|---|"]
        for i, phase in enumerate(reg.phases, start=1):
            lines.append(f"| {i} | cycle {phase.cycle_length_days.value:g} d x {phase.cycles.value:g} | | | "
                         f"{source_text(phase.cycle_length_days)}; {source_text(phase.cycles)} |")
            for d in phase.drugs:
                key, v = next((k, getattr(d, k)) for k in ("dose_mg_per_m2", "dose_mg_per_kg", "dose_ug_per_kg",
                                                           "dose_mg") if getattr(d, k) is not None)
                hours = f", {d.infusion_hours.value:g}-h infusion" if d.infusion_hours is not None else ""
                lines.append(f"| {i} | `{d.drug_set}` | {v.value:g} {key.removeprefix('dose_').replace('_per_', '/')} "
                             f"{d.route}{hours} | {', '.join(f'{x:g}' for x in d.days_in_cycle)} | "
                             f"{source_text(v).replace('|', '/')} |")
        lines += ["", "References:", ""]
        lines += [f"- **{key}**: {r.authors} ({r.year}). {r.title}. {r.journal}." for key, r in reg.references.items()]
        lines.append("")
    return lines


if __name__ == "__main__":
    print(drug_sets_markdown(), end="")
