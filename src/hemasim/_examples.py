"""The example scenarios shipped with the package (``hemasim examples``): list them, copy them out, and name the one a
missing path was meant to be.

The files are package data in ``hemasim/examples/`` (pyproject.toml's package-data). A clone's ``examples/`` folder
is a link to that folder, so the repository's paths (``hemasim run examples/docetaxel_q3w.yaml``, the docs, the
tests) and an installed package read the same files; a user of the installed package copies them out first
(``hemasim examples docetaxel_q3w --out examples``).

An example is what a command reads: a scenario file at the top of the folder (``docetaxel_q3w``); a file of a
subfolder (``sweeps/healthy_lhs``, copied to ``sweeps/`` under the output folder, so that the command in its comment
still finds its scenario one folder up); or a whole subfolder holding a fitting problem (``fit``: problem.yaml reads
the files beside it).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath

__all__ = ["Example", "ExampleError", "copy_examples", "examples_folder", "missing_example_hint",
           "select_examples", "shipped_examples"]

#: a subfolder holding this file is one example, copied whole (a fitting problem reads the files beside it)
_BUNDLE_MARKER = "problem.yaml"
#: the suffixes of example files listed one by one (others in a bundle are copied with it)
_EXAMPLE_SUFFIXES = (".yaml",)


class ExampleError(ValueError):
    """An unknown example's name, or an output folder that cannot take the copies: one line."""


@dataclass(frozen=True)
class Example:
    """One shipped example: its name (``docetaxel_q3w``, ``sweeps/healthy_lhs``, ``fit``), its files relative to
    the examples folder (POSIX paths, as they are copied under the output folder), what it shows (the file's
    ``description:``, else its first comment line), and the hemasim command that reads its main file ``reads``
    (``run``, ``cohort``, ``fit``; empty for a sweep file, which goes with a scenario its comment names)."""

    name: str
    files: tuple[str, ...]
    description: str
    reads: str
    command: str

    def command_line(self, out: Path) -> str:
        """The command that runs the copy in ``out`` (empty for a sweep file)."""
        if not self.command:
            return ""
        stem = PurePosixPath(self.reads).parent.name or PurePosixPath(self.reads).stem
        return f"hemasim {self.command} {shlex.quote(str(out / self.reads))} --out out/{stem}"


def examples_folder() -> Path:
    """The package's ``examples/`` folder (a clone's ``examples/`` links to it), wherever hemasim is installed:
    ``hemasim.load_scenario(hemasim.examples_folder() / "healthy_adult.yaml")`` reads a shipped example without
    copying it out (``hemasim examples NAME --out DIR`` copies it, to change it)."""
    from importlib import resources

    return Path(str(resources.files("hemasim") / "examples"))


def _is_data_file(path: Path) -> bool:
    return path.is_file() and "__pycache__" not in path.parts and not path.name.startswith(".")


def _describe(path: Path) -> tuple[str, dict[str, object]]:
    """A YAML file's description (its ``description:``, else its first comment line, else its name) and data."""
    from hemasim._yaml_limits import YamlInputError, load_yaml_file

    try:
        data = load_yaml_file(path, "example")
    except YamlInputError:
        data = None
    data = data if isinstance(data, dict) else {}
    text = data.get("description")
    if isinstance(text, str) and text.strip():
        return " ".join(text.split()), data
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") and line.lstrip("# ").strip():
            return line.lstrip("# ").strip().rstrip(":"), data
    return path.stem.replace("_", " "), data


def _command(path: str, data: dict[str, object]) -> str:
    """The hemasim command that reads the example file ``path``."""
    if PurePosixPath(path).name == _BUNDLE_MARKER:
        return "fit"
    if "sweep" in data:
        return ""
    if "gene_therapy" in data:
        return "gene-therapy"
    return "cohort" if "population" in data else "run"


def _layout(folder: Path) -> list[tuple[str, tuple[str, ...], Path]]:
    """(name, files relative to ``folder``, the file that describes it) of every example in ``folder``."""
    found: list[tuple[str, tuple[str, ...], Path]] = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in _EXAMPLE_SUFFIXES:
            found.append((path.stem, (path.name,), path))
        elif path.is_dir() and path.name != "__pycache__" and (path / _BUNDLE_MARKER).is_file():
            files = tuple(p.relative_to(folder).as_posix() for p in sorted(path.rglob("*")) if _is_data_file(p))
            found.append((path.name, files, path / _BUNDLE_MARKER))
        elif path.is_dir() and path.name != "__pycache__":
            for file in sorted(path.iterdir()):
                if _is_data_file(file) and file.suffix in _EXAMPLE_SUFFIXES:
                    rel = file.relative_to(folder).as_posix()
                    found.append((rel.rsplit(".", 1)[0], (rel,), file))
    return sorted(found, key=lambda e: e[0])


