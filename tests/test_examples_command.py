"""``hemasim examples``: a user of the installed package (no repository, so no examples/ folder) lists the shipped
example scenarios and copies them out; ``hemasim run examples/X.yaml`` without the copy says how to make it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLES, invoke_hemasim

pytestmark = pytest.mark.cli


def _repository_examples() -> dict[str, str]:
    """Every file of the repository's examples/ (relative path: text), read where the docs point."""
    return {p.relative_to(EXAMPLES).as_posix(): p.read_text(encoding="utf-8") for p in EXAMPLES.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def test_the_list_names_every_example_with_its_description():
    res = invoke_hemasim("examples", "--list")
    assert res.exit_code == 0, res.stderr
    lines = {line.split()[0]: " ".join(line.split()[1:]) for line in res.stdout.splitlines()[:-2] if line.strip()}
    scenarios = {p.stem for p in EXAMPLES.glob("*.yaml")}
    sweeps = {f"sweeps/{p.stem}" for p in (EXAMPLES / "sweeps").glob("*.yaml")}
    gene_therapy = {f"gene_therapy/{p.stem}" for p in (EXAMPLES / "gene_therapy").glob("*.yaml")}
    assert set(lines) == scenarios | sweeps | gene_therapy | {"fit"}
    # a scenario's description: field, whole (a folded one on one line); the fitting problem's; a sweep's comment
    described = yaml.safe_load((EXAMPLES / "influenza_after_vaccination.yaml").read_text(encoding="utf-8"))
    assert lines["influenza_after_vaccination"] == " ".join(described["description"].split())
    assert lines["fit"] == yaml.safe_load((EXAMPLES / "fit" / "problem.yaml").read_text())["description"]
    assert lines["sweeps/healthy_lhs"].startswith("A Latin hypercube over two set points")
    assert res.stdout.splitlines()[-1].startswith(f"{len(lines)} examples; ")
    # each line a sentence, as the others (fit's and a regimen's started "recover MTT", "docetaxel 100 mg/m2")
    assert not [name for name, text in lines.items() if text[0].islower()]


def test_copies_equal_the_repository_files_and_keep_their_subfolders(tmp_path: Path):
    out = tmp_path / "mine"
    res = invoke_hemasim("examples", "docetaxel_q3w", "healthy_lhs", "fit", "--out", str(out))
    assert res.exit_code == 0, res.stderr
    copied = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()}
    repository = _repository_examples()
    assert set(copied) == {"docetaxel_q3w.yaml", "sweeps/healthy_lhs.yaml", "fit/problem.yaml", "fit/scenario.yaml",
                           "fit/measurements.csv", "fit/generate_data.py"}
    assert all(copied[name] == repository[name] for name in copied)
    assert res.stderr.startswith(f"wrote 6 files to {out}")


def test_all_of_them_by_default_into_a_folder_of_their_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    res = invoke_hemasim("examples")
    assert res.exit_code == 0, res.stderr
    out = tmp_path / "hemasim-examples"
    assert {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} == set(_repository_examples())


def test_one_scenario_says_how_to_run_the_copy(tmp_path: Path):
    res = invoke_hemasim("examples", "cohort_docetaxel.yaml", "--out", str(tmp_path))
    assert res.exit_code == 0, res.stderr
    assert res.stderr.splitlines() == [f"wrote 1 file to {tmp_path}: cohort_docetaxel.yaml",
                                       f"next: hemasim cohort {tmp_path / 'cohort_docetaxel.yaml'} --out "
                                       "out/cohort_docetaxel"]


def test_refuses_to_overwrite_and_writes_nothing_unless_forced(tmp_path: Path):
    mine = tmp_path / "docetaxel_q3w.yaml"
    mine.write_text("name: my edited copy\n", encoding="utf-8")
    res = invoke_hemasim("examples", "healthy_adult", "docetaxel_q3w", "--out", str(tmp_path))
    assert res.exit_code == 2
    assert res.stderr.strip() == (f"hemasim: error: --out {tmp_path}: {mine} already there; --force overwrites it")
    assert sorted(os.listdir(tmp_path)) == ["docetaxel_q3w.yaml"]  # not even the other one, nor a temporary
    assert mine.read_text(encoding="utf-8") == "name: my edited copy\n"
    (tmp_path / "healthy_adult.yaml").write_text("name: mine too\n", encoding="utf-8")
    res = invoke_hemasim("examples", "healthy_adult", "docetaxel_q3w", "--out", str(tmp_path))
    assert res.exit_code == 2 and res.stderr.strip().endswith("already there; --force overwrites them")
    res = invoke_hemasim("examples", "healthy_adult", "docetaxel_q3w", "--out", str(tmp_path), "--force")
    assert res.exit_code == 0, res.stderr
    assert mine.read_text(encoding="utf-8") == (EXAMPLES / "docetaxel_q3w.yaml").read_text(encoding="utf-8")
    assert sorted(os.listdir(tmp_path)) == ["docetaxel_q3w.yaml", "healthy_adult.yaml"]


