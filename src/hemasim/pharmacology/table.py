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


def drug_sets_markdown() -> str:
    lines = ["# Drug sets and conditioning regimens", "",
             "Generated from the shipped data by `python -m hemasim.pharmacology.table > docs/drug_sets.md`;",
             "a test keeps it in step. Units are in the value names (hours and litres as published).", ""]
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
