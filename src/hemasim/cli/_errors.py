from __future__ import annotations

import sys

import typer

EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print a one-line error to stderr and return the Exit to raise."""
    print(f"hemasim: error: {message}", file=sys.stderr)
    return typer.Exit(code)
