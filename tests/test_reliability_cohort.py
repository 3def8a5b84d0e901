"""Cohort folders: partitions verified by size and sha256 (a damaged one is recomputed), a damaged manifest or one
from another version refused with the way out, nothing written by inputs that fail, stale temporaries cleaned,
bad seed lists refused in one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import hemasim.cohort.runner as runner
from hemasim.cohort import CohortError, run_cohort
from hemasim.io import OutputError
from hemasim.scenario import load_scenario
from tests.conftest import EXAMPLES, invoke_hemasim

pytestmark = pytest.mark.integration
DEAD_PID = 2**22 + 12345  # above Linux's default pid_max: no such process


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(EXAMPLES / "cohort_marrow_depletion.yaml").model_copy(update={"duration_days": 20.0})


@pytest.fixture(scope="module")
def finished(scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete cohort of 6 patients in 2 partitions (copied by each test that changes it). Its files' checks
    read the partitions and the manifest, never the bands' figure: none is drawn (tests/test_cohort_tail.py and
    tests/test_cli.py draw it)."""
    out = tmp_path_factory.mktemp("cohort") / "done"
    assert run_cohort(scenario, 6, out, partition_size=3, progress=False, report=False) is not None
    return out


def _copy(finished: Path, tmp_path: Path) -> Path:
    out = tmp_path / "cohort"
    shutil.copytree(finished, out)
    return out


