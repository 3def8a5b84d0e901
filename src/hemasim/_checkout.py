"""Files that only a source checkout (a clone of the repository) has, outside the package: data sets the package does
not ship (GPL-3 licensed, kept apart from the BSD code; or read only to refit a constant: tests and docs scripts).
The examples are package data (hemasim/examples/, which a clone's examples/ links to: hemasim._examples). An installed package (a wheel) has none of them, so nothing a command needs may come from here:
what the package reads at run time is package data, read with importlib.resources (tests/test_package_data.py).
This is the one module that names a path outside the package."""

from __future__ import annotations

from pathlib import Path

__all__ = ["CHECKOUT_ROOT", "checkout_data", "require_checkout_file"]

#: the repository root of a source checkout (src/hemasim/_checkout.py -> ../../); in an installed package a folder
#: of the environment that holds none of the paths below
CHECKOUT_ROOT = Path(__file__).resolve().parents[2]


def checkout_data(*parts: str) -> Path:
    """A path under the ``data/`` folder of a source checkout (it may not exist: :func:`require_checkout_file`)."""
    return CHECKOUT_ROOT.joinpath("data", *parts)


def require_checkout_file(path: Path, what: str) -> Path:
    """``path``, or FileNotFoundError saying that ``what`` is not shipped with the package and where it is."""
    if path.exists():
        return path
    if not path.is_relative_to(CHECKOUT_ROOT):  # a path of the caller's own
        raise FileNotFoundError(f"{path}: no {what}")
    raise FileNotFoundError(f"{path}: no {what}; the installed package does not ship it (the repository's "
                            f"{path.relative_to(CHECKOUT_ROOT)}, whose folder's README.md says where it comes from): "
                            "use a source checkout of the repository, or pass its path")
