"""Writing a run's outputs atomically: all files appear together, or none do."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hemasim import __version__
from hemasim.endpoints import evaluate_endpoints
from hemasim.report import render_report
from hemasim.simulation import Result

OUTPUT_FILES = ("timeseries.csv", "endpoints.json", "run.json", "report.html")


def atomic_write_file(path: Path, write: Callable[[Path], object]) -> None:
    """Write one file through a hidden temporary sibling and rename it into place (no half-written file).

    ``write`` writes the file at the path it is given; what it returns (a byte count) is ignored."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_directory(out_dir: Path, writers: dict[str, Callable[[Path], object]]) -> list[Path]:
    """Write files into a hidden sibling temporary folder, then move them into ``out_dir``.

    If any writer fails, nothing is left in ``out_dir`` and the temporary folder is removed.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the result folder should be an ordinary one
    try:
        for name, write in writers.items():
            write(tmp / name)
        if not out_dir.exists():
            os.replace(tmp, out_dir)
        else:
            for name in writers:
                os.replace(tmp / name, out_dir / name)
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out_dir / n for n in writers]


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


def write_run_outputs(result: Result, out_dir: str | Path, title: str = "hemasim run") -> list[Path]:
    endpoints = evaluate_endpoints(result)
    record = run_record(result)
    frame = result.observables

    def dump(obj: object) -> Callable[[Path], object]:
        return lambda p: p.write_text(json.dumps(obj, indent=2, allow_nan=False, default=str) + "\n", encoding="utf-8")

    return atomic_directory(Path(out_dir), {
        "timeseries.csv": lambda p: frame.to_csv(p, index=False, float_format="%.10g"),
        "endpoints.json": dump({e.name: e.to_json() for e in endpoints}),
        "run.json": dump(record),
        "report.html": lambda p: p.write_text(render_report(result, endpoints, record, title), encoding="utf-8"),
    })
