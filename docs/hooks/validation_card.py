"""MkDocs hook: the page validation_card.md, generated at build time from the validation report card.

It runs ``hemasim.validation.run_validation()`` (what ``hemasim validate --json`` writes) on the code being
documented, so the published card is never older than the model it describes. A covered target that fails is
shown as failed; it does not stop the build (``hemasim validate`` and the test suite judge the model).

docs/validation_card.md is also committed, so that a reader of the repository (on GitHub, where the pages' links to
it lead) sees the card: ``python docs/validation_predictions.py CARD.json docs/validation_predictions.md`` writes it
with the predictions page, from the same card (:func:`card_markdown` with ``built=False``). The build replaces that
copy with the card it computes.

``HEMASIM_VALIDATION_CARD=card.json`` (written by ``hemasim validate --json card.json`` on the same code) renders that
card instead of computing it again: the test suite builds the site with a card of a few groups, which the validation
tests judge on their own, instead of a third run of the costliest groups.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the predictions script renders the committed page without mkdocs
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

PAGE = "validation_card.md"
MARK = {status: f'<span class="card-status card-{status.replace(" ", "-")}">{status}</span>'
        for status in ("pass", "fail", "partial", "not covered")}
GROUP_TITLES = {"steady_state": "Healthy steady state", "aging": "Ageing and clonal haematopoiesis",
                "chemotherapy": "Chemotherapy and G-CSF", "immunodeficiency_and_gene_therapy":
                "Immunodeficiency and gene therapy", "infection_and_vaccines": "Infection and vaccines",
                "other_predictions": "Other predictions (blood donation, influenza, vaccines by age and schedule, lymphocyte depletion)"}


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _check_line(check: dict[str, Any]) -> str:
    band = f"[{check['band'][0]:g}, {check['band'][1]:g}]"
    name = f"`{check['readout']}` ({check['patient']})" if check["patient"] else f"`{check['readout']}`"
    if check["value"] is None:  # null in the JSON card: a check not covered, or a reading with no value (NaN)
        why = _cell(check.get("why") or "")
        if check["status"] == "not covered":
            return f"{name}: not covered ({why})"
        if check["status"] == "info":
            return f"reported, not judged: {name} not computed vs {band}" + (f": {why}" if why else "")
        line = f"{name} not computed, against {band}" + (f" ({why})" if why else "")
        return line if check["status"] == "pass" else f"{line} **FAIL**"
    line = f"{name} = {check['value']:.4g} in {band}" + (" (near an edge)" if check.get("near_edge") else "")
    if check["status"] == "info":  # with its why, as `hemasim validate` prints it (a NaN reading says why it has none)
        why = _cell(check.get("why") or "")
        return f"reported, not judged: {name} = {check['value']:.4g} vs {band}" + (f": {why}" if why else "")
    return line if check["status"] == "pass" else f"{line} **FAIL**"


def _target_row(target: dict[str, Any]) -> str:
    lines = [_check_line(c) for c in target["checks"]]
    if target["not_covered"]:
        lines.append(f"not yet covered: {_cell(target['not_covered'])}")
    if target["calibrated_on"]:
        lines.append("*a parameter was calibrated on this target*")
    if target["note"]:
        lines.append(f"note: {_cell(target['note'])}")
    if target.get("challenge"):  # what a passing prediction was shown to test (targets.yaml, issue #17 item 1)
        lines.append(f"*challenge ({target['challenge']['outcome']})*: {_cell(target['challenge']['says'])}")
    if target.get("blind") is False:
        lines.append(f"*not blind*: {_cell(target['blind_reason'])}")
    status = MARK[target["status"]] + (" (near an edge)" if target.get("near_edge") else "")
    return (f"| {target['id']} | {_cell(target.get('class', ''))} | {_cell(target['quantity'])} "
            f"| {_cell(target['published'])} | {status} | {'<br>'.join(lines)} | {_cell(target['source'])} |")


def card_markdown(card: dict[str, Any], version: str, built: bool = True) -> str:
    """The report card (the JSON of ``hemasim validate --json``) as a markdown page: the site's, computed when it is
    ``built`` on hemasim ``version``, or the repository's committed copy (``built=False``)."""
    counts = " · ".join(f"{MARK[k]}: {v}" for k, v in sorted(card["counts"].items()))
    made = (f"Generated when this site was built, by running every target on hemasim {version} (the same card as "
            "`hemasim validate --json card.json`)." if built else
            "Generated by `python docs/validation_predictions.py CARD.json docs/validation_predictions.md` from a "
            "report card written by `hemasim validate --json CARD.json`, with the [prediction targets]"
            "(validation_predictions.md) page from the same card; do not edit by hand. The documentation site "
            "computes this page again from the code at every build.")
    parts = ["---", "hide: [navigation]", "---", "", "# Validation report card", "",
             f"{made} How targets, read-outs and pass bands are defined: [How it is validated](validation.md).", "",
             f"**{counts}**", ""]
    if card.get("summary"):  # what the card's classes say: predictions, calibrations, consistency checks
        parts += [_cell(card["summary"]), ""]
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for target in card["targets"]:
        by_group[target["group"]].append(target)
    for group, targets in by_group.items():
        parts += [f"## {GROUP_TITLES.get(group, group.replace('_', ' ').capitalize())}", "",
                  "| target | class | quantity | published | status | simulated vs pass band | source |",
                  "|---|---|---|---|---|---|---|", *(_target_row(t) for t in targets), ""]
    return "\n".join(parts)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    from mkdocs.structure.files import File

    import hemasim

    given = os.environ.get("HEMASIM_VALIDATION_CARD")
    if given:
        card = json.loads(Path(given).read_text(encoding="utf-8"))
    else:
        from hemasim.validation import run_validation

        card = run_validation().to_json()
    committed = files.get_file_from_path(PAGE)
    if committed is not None:  # the repository's copy: the site shows the card of the code it documents
        files.remove(committed)
    files.append(File.generated(config, PAGE, content=card_markdown(card, hemasim.__version__)))
    return files
