"""MkDocs hook: the page validation_card.md, generated at build time from the validation report card.

It runs ``hemasim.validation.run_validation()`` (what ``hemasim validate --json`` writes) on the code being
documented, so the published card is never older than the model it describes. A covered target that fails is
shown as failed; it does not stop the build (``hemasim validate`` and the test suite judge the model).

``HEMASIM_VALIDATION_CARD=card.json`` (written by ``hemasim validate --json card.json`` on the same code) renders that
card instead of computing it again: the test suite builds the site with a card of a few groups, which the validation
tests judge on their own, instead of a third run of the costliest groups.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

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
    if check["value"] is None:
        return f"{name}: not covered ({_cell(check['why'])})"
    line = f"{name} = {check['value']:.4g} in {band}" + (" (near an edge)" if check.get("near_edge") else "")
    if check["status"] == "info":
        return f"reported, not judged: {name} = {check['value']:.4g} vs {band}"
    return line if check["status"] == "pass" else f"{line} **FAIL**"


def _target_row(target: dict[str, Any]) -> str:
    lines = [_check_line(c) for c in target["checks"]]
    if target["not_covered"]:
        lines.append(f"not yet covered: {_cell(target['not_covered'])}")
    if target["calibrated_on"]:
        lines.append("*a parameter was calibrated on this target*")
    if target["note"]:
        lines.append(f"note: {_cell(target['note'])}")
    status = MARK[target["status"]] + (" (near an edge)" if target.get("near_edge") else "")
    return (f"| {target['id']} | {_cell(target.get('class', ''))} | {_cell(target['quantity'])} "
            f"| {_cell(target['published'])} | {status} | {'<br>'.join(lines)} | {_cell(target['source'])} |")


def card_markdown(card: dict[str, Any], version: str) -> str:
    """The report card (the JSON of ``hemasim validate --json``) as a markdown page."""
    counts = " · ".join(f"{MARK[k]}: {v}" for k, v in sorted(card["counts"].items()))
    parts = ["---", "hide: [navigation]", "---", "", "# Validation report card", "",
             f"Generated when this site was built, by running every target on hemasim {version} "
             "(the same card as `hemasim validate --json card.json`). How targets, read-outs and pass bands are "
             "defined: [How it is validated](validation.md).", "", f"**{counts}**", ""]
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
    import hemasim

    given = os.environ.get("HEMASIM_VALIDATION_CARD")
    if given:
        card = json.loads(Path(given).read_text(encoding="utf-8"))
    else:
        from hemasim.validation import run_validation

        card = run_validation().to_json()
    files.append(File.generated(config, PAGE, content=card_markdown(card, hemasim.__version__)))
    return files