def shipped_examples(folder: Path | None = None) -> list[Example]:
    """Every example in ``folder`` (default: the package's), by name."""
    folder = folder if folder is not None else examples_folder()
    out = []
    for name, files, described in _layout(folder):
        description, data = _describe(described)
        reads = described.relative_to(folder).as_posix()
        out.append(Example(name, files, description, reads, _command(reads, data)))
    return out


def select_examples(names: list[str], examples: list[Example]) -> list[Example]:
    """The examples ``names`` names (a trailing ``.yaml`` is allowed), in the order given, each once; every one when
    ``names`` is empty. ExampleError for a name that is none of them, with the close ones."""
    from hemasim._schema import suggestions

    if not names:
        return list(examples)
    by_name = {e.name: e for e in examples}
    chosen: dict[str, Example] = {}
    for given in names:
        name = given.removesuffix(".yaml").removesuffix("/")
        nested = [n for n in by_name if n.endswith("/" + name)]
        name = nested[0] if name not in by_name and len(nested) == 1 else name  # healthy_lhs: sweeps/healthy_lhs
        if name not in by_name:
            close = suggestions(name, by_name, anywhere=True)
            hint = f"did you mean {', '.join(close)}?" if close else "`hemasim examples --list` lists them"
            raise ExampleError(f"unknown example {given!r}; {hint}")
        chosen.setdefault(name, by_name[name])
    return list(chosen.values())


def copy_examples(chosen: list[Example], out: Path, force: bool = False, folder: Path | None = None) -> list[Path]:
    """Copy the files of ``chosen`` under ``out`` (their paths in the examples folder kept) and return the paths
    written. Nothing is written when a file is already there (unless ``force``) or a folder stands where a file
    goes; the files are written all or none (:func:`hemasim.io.atomic_write_files`)."""
    import shutil

    from hemasim.io import OutputError, atomic_write_files, check_output_file  # late: the output layer, above this
    # one (_yaml_limits imports this)

    folder = folder if folder is not None else examples_folder()
    pairs = [(folder / rel, out / rel) for example in chosen for rel in example.files]
    if out.exists() and not out.is_dir():
        raise ExampleError(f"--out {out}: is a file; give a folder for the examples")
    if out.is_dir() and folder.is_dir() and out.samefile(folder):
        # `hemasim --help`'s start in a clone, whose examples/ links here: "already there; --force overwrites it"
        # asked to overwrite the shipped files with themselves
        run = next((c for c in (e.command_line(out) for e in chosen) if c), "")
        what, it = (chosen[0].name, "it") if len(chosen) == 1 else (f"the {len(chosen)} examples", "them")
        use = f"{'run' if run else 'use'} {it} as {'it is' if it == 'it' else 'they are'}" + (f" ({run})" if run else "")
        raise ExampleError(f"--out {out}: is the folder of the shipped examples itself (a clone's examples/ links to "
                           f"it), so {what} {'is' if it == 'it' else 'are'} there already: {use}, or copy {it} to "
                           f"another folder to edit {it}")
    blocked = [target for _, target in pairs if target.is_dir() or (target.exists() and not force)]
    if blocked:
        listed = ", ".join(str(p) for p in blocked[:3]) + (f" and {len(blocked) - 3} more" if len(blocked) > 3 else "")
        fix = "" if any(p.is_dir() for p in blocked) else f"; --force overwrites {'it' if len(blocked) == 1 else 'them'}"
        raise ExampleError(f"--out {out}: {listed} already there{fix}")
    for folder_of_files in dict.fromkeys(target.parent for _, target in pairs):  # an --out it cannot write in: bad
        try:  # input, refused before anything is copied (it was exit 1 after, with the files before it copied)
            check_output_file(folder_of_files / ".probe")
        except OutputError as err:
            raise ExampleError(str(err).replace(str(folder_of_files / ".probe"), str(out), 1)) from None
    # as one set: a copy that fails (a full disk) leaves every file as it was, not some overwritten (--force)
    return atomic_write_files({target: partial(shutil.copyfile, source) for source, target in pairs})


def missing_example_hint(path: str | Path) -> str | None:
    """For a file that does not exist whose path ends as a shipped example's file does (``examples/X.yaml``, as
    the docs write it, in a folder without the examples): the command that copies the example there; else None."""
    parts = Path(path).parts
    try:
        layout = _layout(examples_folder())
    except OSError:
        return None
    for name, files, _ in layout:
        for rel in files:
            tail = PurePosixPath(rel).parts
            if len(parts) >= len(tail) and parts[-len(tail):] == tail:
                out = Path(*parts[: len(parts) - len(tail)]) if len(parts) > len(tail) else Path(".")
                return (f"{name} is an example shipped with hemasim: run `hemasim examples {name} --out "
                        f"{shlex.quote(str(out))}` to copy it here")
    return None
