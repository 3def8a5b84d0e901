"""``hemasim examples [NAME ...] [--out DIR] [--list]``: the example scenarios shipped with the package, listed or
copied into a folder of the user's (an installed package has no repository examples/ folder to open)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from hemasim.cli._errors import EXIT_IO, fail
from hemasim.cli._pipe import stdout_is_the_product

#: where the copies go unless told: a folder of their own, not the user's current one
DEFAULT_OUT = "hemasim-examples"


def examples(
    names: list[str] = typer.Argument(None, metavar="NAME",
                                      help="Examples to copy (default: all of them); --list shows the names."),
    out: Path = typer.Option(Path(DEFAULT_OUT), "--out", "-o",
                             help="Folder to copy into (made if missing); an example in a subfolder keeps it "
                                  "(sweeps/, fit/, gene_therapy/)."),
    list_: bool = typer.Option(False, "--list", "-l", help="List the examples (or the NAMEs) with what each shows, "
                                                           "and copy nothing."),
    force: bool = typer.Option(False, "--force", help="Overwrite files already in --out (default: refuse, and "
                                                      "write nothing)."),
) -> None:
    """List the example scenarios shipped with hemasim, or copy them into a folder to run and edit."""
    from hemasim._examples import ExampleError, copy_examples, select_examples, shipped_examples

    shipped = shipped_examples()
    try:
        chosen = select_examples(names or [], shipped)
    except ExampleError as err:
        raise fail(str(err)) from None
    if list_:  # outside the copy's error handling: a closed pipe (`| head`) is no error of --out's
        stdout_is_the_product()  # the listing (a copy's product is its files)
        width = max(len(e.name) for e in chosen)
        for e in chosen:
            print(f"{e.name:<{width}}  {e.description}")
        print(f"\n{len(chosen)} examples; `hemasim examples NAME --out DIR` copies one (all: no NAME)")
        return
    try:
        files = copy_examples(chosen, out, force=force)
    except ExampleError as err:
        raise fail(str(err)) from None
    except OSError as err:  # a full disk, no permission: no file is new (all or none), none is half-written
        raise fail(f"--out {out}: cannot write: {err.strerror or err}", code=EXIT_IO) from None
    # on stderr, as `hemasim run` says what it wrote
    listed = ": " + ", ".join(str(f.relative_to(out)) for f in files) if len(files) <= 5 else ""
    print(f"wrote {len(files)} file{'s' if len(files) > 1 else ''} to {out}{listed}", file=sys.stderr)
    if len(chosen) == 1 and chosen[0].command:
        print("next: " + chosen[0].command_line(out), file=sys.stderr)
