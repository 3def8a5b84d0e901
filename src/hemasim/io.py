"""Writing a run's outputs atomically: all files appear together, or none do.

An output folder is written into a fresh hidden sibling (``.NAME.tmp-PID-XXXX``) and swapped into place:

* ``NAME`` absent or an empty folder: one ``rename`` of the sibling onto ``NAME``;
* ``NAME`` a previous output of the same command: on Linux one ``renameat2(RENAME_EXCHANGE)`` swaps the two
  folders atomically, then the old one (now the sibling) is removed; elsewhere ``NAME`` is renamed aside
  (``.NAME.old-PID-XXXX``), the sibling renamed onto ``NAME`` and the old one removed, and a run killed between
  the two renames has the old folder put back by the next run (:func:`recover_output_folder`).

A kill at any point thus leaves ``NAME`` the old complete folder or the new complete one (the fallback: or, until
the next run, the old one aside). hemasim never deletes a file it did not write: an existing ``NAME`` holding
anything other than the files the command writes is refused (:class:`OutputError`), and so are a ``NAME`` that is
a file, one under a file and one whose folder cannot be written, all before anything is simulated
(:func:`check_output_folder`). Hidden temporaries left by killed runs (their process gone) are removed by the next
run that writes beside them.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import math
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hemasim import __version__

if TYPE_CHECKING:
    import pandas as pd

    from hemasim.simulation import Result

OUTPUT_FILES = ("timeseries.csv", "endpoints.json", "run.json", "report.html")


class OutputError(Exception):
    """The output location cannot be used (a file, under a file, not writable, holding foreign files)."""


# ---------------------------------------------------------------------------------------------- temporaries
def _temporary_prefix(path: Path, kind: str) -> str:
    return f".{path.name}.{kind}-"


_PID = re.compile(r"^(\d+)(?:-|$)")


def _owner_alive(suffix: str) -> bool:
    """Whether the process that made a temporary (named ``...-PID-XXXX``) still runs on this machine; a name
    without a PID (written by an older hemasim) counts as abandoned."""
    m = _PID.match(suffix)
    if m is None:
        return False
    pid = int(m.group(1))
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _stale_temporaries(path: Path, kinds: Iterable[str] = ("tmp", "old")) -> list[Path]:
    """Hidden siblings ``.NAME.tmp-*`` / ``.NAME.old-*`` of ``path`` whose process is gone."""
    parent = path.parent
    if not parent.is_dir():
        return []
    found = []
    for kind in kinds:
        prefix = _temporary_prefix(path, kind)
        for entry in parent.iterdir():
            if entry.name.startswith(prefix) and not _owner_alive(entry.name[len(prefix):]):
                found.append(entry)
    return sorted(found)


_TEMPORARY = re.compile(r"^\.(.+)\.(?:tmp|old)-(.*)$")


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove every hidden temporary ``.NAME.tmp-*`` / ``.NAME.old-*`` in ``folder`` whose process is gone (what
    killed runs left); returns what was removed."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for entry in sorted(folder.iterdir()):
        m = _TEMPORARY.match(entry.name)
        if m is not None and not _owner_alive(m.group(2)):
            _remove(entry)
            removed.append(entry)
    return removed


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def recover_output_folder(out_dir: Path) -> None:
    """Put back an old output folder that a killed swap left aside (``.NAME.old-*`` with ``NAME`` missing), then
    remove every stale temporary of ``out_dir``."""
    out_dir = Path(out_dir)
    stale = _stale_temporaries(out_dir)
    aside = [p for p in stale if p.name.startswith(_temporary_prefix(out_dir, "old"))]
    if aside and not os.path.lexists(out_dir):
        os.rename(aside[-1], out_dir)
        stale.remove(aside[-1])
    for path in stale:
        _remove(path)


def discard_own_temporaries(out_dir: Path) -> list[Path]:
    """After this process's write of ``out_dir`` was interrupted (Ctrl-C): put back an old folder that a swap had
    renamed aside (``NAME`` missing), and remove this process's temporaries of ``out_dir`` that
    :func:`atomic_directory` had not removed yet (a second Ctrl-C during its clean-up); returns what was removed.
    :func:`recover_output_folder` does the same for the temporaries of processes that are gone."""
    out_dir = Path(out_dir)
    if not out_dir.parent.is_dir():
        return []
    removed = []
    for kind in ("old", "tmp"):
        prefix = f"{_temporary_prefix(out_dir, kind)}{os.getpid()}-"
        for entry in sorted(out_dir.parent.iterdir()):
            if not entry.name.startswith(prefix):
                continue
            if kind == "old" and not os.path.lexists(out_dir):
                os.rename(entry, out_dir)
            else:
                _remove(entry)
                removed.append(entry)
    return removed


# ---------------------------------------------------------------------------------------------- checks
def _nearest_existing(path: Path) -> Path:
    p = path
    while not os.path.lexists(p) and p != p.parent:
        p = p.parent
    return p


def _ours(entry: str, names: set[str]) -> bool:
    """An entry hemasim writes in an output of files ``names``: one of them or a temporary of one."""
    m = _TEMPORARY.match(entry)
    return entry in names or (m is not None and m.group(1) in names)


def probe_writable(out_dir: Path, folder: Path, option: str = "--out") -> None:
    """Create and remove a temporary folder in ``folder`` (:class:`OutputError` naming ``option`` and ``out_dir``
    if that fails): the only test that also holds for root and for read-only file systems."""
    try:
        probe = tempfile.mkdtemp(prefix=".hemasim-probe-", dir=folder)
    except OSError as err:
        raise OutputError(f"{option} {out_dir}: cannot write in {folder}: {err.strerror or err}") from None
    os.rmdir(probe)


#: the start of each kind of file a command writes as its one output (``check_output_file``'s ``kind``): a file of
#: another kind at ``--out`` (the scenario itself, given twice by a slip) is not replaced
OWN_FILE_STARTS = {"SBML": (b"<?xml", b"<sbml"), "JSON": (b"{",)}


def check_output_file(path: str | Path, option: str = "--out", kind: str | None = None) -> None:
    """Raise :class:`OutputError` (one line naming ``option``) unless ``path`` can take a file written by
    :func:`atomic_write_file`: absent or a regular file, in a writable folder, which may be missing when its nearest
    existing ancestor is a writable folder (the write makes it, as every command's output option does). With
    ``kind`` (a key of :data:`OWN_FILE_STARTS`) an existing file is replaced only when it is of that kind (empty, or
    starting as such a file starts): ``export-sbml s.yaml --out s.yaml`` replaced the scenario. Writes nothing."""
    path = Path(path)
    if os.path.lexists(path) and (path.is_dir() or not path.is_file()):
        raise OutputError(f"{option} {path} exists and is not a regular file; name a file")
    if kind is not None and os.path.lexists(path):
        try:
            with open(path, "rb") as f:
                head = f.read(512).lstrip()
        except OSError as err:
            raise OutputError(f"{option} {path}: cannot read the file there: {err.strerror or err}") from None
        if head and not head.startswith(OWN_FILE_STARTS[kind]):
            raise OutputError(f"{option} {path} is a file but not {'an' if kind[0] in 'AEIOUS' else 'a'} {kind} "
                              "file; it replaces only its own earlier output: name a new file")
    folder = path.parent
    ancestor = _nearest_existing(folder)
    if not os.path.lexists(ancestor):
        raise OutputError(f"{option} {path}: the folder {folder} does not exist")
    if not ancestor.is_dir():
        raise OutputError(f"{option} {path}: {ancestor} is not a folder")
    probe_writable(path, ancestor, option)


def check_output_folder(out_dir: str | Path, names: Iterable[str]) -> None:
    """Raise :class:`OutputError` unless ``out_dir`` can take an output of the files ``names``: absent (its
    nearest existing ancestor a writable folder), an empty folder, or a folder holding only files of that name.
    Recovers a folder a killed swap left aside and removes stale temporaries. Writes nothing else."""
    out_dir = Path(out_dir)
    ancestor = _nearest_existing(out_dir.parent)
    if not ancestor.is_dir():
        raise OutputError(f"--out {out_dir}: {ancestor} is not a folder")
    if ancestor == out_dir.parent:
        recover_output_folder(out_dir)
    if os.path.lexists(out_dir):
        if out_dir.is_symlink() or not out_dir.is_dir():
            raise OutputError(f"--out {out_dir} exists and is not a folder")
        foreign = sorted(p.name for p in out_dir.iterdir() if not _ours(p.name, set(names)))
        if foreign:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            # "this command": another command's output (a cohort folder given to `run`) is hemasim's too
            raise OutputError(f"--out {out_dir} holds files this command does not write ({shown}); it replaces "
                              "only its own earlier output: choose a new or empty folder")
    probe_writable(out_dir, ancestor)


# ---------------------------------------------------------------------------------------------- writing
def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform opens folders
        _fsync_file(path)


def atomic_write_file(path: Path, write: Callable[[Path], object], clean_stale: bool = True) -> None:
    """Write one file through a hidden temporary sibling and rename it into place (no half-written file).

    ``write`` writes the file at the path it is given; what it returns (a byte count) is ignored. Stale
    temporaries of the same file from killed runs are removed first, unless ``clean_stale`` is False (the caller
    cleans the folder once, with :func:`remove_stale_temporaries`)."""
    atomic_write_files({Path(path): write}, clean_stale)


def atomic_write_files(files: Mapping[Path, Callable[[Path], object]], clean_stale: bool = True) -> list[Path]:
    """Write several files beside others that stay (a cohort's summary beside its partitions, examples in a user's
    folder): each through a hidden temporary sibling, all renamed into place only once every one is written, so a
    writer that raises (a figure that fails, a full disk) leaves each file as it was and no folder made for them.
    Each file is whole at every moment; only a kill between the renames (microseconds, after all the writing) can
    leave some files new and the rest old. Returns the paths, in order. ``clean_stale``: as
    :func:`atomic_write_file`."""
    staged: list[tuple[Path, Path]] = []
    made: list[Path] = []
    try:
        for path, write in files.items():
            path = Path(path)
            missing = path.parent
            while not os.path.lexists(missing) and missing != missing.parent:
                made.append(missing)
                missing = missing.parent
            path.parent.mkdir(parents=True, exist_ok=True)
            for stale in _stale_temporaries(path, ("tmp",)) if clean_stale else []:
                _remove(stale)
            tmp = path.with_name(f"{_temporary_prefix(path, 'tmp')}{os.getpid()}-{os.urandom(4).hex()}")
            staged.append((tmp, path))
            write(tmp)
            _fsync_file(tmp)
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        for folder in sorted(made, key=lambda f: len(f.parts), reverse=True):  # those made for these files, deepest
            # first, if still empty
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return [path for _, path in staged]


def _map_floats(value: Any, f: Callable[[float], Any]) -> Any:
    """``value`` with ``f`` applied to every float inside mappings, lists and tuples (numpy's float64 is a float)."""
    if isinstance(value, float):
        return f(value)
    if isinstance(value, Mapping):
        return {k: _map_floats(v, f) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_map_floats(v, f) for v in value]
    return value


def null_for_nonfinite(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, inf) inside mappings, lists and tuples replaced by None: strict
    JSON, which ``json.dumps`` writes NaN in and JSON parsers refuse (an interval that could not be computed, an
    endpoint with no value)."""
    return _map_floats(value, lambda x: x if math.isfinite(x) else None)


def written_floats(value: Any) -> Any:
    """``value`` (mappings, lists and tuples of floats) as an output file writes it: every float to the significant
    digits of :func:`hemasim.endpoints.written_value` (4.749999999999999 -> 4.75), the solver's round-off in the
    last bits dropped; the caller's values are left as they are (a new structure is returned)."""
    from hemasim.endpoints import written_value

    return _map_floats(value, written_value)


def written_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for a CSV file: each float column's values through :func:`written_floats`' rule (a
    Parquet file keeps the full float64: it is data, not text)."""
    from hemasim.endpoints import written_value

    return frame.apply(lambda column: column.map(written_value) if column.dtype.kind == "f" else column)


def write_json_report(report: object, out: Path | None, echo: bool = True) -> None:
    """A fit script's JSON report (indented, numpy scalars as floats): printed when ``echo``, and written to
    ``out`` through :func:`atomic_write_file` when given, so a killed fit leaves no half-written report."""
    text = json.dumps(report, indent=1, default=float)
    if echo:
        print(text)
    if out is not None:
        atomic_write_file(Path(out), lambda p: p.write_text(text + "\n", encoding="utf-8"))


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):  # old kernel or file system
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap_into_place(staged: Path, out_dir: Path) -> None:
    """Move the complete folder ``staged`` onto ``out_dir`` (see the module docstring); ``staged`` is gone
    afterwards."""
    try:
        os.rename(staged, out_dir)  # onto nothing or onto an empty folder: one atomic rename
        return
    except OSError as err:
        if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
    if _exchange(staged, out_dir):
        shutil.rmtree(staged)  # now the old folder
        return
    aside = out_dir.with_name(f"{_temporary_prefix(out_dir, 'old')}{os.getpid()}-{os.urandom(4).hex()}")
    os.rename(out_dir, aside)
    os.rename(staged, out_dir)
    shutil.rmtree(aside)


def atomic_directory(out_dir: Path, writers: dict[str, Callable[[Path], object]],
                     replaceable: Iterable[str] | None = None) -> list[Path]:
    """Write files into a hidden sibling temporary folder, then swap it into place as ``out_dir``.

    ``out_dir`` must pass :func:`check_output_folder` for the file names ``replaceable`` (default: those written;
    more when the command writes some files only on some runs, e.g. the report). If any writer fails, ``out_dir``
    is left as it was and the temporary folder is removed.
    """
    out_dir = Path(out_dir)
    check_output_folder(out_dir, writers if replaceable is None else {*writers, *replaceable})
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{_temporary_prefix(out_dir, 'tmp')}{os.getpid()}-", dir=out_dir.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the result folder should be an ordinary one
    try:
        for name, write in writers.items():
            write(tmp / name)
            _fsync_file(tmp / name)
        _fsync_folder(tmp)
        _swap_into_place(tmp, out_dir)
        _fsync_folder(out_dir.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out_dir / n for n in writers]


def atomic_outputs(out_dir: Path, writers: dict[str, Callable[[Path], object]], report: bool = True) -> list[Path]:
    """:func:`atomic_directory` of a command's files; ``report`` False leaves out report.html (never rendered: its
    writer is not called), and an earlier output's report.html goes with the folder it was in (``--no-report``)."""
    kept = writers if report else {name: write for name, write in writers.items() if name != "report.html"}
    return atomic_directory(Path(out_dir), kept, tuple(writers))


# ---------------------------------------------------------------------------------------------- a run's files
def run_record(result: Result) -> dict[str, Any]:
    """What run.json holds: version, scenario, seed, solver, parameters used with sources, references."""
    model = result.model
    scenario = result.record.scenario
    used = model.parameters.subset(model.used_parameters)
    return {
        "hemasim_version": __version__,
        "model": model.name,
        "seed": result.record.seed,
        "solver": result.record.solver,
        "scenario": scenario.model_dump(mode="json") if scenario is not None else None,
        "blood_volume_L": model.info.blood_volume_L,
        "parameters": used.to_records(),
        "references": [r.citation() for r in used.references()],
    }


def write_run_outputs(result: Result, out_dir: str | Path, title: str = "hemasim run",
                      static_report: bool = False, report: bool = True) -> list[Path]:
    """The run's files; ``report=False`` leaves out report.html (and the time its rendering takes)."""
    from hemasim._csv import write_observables_csv  # the bytes pandas' to_csv wrote, without importing pandas
    from hemasim.endpoints import evaluate_endpoints

    endpoints = evaluate_endpoints(result)
    record = run_record(result)

    def render(p: Path) -> None:
        from hemasim.report import render_report  # only when the report is written

        p.write_text(render_report(result, endpoints, record, title, static=static_report), encoding="utf-8")

    return atomic_outputs(Path(out_dir), {
        "timeseries.csv": lambda p: write_observables_csv(p, result),
        "endpoints.json": json_writer({e.name: e.to_json() for e in endpoints}),
        "run.json": json_writer(record),
        "report.html": render,
    }, report)  # without the report, an earlier run's report.html goes with its folder


def json_writer(obj: object) -> Callable[[Path], object]:
    """A writer of ``obj`` as a run's JSON files are written (indented, strict: no NaN, a newline at the end)."""
    return lambda p: p.write_text(json.dumps(obj, indent=2, allow_nan=False, default=str) + "\n", encoding="utf-8")
