"""``hemasim validate``: the report card of every validation target."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hemasim.cli._errors import EXIT_IO, fail, interrupted, interruptible
from hemasim.cli._help import deferred_help
from hemasim.cli._pipe import verdict_before_output

if TYPE_CHECKING:
    from rich.table import Table

    from hemasim.validation import CheckResult, TargetResult, ValidationReport

STYLE = {"pass": "green", "fail": "bold red", "partial": "yellow", "not covered": "dim"}
#: The class of a target as the compact card prints it.
CLASS_TAG = {"prediction": "pred", "calibration": "calib", "consistency": "consist"}


def _groups() -> str:
    """The target groups --group takes, for its help (read when the help is shown: hemasim.cli._help)."""
    from hemasim.validation import target_groups

    return ", ".join(target_groups())


deferred_help("validation_groups", _groups)  # the command's text names them: {validation_groups}


def validate(
    # the groups in the command's text (the whole width), not here: at 80 columns this column is 29 characters
    # wide, and rich cut the longer names (immunodeficiency_and_gene_t…)
    group: list[str] = typer.Option(None, "--group", "-g", help="Only this target group (repeatable; the groups are "
                                                                "listed above and by --list-groups)."),
    list_groups: bool = typer.Option(False, "--list-groups", help="List the target groups, one a line with its "
                                                                  "number of targets, and exit (nothing is run)."),
    json_out: Path = typer.Option(None, "--json", help="Also write the full report card as JSON here (folders made "
                                                       "if missing)."),
    show_uncovered: bool = typer.Option(True, "--show-uncovered/--hide-uncovered",
                                        help="List targets the model does not cover yet."),
    wide: bool = typer.Option(False, "--wide", help="Every check of every target with notes and sources (a "
                                                    "long table); default: one line a target, * marking a pass near an edge of its band."),
) -> None:
    """Run every validation target; exit 1 if any covered target fails.

    Exit 141 (a shell's SIGPIPE status) where stdout's reader closed before the card was complete (`hemasim
    validate | head -1`) and no target failed: a cut-short card is neither a pass nor a failed target.

    Target groups (--group): {validation_groups}."""
    from rich.console import Console

    from hemasim.validation import run_validation, target_groups

    known = target_groups()  # as the help lists them (_groups)
    if list_groups:
        _print_groups()
        return
    for g in group or []:
        if g not in known:
            raise fail(unknown_group(g, known))
    if json_out is not None:
        _check_json_target(json_out)  # refuse before a minute of simulation, not after
    console = Console()
    # Ctrl-C: one line on what was (not) written, exit 130; the --json file is written atomically, so an interrupted
    # write leaves the earlier file or none, never a half-written one
    with (interruptible(json_out) if json_out is not None else _no_card()):
        with _Progress() as progress:
            report = run_validation(group or None, progress=progress)
        if json_out is not None:
            # written before the card is printed: a reader that closes early (`validate --json card.json | head`)
            # ends the command at the print, and the minutes of simulation would be lost with the file
            from hemasim.io import atomic_write_file, null_for_nonfinite

            # strict JSON: a value not computed is null, not the NaN token json.dumps writes and JSON parsers refuse
            text = json.dumps(null_for_nonfinite(report.to_json()), indent=2, allow_nan=False) + "\n"
            try:
                atomic_write_file(json_out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
            except OSError as err:  # checked before the targets ran: what fails now is the write itself (a full disk)
                raise fail(f"--json {json_out}: cannot write: {err.strerror or err}", code=EXIT_IO) from None
        if not report.ok:
            verdict_before_output(1)  # a reader that closes before the card is complete: still a failed target
        if wide:
            console.print(wide_table(report, show_uncovered))
        else:
            for line in COMPACT_HEADER:
                console.print(line, style="dim", highlight=False, markup=False)
            for line in compact_lines(report, show_uncovered, console.width):
                console.print(line, highlight=False, soft_wrap=True)
        console.print(class_counts_line(report), highlight=False)  # wrapped to the terminal's width
        console.print(report.summary(), highlight=False)
        if json_out is not None:
            # where the card went, after the card (which says nothing of the file); stdout, with the card: stderr
            # holds the progress lines alone
            console.print(f"wrote the report card as JSON to {json_out}", highlight=False, markup=False, soft_wrap=True)
    if not report.ok:
        console.print(f"[bold red]{len(report.failed)} target(s) failed[/]: " + ", ".join(t.id for t in report.failed))
        raise typer.Exit(1)


#: groups a refusal names at most (six of the longest names keep its line well under MAX_LINE_CHARS)
MAX_GROUP_HINTS = 6
#: letters a word of a group must share with the given word's start to be its stem (vaccine: vaccines, immunity:
#: immune and immunodeficiency)
STEM_LETTERS = 5


def group_holders(given: str, known: list[str]) -> list[str]:
    """The groups that hold ``given`` (any case) as a substring, then those with a word that shares its stem (its
    first :data:`STEM_LETTERS` letters): "blood" was hinted only blood_loss, the nearest spelling, of the five groups
    about blood, "immunity" only autoimmunity (review36d)."""
    word = given.lower()
    held = [g for g in known if word in g.lower()]
    stem = word[:STEM_LETTERS]
    stems = [g for g in known if len(stem) == STEM_LETTERS and any(w.startswith(stem) for w in g.lower().split("_"))]
    return list(dict.fromkeys([*sorted(held, key=len), *sorted(stems, key=len)]))


def unknown_group(given: str, known: list[str]) -> str:
    """The refusal of an unknown ``--group``: the value, the groups it was probably meant to be, and where the whole
    list is. Not the list itself: it grew to 994 characters of one line with 33 groups, and an error line is cut at
    :data:`hemasim.cli._errors.MAX_LINE_CHARS` (review36b), so the next group would have cut it."""
    from hemasim._schema import suggestions

    meant = [*suggestions(given, known, anywhere=True), *group_holders(given, known)]
    meant = list(dict.fromkeys(meant))  # each once, the nearest spellings first
    more = len(meant) - MAX_GROUP_HINTS
    hint = (f"; did you mean {' or '.join(meant[:MAX_GROUP_HINTS])}"
            f"{f' (or {more} more)' if more > 0 else ''}?") if meant else ""
    return (f"--group: unknown group {given!r}{hint} (`hemasim validate --list-groups` lists the {len(known)} groups, "
            "one a line)")


def _print_groups() -> None:
    """``--list-groups``: each group of the targets file, in its order, with its number of targets."""
    from hemasim.validation import load_targets

    for name, targets in load_targets().items():
        typer.echo(f"{name} ({len(targets)} target{'s' if len(targets) != 1 else ''})")


@contextlib.contextmanager
def _no_card() -> Iterator[None]:
    """Ctrl-C without --json: one line (nothing is written; the card is printed when every target has run)."""
    try:
        yield
    except KeyboardInterrupt:
        raise interrupted("no report card: it is printed once every target has run (nothing written)") from None


class _Progress:
    """Where ``validate`` is, on stderr: on a terminal a rich spinner naming the group; elsewhere (a log, CI, a pipe)
    one plain line as each target group starts, with the seconds elapsed (the whole card takes minutes, and a
    spinner draws nothing off a terminal), and one when it is done. Neither touches stdout: the card and the JSON are
    the same either way. The lines are the long commands' (:class:`hemasim.cli._progress.PlainLines`); why a line
    as a group starts, not after its first step as theirs: that module's docstring."""

    def __init__(self) -> None:
        from rich.console import Console

        from hemasim.cli._progress import PlainLines

        self._plain = PlainLines("validate")
        console = Console(stderr=True)
        self._status = console.status("simulating the reference patients") if console.is_terminal else None
        self._n = 0

    def __call__(self, group: str, index: int, n_groups: int, n_targets: int) -> None:
        self._n = n_groups
        where = f"group {index + 1}/{n_groups}: {group} ({n_targets} target{'s' if n_targets != 1 else ''})"
        if self._status is not None:
            if index == 0:
                self._status.start()
            self._status.update(f"simulating the reference patients: {where}")
        else:
            self._plain.line(where)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if self._status is not None:
            self._status.stop()
        elif self._n and kind is None:
            self._plain.write(f"{self._n} group{'s' if self._n != 1 else ''} done in {self._plain.elapsed():.0f} s")


def _check_json_target(json_out: Path) -> None:
    """Exit 2 with one line unless ``--json`` names a file that can be written (absent or a regular file, in a
    writable folder or one that can be made, as export-sbml's --out FILE): a bad option, refused before the targets
    run."""
    from hemasim.io import OutputError, check_output_file

    try:
        check_output_file(json_out, "--json", kind="JSON")
    except OutputError as err:
        raise fail(str(err)) from None


#: the order statuses are counted in, each in the card's words
_STATUS_WORDS = (("pass", "pass"), ("partial", "partly covered"), ("fail", "fail"),
                 ("not covered", "not covered"))


def class_counts_line(report: ValidationReport) -> str:
    """Statuses counted per class, passes first, each with how many of its targets pass near an edge of a band,
    e.g. ``prediction: 41 pass (6 near an edge), 1 partly covered (1 near an edge), 42 fail | ...``."""
    from collections import Counter

    from hemasim.validation import TARGET_CLASSES

    parts = []
    for cls in TARGET_CLASSES:  # the card's order of classes
        targets = [t for t in report.targets if t.target_class == cls]
        if not targets:
            continue
        statuses: Counter[str] = Counter(t.status for t in targets)
        edges: Counter[str] = Counter(t.status for t in targets if t.near_edge)
        order = [s for s, _ in _STATUS_WORDS] + sorted(set(statuses) - {s for s, _ in _STATUS_WORDS})
        counts = [f"{statuses[s]} {dict(_STATUS_WORDS).get(s, s)}" + (f" ({edges[s]} near an edge)" if edges[s] else "")
                  for s in order if statuses[s]]
        parts.append(f"{cls}: " + ", ".join(counts))
    return " | ".join(parts)


def _check_text(c: CheckResult) -> str:
    if c.value is None:
        return f"{c.readout}: not covered ({c.why.split(':')[0]})"
    if c.status == "info":
        return (f"(reported, not judged) {c.readout} [{c.patient}] = {c.value:.4g} vs [{c.band[0]:g}, {c.band[1]:g}]"
                + (f": {c.why}" if c.why else ""))
    return (f"{c.readout} [{c.patient}] = {c.value:.4g} in [{c.band[0]:g}, {c.band[1]:g}]"
            + ("" if c.status == "pass" else "  FAIL") + ("  (near an edge)" if c.near_edge else ""))


def wide_table(report: ValidationReport, show_uncovered: bool) -> Table:
    """The full card: every check of every target with its notes and source."""
    from rich.table import Table

    table = Table(title="hemasim validation report card", show_lines=False)
    for col in ("target", "class", "quantity", "status", "simulated vs pass band", "source"):
        table.add_column(col, overflow="fold")
    for t in report.targets:
        if t.status == "not covered" and not show_uncovered:
            continue
        lines = [_check_text(c) for c in t.checks]
        if t.not_covered:
            lines.append(f"not yet covered: {t.not_covered}")
        if t.note:
            lines.append(f"note: {t.note}")
        lines.append(f"band ({t.band_basis}): {t.band_source}")
        lines += challenge_lines(t)
        klass = t.target_class + (f" of {', '.join(t.calibrates)}" if t.calibrates else "") + f": {t.class_reason}"
        table.add_row(t.id, klass, t.quantity, f"[{STYLE[t.status]}]{t.status}[/]", "\n".join(lines), t.source)
    return table


def challenge_lines(t: TargetResult) -> list[str]:
    """What a passing prediction was shown to test (its challenge) and whether it is blind, as the wide card and the
    documentation pages say it."""
    lines = [f"challenge ({t.challenge['outcome']}): {t.challenge['says']}"] if t.challenge else []
    return lines + ([f"not blind: {t.blind_reason}"] if not t.blind else [])


#: what the compact card's columns are, above its first line (a new user met "S1 consist pass anc_1e9_per_L = ..."
#: with the abbreviations and the * explained only in --help)
COMPACT_HEADER = (
    "id    class   status      worst check: read-out = value in [band that passes]",
    "class: pred = prediction (never fitted: the validation), calib = calibration (used to fit), consist = "
    "consistency (an input read back); * = a pass near an edge of its band; --wide: every check with sources",
)


def compact_lines(report: ValidationReport, show_uncovered: bool, width: int = 80) -> list[str]:
    """One line a target (``--wide`` for the full card): id, class, status (``*``: a pass near an edge of its
    band) and its worst check, cut to ``width`` (rich markup, the text escaped)."""
    from rich.markup import escape

    out = []
    for t in report.targets:
        if t.status == "not covered" and not show_uncovered:
            continue
        judged = [c for c in t.checks if c.value is not None and c.status != "info"]
        worst = next((c for c in judged if c.status != "pass"),
                     next((c for c in judged if c.near_edge), judged[0] if judged else None))
        if worst is not None:
            more = len(t.checks) - 1
            detail = (f"{worst.readout} = {worst.value:.3g} in [{worst.band[0]:g}, {worst.band[1]:g}]"
                      + (f" (+{more} more)" if more else ""))
        else:
            detail = t.quantity
        status = t.status + ("*" if t.near_edge else "")
        text = f"{t.id:<5} {CLASS_TAG[t.target_class]:<7} {status:<11} {detail}"
        if len(text) > width:
            text = text[:width - 1] + "…"
        out.append(f"[{STYLE[t.status]}]{escape(text)}[/]")
    return out
