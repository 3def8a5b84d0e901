"""Which command a YAML file belongs to, by the top-level fields only its kind has: a file given to the wrong command
(a sweep file as the scenario, a scenario as the fitting problem) is named as what it is, with the command that takes
it, in one line, instead of a line for each field it lacks or has in excess."""

from __future__ import annotations

from typing import Any

#: (the fields that mark the kind, all of them; what the file is; the command that takes it)
FILE_KINDS = (
    (("patient", "duration_days"), "a scenario", "hemasim run {source} --out DIR"),
    (("sweep",), "a sweep file (a `sweep:` block)", "hemasim sweep SCENARIO.yaml {source} --out DIR"),
    (("sensitivity",), "a sensitivity design (a `sensitivity:` block)",
     "hemasim sensitivity SCENARIO.yaml --file {source} --out DIR"),
    (("measurements", "conditions"), "a fitting problem (measurements and conditions)", "hemasim fit {source} --out DIR"),
    (("gene_therapy", "conditioning"), "a gene-therapy scenario (`gene_therapy:` and `conditioning:` blocks)",
     "hemasim gene-therapy {source} --out DIR"),
)


#: data files a scenario names, not run by a command of their own: (marking fields, what the file is, how it is
#: used); a regimen given as a drug set, or a drug set as a scenario, met a line for each field it lacked (ux33c)
DATA_KINDS = (
    (("phases",), "a combination regimen (`phases:`)",
     "give it as `regimen: {source}` of a `kind: chemotherapy_regimen` intervention (`hemasim drugs {source}` checks "
     "and prints it)"),
    (("components",), "a conditioning regimen (`components:`)",
     "give it as `regimen: {source}` of a `kind: conditioning` intervention (`hemasim drugs {source}` checks and "
     "prints it)"),
    (("drug", "routes"), "a drug set (`drug:` and `routes:`)",
     "give it as `drug_set: {source}` of a `kind: chemotherapy` or `kind: gcsf` intervention (`hemasim drugs "
     "{source}` checks and prints it)"),
)


def wrong_file(data: Any, source: str, expected: str, what_it_holds: str, kinds: tuple[str, ...] = ()) -> str | None:
    """``SOURCE: this is a sweep file (...), not a scenario: run it with `...`; a scenario has ...`` when ``data``
    (a file's top level) is of a kind other than ``expected`` (a kind's "what": ``a scenario``, ``a fitting
    problem``), else None. ``what_it_holds`` says what the expected kind of file has; ``kinds``, the kinds that are
    not wrong (the start of their "what"), by default ``expected``."""
    for what, advice in _matching(data):
        if not what.startswith(kinds or (expected,)):
            return f"{source}: this is {what}, not {expected}: {advice.format(source=source)}; {what_it_holds}"
    return None


def kind_of(data: Any) -> str | None:
    """The "what" of the first kind whose marking fields ``data`` (a file's top level) has (``a scenario``, ``a
    gene-therapy scenario (...)``), else None."""
    return next((what for what, _ in _matching(data)), None)


def _matching(data: Any) -> list[tuple[str, str]]:
    """(what, what to do with it) of each kind whose marking fields ``data`` has, in :data:`FILE_KINDS`' order,
    then :data:`DATA_KINDS`'."""
    if not isinstance(data, dict):
        return []
    kinds = [(fields, what, f"run it with `{command}`") for fields, what, command in FILE_KINDS] + list(DATA_KINDS)
    return [(what, advice) for fields, what, advice in kinds if all(f in data for f in fields)]
