"""The report of a scenario's arms: every figure compares the arms; one endpoint table with a column per arm."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hemasim.endpoints import is_per_cycle
from hemasim.report.html import (
    IMMUNOSUPPRESSION_NOTE,
    PARAMETER_HEADER,
    endpoint_text,
    figure_html,
    grouped_endpoint_tables,
    interventions_html,
    lineage_html,
    lineage_note,
    name_html,
    page_head,
    parameter_rows,
    parameters_html,
    patient_text,
    scenario_title,
    shown_endpoints,
    solver_text,
    warnings_html,
)
from hemasim.report.key_results import ENDPOINTS_ANCHOR, definition_text, key_results_html, unit_words
from hemasim.report.plots import donor_word, draws_donor_part, graft_axis_positions, immunosuppression_windows

#: the arms report's notes on donor-derived dashes and the graft line, each where an arm has them
ARMS_DONOR_NOTE = " Black or darker dashes: the donor-derived part of a count."
ARMS_GRAFT_NOTE = " Grey dashed vertical line: the graft."


def _donor_note(pairs: list[tuple[str, Any]]) -> str:
    """:data:`ARMS_DONOR_NOTE`, "graft-derived" after autologous grafts only, as the legends say (ux37b)."""
    word = donor_word(pairs)
    return ARMS_DONOR_NOTE if word == "donor" else ARMS_DONOR_NOTE.replace("donor-derived", f"{word} (re-infused)")

if TYPE_CHECKING:
    from hemasim.arms import ArmRun
    from hemasim.endpoints import EndpointValue
    from hemasim.scenario import Scenario


def _figures(pairs: list[tuple[str, Any]], static: bool) -> str:
    from hemasim.report.plots import (
        autoimmunity_figure,
        drug_figure,
        infection_figure,
        vaccine_figure,
        viral_figure,
    )

    out = [f"<h2>Blood counts and lineages</h2>{lineage_html(pairs, static)}"]
    out += _other_sections(pairs)
    for title, make in (("Drug exposure", drug_figure), ("Vaccine responses", vaccine_figure),
                        ("Infection", infection_figure), ("Viral infection", viral_figure),
                        ("Autoimmune disease and T-cell repertoire", autoimmunity_figure)):
        fig = make(pairs)
        if fig is not None:
            out.append(figure_html(title, title.lower(), fig))
    return "\n".join(out)


#: report sections of intervention kinds whose figures are drawn above with the arms compared
COMPARED_SECTIONS = frozenset({"drugs", "vaccine", "infection", "viral_infection"})


def _other_sections(pairs: list[tuple[str, Any]]) -> list[str]:
    """Sections of other registered kinds, which draw one run each: rendered arm by arm, an arm's section that is
    the same as an earlier arm's given once, naming the arms it stands for; the lineage chimerism of every arm in
    one table (a column per arm). Two arms of a transplant that differ only after the graft's first year printed
    the same chimerism table twice (report36)."""
    from hemasim.assembly import report_sections

    out: list[str] = []
    drawn: dict[str, list[str]] = {}  # a section's HTML -> the arms it stands for
    chimerism_done = False
    for name, result in pairs:
        scenario = result.record.scenario
        for section in report_sections(scenario) if scenario is not None else []:
            if section.key in COMPARED_SECTIONS:
                continue
            if section.key == LINEAGE_CHIMERISM:
                if not chimerism_done:
                    from hemasim.interventions.chimerism import lineage_chimerism_arms_section

                    part = lineage_chimerism_arms_section(pairs)  # every arm: it names those without a graft
                    if part:
                        out.append(part)
                    chimerism_done = True
                continue
            html_part = section.render(result)
            if not html_part:
                continue
            if html_part in drawn:
                drawn[html_part].append(name)
                continue
            drawn[html_part] = [name]
            out.append(html_part)
    return [_for_arm(part, ", ".join(drawn[part])) if part in drawn else part for part in out]


#: the report section of lineage chimerism (transplant, immunosuppression, DLI): one table over the arms
LINEAGE_CHIMERISM = "lineage_chimerism"


#: a section's own heading, first in its HTML
_SECTION_HEADING = re.compile(r"<h2>(.*?)</h2>", re.S)


def _for_arm(html_part: str, arm: str) -> str:
    """A section drawn for one arm, the arm named in its heading ("Lineage chimerism (arm no_dli)"); a section
    without a heading of its own gets one above it. (A smaller "arm no_dli" above the section's larger heading
    read as if the section belonged to the next arm; harden5.)"""
    heading = _SECTION_HEADING.match(html_part)
    word = "arms" if ", " in arm else "arm"  # a section the same in several arms names them all
    if heading is None:
        return f"<h3>{word} {html.escape(arm)}</h3>{html_part}"
    return f"<h2>{heading.group(1)} ({word} {html.escape(arm)})</h2>{html_part[heading.end():]}"


#: why an arm has no value of a per-cycle endpoint another arm has
NO_SUCH_CYCLE = ("this arm's chemotherapy has no such cycle; a course of one cycle has no per-cycle endpoints at all: "
                 "the run's own ANC nadir, its day and days below are that cycle's")


def _endpoint_table(names: list[str], endpoints: dict[str, list[EndpointValue]], donor: str = "donor") -> str:
    esc = html.escape
    by_arm = {arm: {e.name: e for e in eps} for arm, eps in endpoints.items()}
    order = list(dict.fromkeys(e.name for eps in endpoints.values() for e in eps))
    firsts = {name: next(by_arm[a][name] for a in names if name in by_arm[a]) for name in order}
    units = unit_words({name: e.unit for name, e in firsts.items()})

    def absent(name: str) -> str:
        # an arm without a chemotherapy cycle the others have (one cycle: none of them) read "–" with no word why
        # (review36e)
        if not is_per_cycle(name):
            return "<td>&ndash;</td>"
        return (f'<td title="{esc(NO_SUCH_CYCLE)}">&ndash; <small>no such cycle in this arm</small></td>')

    def row(name: str) -> str:
        cells = "".join(f"<td>{endpoint_text(by_arm[a][name])}</td>" if name in by_arm[a] else absent(name)
                        for a in names)
        return (f"<tr><td><code>{name_html(name)}</code></td>{cells}<td>{esc(units[name])}</td>"
                f"<td class=\"prose\">{esc(definition_text(firsts[name].definition))}</td></tr>")

    head = "".join(f"<th>{esc(a)}</th>" for a in names)
    # an undecided flag's row where no arm has an undecided patient is hidden, as in a single run's table
    shown = shown_endpoints(order, lambda n: sum(float(by_arm[a][n].value or 0.0) for a in names if n in by_arm[a]))
    return grouped_endpoint_tables(shown, f"<tr><th>endpoint</th>{head}<th>unit</th><th>definition</th></tr>", row,
                                   donor)


def _arm_html(name: str, record: dict[str, Any]) -> str:
    esc = html.escape
    scen = record.get("scenario") or {}
    overrides = [p for p in record["parameters"] if p["source"].startswith("set by the user")]
    params = (f"<p>Parameters changed:</p><table>{PARAMETER_HEADER}{parameter_rows(overrides)}</table>"
              if overrides else "")
    return (f"<h3>{esc(name)}</h3><p>Patient: {esc(patient_text(scen.get('patient', {})))}</p>"
            f"<p>Interventions:</p><ul>{interventions_html(scen)}</ul>{params}")


def render_arms_report(scenario: Scenario, runs: Sequence[ArmRun], endpoints: dict[str, list[EndpointValue]],
                       records: dict[str, dict[str, Any]], title: str, static: bool = False) -> str:
    """Self-contained HTML comparing the arms of one scenario (``static``: lineage plots as PNG)."""
    esc = html.escape
    names = [r.name for r in runs]
    pairs = [(r.name, r.result) for r in runs]
    first = records[names[0]]
    refs = sorted({ref for rec in records.values() for ref in rec["references"]})
    all_params: dict[str, dict[str, Any]] = {}
    for rec in records.values():  # an arm's own changes are shown with the arm; here the defaults win
        for p in rec["parameters"]:
            if p["name"] not in all_params or all_params[p["name"]]["source"].startswith("set by the user"):
                all_params[p["name"]] = p
    return f"""<!DOCTYPE html>