def _run(scenario, out: Path, **kwargs) -> dict | None:
    return run_cohort(scenario, 6, out, partition_size=3, progress=False, report=False, **kwargs)


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
def test_the_manifest_records_each_partition_file_with_size_and_sha256(finished: Path):
    man = json.loads((finished / "manifest.json").read_text())
    assert sorted(man["partitions"]) == ["0", "1"]
    rec = man["partitions"]["1"]["endpoints/part-00001.parquet"]
    assert rec["bytes"] == (finished / "endpoints/part-00001.parquet").stat().st_size
    assert rec["sha256"] == runner._sha256(finished / "endpoints/part-00001.parquet")
    assert man["hemasim_version"]


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
@pytest.mark.parametrize("damage", ["truncate-endpoints", "corrupt-bands", "delete-bands"])
def test_a_damaged_partition_is_recomputed_not_trusted(scenario, finished: Path, tmp_path: Path, damage: str):
    out = _copy(finished, tmp_path)
    endpoints, bands = out / "endpoints/part-00000.parquet", out / "bands/part-00000.npz"
    good = endpoints.read_bytes(), bands.read_bytes()
    untouched = (out / "endpoints/part-00001.parquet").stat().st_mtime_ns
    if damage == "truncate-endpoints":
        endpoints.write_bytes(good[0][: len(good[0]) // 2])  # pyarrow would raise ArrowInvalid on it
    elif damage == "corrupt-bands":
        bands.write_bytes(good[1][:-8] + b"\0" * 8)  # same size, other content
    else:
        bands.unlink()
    summary = _run(scenario, out)
    assert summary is not None and summary["n_patients"] == 6
    assert (endpoints.read_bytes(), bands.read_bytes()) == good  # recomputed, bit for bit
    assert (out / "endpoints/part-00001.parquet").stat().st_mtime_ns == untouched  # the sound one kept


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
def test_a_damaged_manifest_is_refused_with_the_way_out_and_force_recomputes(scenario, finished: Path,
                                                                             tmp_path: Path):
    out = _copy(finished, tmp_path)
    (out / "manifest.json").write_text('{"n_patients": 6, "partit')
    with pytest.raises(CohortError, match=r"manifest.json is damaged .*--force"):
        _run(scenario, out)
    assert _run(scenario, out, force=True) is not None
    assert json.loads((out / "manifest.json").read_text())["partitions"].keys() == {"0", "1"}


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
def test_a_cohort_from_another_version_is_refused_with_the_way_out(scenario, finished: Path, tmp_path: Path):
    out = _copy(finished, tmp_path)
    man = json.loads((out / "manifest.json").read_text())
    man["hemasim_version"] = "0.0.1"
    (out / "manifest.json").write_text(json.dumps(man))
    with pytest.raises(CohortError, match=r"computed by hemasim 0\.0\.1, this is hemasim .*--force.*new --out"):
        _run(scenario, out)
    assert _run(scenario, out, force=True) is not None
    assert json.loads((out / "manifest.json").read_text())["hemasim_version"] != "0.0.1"


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
def test_inputs_that_fail_leave_nothing_and_do_not_block_the_corrected_run(scenario, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch):
    out = tmp_path / "cohort"

    def failing(*args: object) -> None:
        raise ValueError("an event that does not fit the model")

    with monkeypatch.context() as m:
        m.setattr(runner, "simulate_partition", failing)
        with pytest.raises(ValueError):
            _run(scenario, out)
    assert not (out / "manifest.json").exists()
    corrected = scenario.model_copy(update={"duration_days": 15.0})
    assert _run(corrected, out) is not None  # not "a different cohort"


def test_a_manifest_without_partitions_is_taken_over_by_the_next_cohort(scenario, tmp_path: Path):
    out = tmp_path / "cohort"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps(runner.manifest({"x": 1}, 99, 0, 3, None, False)))
    assert _run(scenario, out, max_partitions=1) is None
    assert json.loads((out / "manifest.json").read_text())["n_patients"] == 6


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
def test_stale_temporaries_of_a_killed_cohort_are_cleaned(scenario, finished: Path, tmp_path: Path):
    out = _copy(finished, tmp_path)
    stale = [out / f"bands/.part-00000.npz.tmp-{DEAD_PID}", out / f"endpoints/.part-00001.parquet.tmp-{DEAD_PID}",
             out / f".manifest.json.tmp-{DEAD_PID}"]
    for p in stale:
        p.write_bytes(b"half")
    assert _run(scenario, out) is not None
    assert not any(p.exists() for p in stale)


def test_foreign_files_and_bad_locations_are_refused(scenario, tmp_path: Path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("x")
    with pytest.raises(OutputError, match="notes.txt"):
        _run(scenario, tmp_path / "mine")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        _run(scenario, tmp_path / "file")


@pytest.mark.parametrize("seeds, message", [([1, -2, 3, 4, 5, 6], "seed -2"), ([2**64, 1, 2, 3, 4, 5], "out of range")])
def test_out_of_range_seeds_are_refused(scenario, tmp_path: Path, seeds: list[int], message: str):
    with pytest.raises(CohortError, match=message):
        _run(scenario, tmp_path / "c", seeds=seeds)
    assert not (tmp_path / "c").exists()


@pytest.mark.cli
@pytest.mark.parametrize("text, message", [("1\n-5\n", ":2: seed -5 is out of range"),
                                           ("1\nx\n", ":2: 'x' is not an integer"),
                                           # it said "the seed list has 1 entries for 2 patients", naming no option
                                           ("1\n", "--seed-list: 1 seeds for --n 2 patients (one seed per patient")])
def test_cli_refuses_a_bad_seed_list_in_one_line(tmp_path: Path, text: str, message: str):
    seeds = tmp_path / "seeds.txt"
    seeds.write_text(text)
    res = invoke_hemasim("cohort", str(EXAMPLES / "cohort_marrow_depletion.yaml"), "--n", "2", "--seed-list",
                         str(seeds), "--out", str(tmp_path / "c"))
    assert res.exit_code == 2 and message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "c").exists()


@pytest.mark.cli
def test_cli_reports_a_damaged_manifest_in_one_line(finished: Path, tmp_path: Path):
    out = _copy(finished, tmp_path)
    (out / "manifest.json").write_bytes(b"\xff\xfe{")
    res = invoke_hemasim("cohort", str(EXAMPLES / "cohort_marrow_depletion.yaml"), "--n", "6", "--out", str(out))
    assert res.exit_code == 2 and "--force" in res.stderr and len(res.stderr.strip().splitlines()) == 1


@pytest.mark.cli
def test_ctrl_c_says_what_stays_and_how_to_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Ctrl-C in a cohort exited 130 with nothing said; the complete partitions stay (the manifest records them),
    and the user should hear that the same command resumes."""
    import hemasim.cohort

    def interrupted(scenario: object, n: int, out: Path, **kwargs: object) -> None:
        out.mkdir()
        (out / "manifest.json").write_text(json.dumps({"partitions": {"0": {}, "1": {}}}))
        raise KeyboardInterrupt

    monkeypatch.setattr(hemasim.cohort, "run_cohort", interrupted)
    out = tmp_path / "c"
    res = invoke_hemasim("cohort", str(EXAMPLES / "cohort_marrow_depletion.yaml"), "--n", "5", "--partition-size",
                         "2", "--out", str(out))
    assert res.exit_code == 130
    assert res.stderr.strip().splitlines() == [
        f"hemasim: interrupted: 2 of 3 partitions are complete in {out}; run the same command to resume (complete "
        "partitions are kept, the rest is computed)"]


@pytest.mark.cli
def test_a_full_disk_says_what_stays_and_how_to_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """ux37: a 3,000-patient cohort on a full disk said only "cannot write: ... No space left on device"; its 2
    complete partitions were kept and the same command resumed once space was freed, which the line now says (as
    Ctrl-C's does). The exit status stays the write error's."""
    import errno

    import hemasim.cohort

    def full(scenario: object, n: int, out: Path, **kwargs: object) -> None:
        out.mkdir()
        (out / "manifest.json").write_text(json.dumps({"partitions": {"0": {}, "1": {}}}))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(hemasim.cohort, "run_cohort", full)
    out = tmp_path / "c"
    res = invoke_hemasim("cohort", str(EXAMPLES / "cohort_marrow_depletion.yaml"), "--n", "5", "--partition-size",
                         "2", "--out", str(out))
    assert res.exit_code not in (0, 2, 130)
    assert res.stderr.strip().splitlines() == [
        f"hemasim: error: --out {out}: cannot write: No space left on device; 2 of 3 partitions are complete in {out} "
        "and kept: free some space and run the same command to resume (the rest is computed)"]


@pytest.mark.cli
def test_a_full_disk_at_the_summary_says_the_same_command_writes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Every partition written, the summary's files refused (a 640 KB tmpfs, 1,000 patients: none of them written,
    as one set): the line said "the rest is computed" of a cohort with nothing left to compute."""
    import errno

    import hemasim.cohort

    def full(scenario: object, n: int, out: Path, **kwargs: object) -> None:
        out.mkdir()
        (out / "manifest.json").write_text(json.dumps({"partitions": {"0": {}, "1": {}, "2": {}}}))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(hemasim.cohort, "run_cohort", full)
    out = tmp_path / "c"
    res = invoke_hemasim("cohort", str(EXAMPLES / "cohort_marrow_depletion.yaml"), "--n", "5", "--partition-size",
                         "2", "--out", str(out))
    assert res.stderr.strip().splitlines() == [
        f"hemasim: error: --out {out}: cannot write: No space left on device; all 3 partitions are complete in {out} "
        "and kept: free some space and run the same command to write the summary (no patient is computed again)"]


@pytest.mark.cli
def test_a_write_error_before_any_partition_says_only_the_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import hemasim.cohort

    def refused(scenario: object, n: int, out: Path, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(hemasim.cohort, "run_cohort", refused)
    out = tmp_path / "c"
    res = invoke_hemasim("cohort", str(EXAMPLES / "cohort_marrow_depletion.yaml"), "--n", "5", "--out", str(out))
    assert res.stderr.strip().splitlines() == [f"hemasim: error: --out {out}: cannot write: Permission denied"]
