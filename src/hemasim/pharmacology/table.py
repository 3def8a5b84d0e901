"""Render the shipped drug sets and conditioning regimens as Markdown (docs/drug_sets.md is generated
by ``python -m hemasim.pharmacology.table > docs/drug_sets.md``; a test keeps it in step)."""

from __future__ import annotations

from hemasim.pharmacology.conditioning import available_regimens, load_regimen
from hemasim.pharmacology.drug_sets import Value, available_drug_sets, load_drug_set


def source_text(v: Value) -> str:
    """Where a drug-set value comes from: its citation, its derivation or the assumption."""
    if v.source is not None:
        return f"{v.source}, {v.where}" if v.where else v.source
    if v.derived is not None:
        return f"derived: {v.derived}"
    return f"assumed: {v.assumed}"


def drug_sets_markdown() -> str:
    lines = ["# Drug sets and conditioning regimens", "",
             "Generated from the shipped data by `python -m hemasim.pharmacology.table > docs/drug_sets.md`;",
             "a test keeps it in step. Units are in the value names (hours and litres as published).", ""]
    for name in available_drug_sets():
        ds = load_drug_set(name)
        lines += [f"## `{name}` ({ds.drug})", "", " ".join(ds.description.split()), "",
                  f"Routes: {', '.join(ds.routes)}.", ""]
        if ds.pk is None:
            lines += [f"**No PK model**: {' '.join((ds.pk_missing_reason or '').split())}", ""]
        lines += ["| value | number | source |", "|---|---|---|"]
        lines += [f"| `{path}` | {v.value:g} | {source_text(v).replace('|', '/')} |" for path, v in ds.values_with_paths()]
        lines += ["", "References:", ""]
        lines += [f"- **{key}**: {ds.reference(key).citation()}" for key in ds.references]
        lines.append("")
    lines += ["## Conditioning regimens", "",
              "Cell-kill fractions per compartment class (hsc, progenitor, lymphoid) and TBI through the",
              "linear-quadratic model. Drug doses are the standard schedules; every kill fraction is assumed",
              "(no human source transcribed yet) and to be calibrated on the transplantation targets.", ""]
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
                kills = ", ".join(f"{k} {v.value:g}" for k, v in c.surviving.items())
                lines.append(f"| {c.day:g} | {c.agent} | {kills} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(drug_sets_markdown(), end="")