def test_an_out_that_is_a_file_is_refused(tmp_path: Path):
    (tmp_path / "f").write_text("x", encoding="utf-8")
    res = invoke_hemasim("examples", "healthy_adult", "--out", str(tmp_path / "f"))
    assert res.exit_code == 2 and res.stderr.strip() == (f"hemasim: error: --out {tmp_path / 'f'}: is a file; give a "
                                                         "folder for the examples")


@pytest.mark.parametrize(("name", "hint"), [
    ("docetaxl_q3w", "did you mean docetaxel_q3w, docetaxel_q3w_pegfilgrastim?"),
    ("lhs", "did you mean sweeps/healthy_lhs?"),
    ("zzzz", "`hemasim examples --list` lists them"),
])
def test_an_unknown_name_is_one_line_with_close_names(tmp_path: Path, name: str, hint: str):
    res = invoke_hemasim("examples", "healthy_adult", name, "--out", str(tmp_path / "out"))
    assert res.exit_code == 2
    assert res.stderr.splitlines() == [f"hemasim: error: unknown example {name!r}; {hint}"]
    assert not (tmp_path / "out").exists()  # checked before anything is copied


@pytest.mark.parametrize(("args", "path", "command"), [
    (["run"], "examples/docetaxel_q3w.yaml", "hemasim examples docetaxel_q3w --out examples"),
    (["check"], "healthy_adult.yaml", "hemasim examples healthy_adult --out ."),
    (["fit"], "examples/fit/problem.yaml", "hemasim examples fit --out examples"),
    (["run"], "my examples/blood_donation.yaml", "hemasim examples blood_donation --out 'my examples'"),
])
def test_a_missing_example_file_names_the_command_that_copies_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  args: list[str], path: str, command: str):
    """As the docs write it, in a folder without the examples (an installed package): one line, exit 2, nothing
    written."""
    monkeypatch.chdir(tmp_path)
    out = ["--out", "out"] if args != ["check"] else []
    res = invoke_hemasim(*args, path, *out)
    assert res.exit_code == 2
    name = command.split()[2]
    assert res.stderr.splitlines() == [f"hemasim: error: {path}: cannot read the "
                                       f"{'problem file' if args == ['fit'] else 'scenario'} (No such file or "
                                       f"directory); {name} is an example shipped with hemasim: run `{command}` to "
                                       "copy it here"]
    assert os.listdir(tmp_path) == []


def test_a_missing_file_of_another_name_has_no_hint(tmp_path: Path):
    res = invoke_hemasim("run", str(tmp_path / "mine.yaml"), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2
    assert res.stderr.strip().endswith("cannot read the scenario (No such file or directory)")


def test_a_reader_that_closes_the_list_early_is_not_blamed_on_out(monkeypatch: pytest.MonkeyPatch):
    """`hemasim examples --list | head -5`: head closes the pipe, the list's next line fails with a broken pipe. It was
    reported as a failed write to --out ("--out hemasim-examples: cannot write: Broken pipe", exit 74), which the
    list never writes to; now the command line's own handling of a closed pipe applies: the command raises
    ReaderClosed, which :func:`hemasim.cli.app.main` turns into an exit by which reader closed (exit 0 for this
    listing whose whole product is stdout: tests/test_mend35f.py runs it in a real pipe)."""
    import builtins

    from typer.testing import CliRunner

    from hemasim.cli._pipe import ReaderClosed, stdout_was_the_product
    from hemasim.cli.app import app

    printed = builtins.print

    def closed_stdout(*args: object, **kwargs: object) -> None:
        if kwargs.get("file") is None:
            raise BrokenPipeError(32, "Broken pipe")
        printed(*args, **kwargs)

    monkeypatch.setattr(builtins, "print", closed_stdout)
    res = CliRunner().invoke(app, ["examples", "--list"], env={"COLUMNS": "160"}, catch_exceptions=True)
    assert "--out" not in res.stderr and "cannot write" not in res.stderr, res.stderr
    assert isinstance(res.exception, ReaderClosed), res.exception
    assert stdout_was_the_product()  # so main() ends it with 0 when stdout's own reader closed