<html lang="en"><head>{page_head(title)}</head>
<body>
<h1>{esc(title)}</h1>
<p class="muted">hemasim {esc(str(first['hemasim_version']))} &middot; {len(names)} arms: {esc(', '.join(names))}
&middot; seed {esc(str(first['seed']))} &middot; solver: {esc(solver_text(first['solver']))}</p>
{warnings_html([(r.name, r.result.record.scenario) for r in runs])}
{key_results_html({n: endpoints[n] for n in names}, dict(pairs))}
<h2>Scenario</h2>
<p>{esc(scenario_title({"name": scenario.name, "description": scenario.description}))}</p>
<p>Duration {scenario.duration_days:g} days. Each arm is the base scenario with its changes:</p>
{''.join(_arm_html(n, records[n]) for n in names)}
<p class="muted">Line styles or colours tell the arms apart (legends). {esc(lineage_note(list(pairs)))}{_donor_note(list(pairs)) if draws_donor_part(list(pairs)) else ""}\
{ARMS_GRAFT_NOTE if graft_axis_positions(list(pairs)) else ""}\
{IMMUNOSUPPRESSION_NOTE if immunosuppression_windows(list(pairs)) else ""}</p>
{_figures(pairs, static)}
<h2 id="{ENDPOINTS_ANCHOR}">Endpoints</h2>
{_endpoint_table(names, endpoints, donor_word(list(pairs)))}
<h2>Parameters used</h2>
<p class="muted">Over all arms; an arm's changed values are listed with the arm above.</p>
{parameters_html([all_params[k] for k in sorted(all_params)])}
<h2>References</h2><ol>{''.join(f'<li>{esc(r)}</li>' for r in refs)}</ol>
</body></html>
"""
