"""Seeded mutations of every shipped example and data file, one file kind at a time: a scenario (a cohort's too), a
gene-therapy scenario, a sweep and a sensitivity design, a drug set, a conditioning regimen, a combination regimen
and a fitting problem. Each file has mutations drawn with a fixed seed from those a user makes (a field dropped, a key
misspelt, a value of the wrong type, a negative, NaN or huge number, a number with a unit, an unknown name where a
choice goes, an empty list), is written as YAML and loaded through the public loader: it loads, or is refused with the
kind's own error (a ValueError), never another exception (KeyError, TypeError, AttributeError, ZeroDivisionError, a
bare math error), in lines that each name the file and name the field mutated. A mutation that is always wrong (a
misspelt key, NaN, a unit, a wrong type, an unknown choice) is refused. A refused file given to its command exits 2,
with the loader's lines, and writes nothing.

Unlike tests/test_fuzz_inputs.py (Hypothesis: any value anywhere, whether the message is one line per problem), the
mutations here are the mistakes people make, and the test holds the message to the field that was changed."""

from __future__ import annotations

import copy
import math
import os
import random
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import EXAMPLES, invoke_hemasim

SEED = 22
#: HEMASIM_MUTATIONS=all: every mutation of every file (~11,000 loads, 1-2 minutes: 65 s in one process here, 105 s on
#: a busier machine, 6 December 2026; the suite draws a few per file)
EVERY = os.environ.get("HEMASIM_MUTATIONS") == "all"
PHARMACOLOGY = Path(__file__).resolve().parents[1] / "src" / "hemasim" / "pharmacology"
MUTATIONS = ("drop", "misspell", "wrong_type", "negative", "nan", "unit", "enum", "empty_list", "huge")
#: wrong wherever they are made: a key no block has, a NaN, a number with a unit, a mapping or list for a value
ALWAYS_WRONG = {"misspell", "nan", "unit", "wrong_type"}
#: fields that take one of a few names (Literal choices and named references checked on loading): an unknown name
#: there is wrong; elsewhere a text may be free (a name, a description, a source's page)
CHOICES = {"kind", "sex", "route", "observable", "action", "method", "scale", "acts_on", "donor", "source", "model",
           "intensity", "disease", "regimen", "drug_set", "white_cell_baseline", "markers", "lineages", "groups",
           "stages", "agent_class"}
SCENARIO_OF_DESIGN = {"docetaxel_dose_x_feedback.yaml": "docetaxel_q3w.yaml",
                      "friberg_mtt_x_dose.yaml": "friberg_docetaxel.yaml", "healthy_lhs.yaml": "healthy_adult.yaml"}


# ------------------------------------------------------------------------------------------------- the mutations
Path_ = tuple[Any, ...]


def _spots(data: Any, path: Path_ = ()) -> Iterator[Path_]:
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield (*path, key)
        yield from _spots(value, (*path, key))


def misspelt(key: str) -> str:
    """``key`` with two letters in its middle swapped (or one left out where they are equal): a typo."""
    if len(key) < 3:
        return key + "x"
    i = len(key) // 2
    return key[:i] + key[i + 1] + key[i] + key[i + 2:] if key[i] != key[i + 1] else key[:i] + key[i + 1:]


def mutated(data: Any, path: Path_, how: str) -> Any | None:
    """A copy of ``data`` with the spot at ``path`` changed as ``how`` says; None where it does not apply."""
    out = copy.deepcopy(data)
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    key, value = path[-1], parent[path[-1]]
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if how == "drop" and isinstance(parent, dict):
        del parent[key]
    elif how == "misspell" and isinstance(parent, dict) and isinstance(key, str) and misspelt(key) not in parent:
        renamed = {misspelt(key) if k == key else k: v for k, v in parent.items()}
        parent.clear()
        parent.update(renamed)
    elif how == "wrong_type":
        parent[key] = [1, 2] if isinstance(value, dict) else {"x": 1}
    elif how in ("negative", "nan", "unit", "huge") and number:
        parent[key] = {"negative": -abs(value) - 1, "nan": math.nan, "unit": f"{value} mg",
                       "huge": 10**30 if isinstance(value, int) else 1e300}[how]
    elif how == "enum" and isinstance(value, str):
        parent[key] = "no_such_choice"
    elif how == "empty_list" and isinstance(value, list):
        parent[key] = []
    else:
        return None
    return out


def field_named(lines: list[str], path: Path_, how: str) -> bool:
    """Whether a message's ``lines`` (each without the file's name in front: that names every field's file) name the
    field at ``path`` (the misspelt key for a misspelling): its dotted path, or its block's path and its name (a rule
    across fields: ``phases.0: cycles.value: ...``, a list's items by the list); for a key dropped, its block where
    that was left empty. Blocks nested in a message (``arms.1: interventions.0``) read as one path. A top-level key
    is named where a line starts with it (its name in another field's text is not that field's), names it as a key
    (``the file must hold one block, `sweep:` or `sensitivity:` (it holds `swep:`...)``), or gives a rule across
    top-level fields (``pk: give a PK block, or pk_missing_reason saying why...``)."""
    names = [str(p) for p in path]
    if how == "misspell":
        names[-1] = misspelt(names[-1])
    while len(names) > 1 and names[-1].isdigit():
        names.pop()
    if len(names) == 1:
        word = rf"(?<![\w-]){re.escape(names[0])}(?![\w-])"
        return any(re.match(word, line) or f"`{names[0]}:`" in line or re.match(r"[\w-]+: ", line) and re.search(word, line)
                   for line in lines)
    text = "\n".join(lines).replace(": ", ".")
    block = ".".join(names[:-1])
    return (".".join(names) in text or names[-1] in text and block in text
            or how == "drop" and f"{block}." in text)


def test_a_field_is_named_by_the_messages_lines_not_by_the_file_or_another_fields_text():
    """field_named reads the lines without the file's name (a path holding ``aging`` named every field ``aging``)
    and takes a top-level key at a line's start, not from another field's text."""
    assert not field_named(["patient.sex: bad"], ("aging",), "nan")
    assert not field_named(["patient.sex: must be 'female' or 'male', not 'duration_days'"], ("duration_days",), "nan")
    assert field_named(["duration_days: must be finite"], ("duration_days",), "nan")
    assert field_named(["patient.sex: must be 'female' or 'male'"], ("patient", "sex"), "enum")
    assert not field_named(["patient.age_years: must be a number"], ("patient", "sex"), "enum")


# ------------------------------------------------------------------------------------------------- the file kinds
@dataclass(frozen=True)
class FileKind:
    """Files of one kind, how a mutated one is loaded (raising ``error``), and its command line (None: its
    loader's command is another kind's, as a drug set's)."""

    name: str
    sources: Callable[[], list[tuple[str, Any]]]  # (file name, data) of each shipped file
    load: Callable[[Path], object]
    error: type[Exception]
    command: Callable[[Path, Path], list[str]] | None = None  # (file, --out) -> arguments
    #: spots whose keys are names other fields refer to (a reference's key, an id): a change there is refused where
    #: it is referred to
    names: tuple[str, ...] = ()
    per_file: int = 6
    commands_run: int = 3
    folder: Callable[[Path], Path] = field(default=lambda tmp: tmp)


def _yaml_files(folder: Path, pattern: str = "*.yaml") -> Callable[[], list[tuple[str, Any]]]:
    return lambda: [(p.name, yaml.safe_load(p.read_text(encoding="utf-8"))) for p in sorted(folder.glob(pattern))]


def _sensitivity_designs() -> list[tuple[str, Any]]:
    """The sweep examples' factors as Morris designs (no sensitivity design is shipped)."""
    return [(name, {"sensitivity": {"method": "morris", "trajectories": 2, "levels": 4, "seed": 0,
                                    "factors": data["sweep"]["factors"]}})
            for name, data in _yaml_files(EXAMPLES / "sweeps")()]


def _regimens() -> list[tuple[str, Any]]:
    """The shipped conditioning regimens, each as a user's regimen file holds one."""
    shipped = yaml.safe_load((PHARMACOLOGY / "conditioning" / "regimens.yaml").read_text(encoding="utf-8"))
    return [(f"{name}.yaml", regimen) for name, regimen in shipped.items()]


def _scenario_with(tmp: Path, intervention: dict[str, Any]) -> Path:
    """A 60-day scenario of an adult given ``intervention`` (a regimen file's command line: hemasim run)."""
    path = tmp / "scenario_of_file.yaml"
    path.write_text(yaml.safe_dump({"name": "mutated file", "duration_days": 60, "interventions": [intervention],
                                    "patient": {"age_years": 50, "sex": "female", "weight_kg": 70,
                                                "height_cm": 165}}), encoding="utf-8")
    return path


def _kinds() -> list[FileKind]:
    from hemasim.clonal.gene_therapy_report import GeneTherapyScenarioError, load_gene_therapy_scenario
    from hemasim.inference.problem import ProblemError, load_problem
    from hemasim.pharmacology.chemo_regimens import RegimenError as ChemoRegimenError
    from hemasim.pharmacology.chemo_regimens import load_chemo_regimen
    from hemasim.pharmacology.conditioning import RegimenError, load_regimen
    from hemasim.pharmacology.drug_sets import DrugSetError, load_drug_set
    from hemasim.scenario import ScenarioError, load_scenario
    from hemasim.sensitivity.spec import SpecError, load_spec

    def run(f: Path, out: Path) -> list[str]:
        return ["run", str(f), "--out", str(out)]

    def design(command: str) -> Callable[[Path, Path], list[str]]:
        def args(f: Path, out: Path) -> list[str]:
            scenario = str(EXAMPLES / SCENARIO_OF_DESIGN[f.name])
            return [command, scenario, *([str(f)] if command == "sweep" else ["--file", str(f)]), "--out", str(out)]
        return args

    def in_scenario(kind: str) -> Callable[[Path, Path], list[str]]:
        def args(f: Path, out: Path) -> list[str]:
            return run(_scenario_with(f.parent, {"kind": kind, "regimen": str(f), "start_day": 0}), out)
        return args

    scenarios = _yaml_files(EXAMPLES)
    return [
        FileKind("scenario", lambda: [s for s in scenarios() if "population" not in s[1]], load_scenario,
                 ScenarioError, run, per_file=3),
        FileKind("cohort scenario", lambda: [s for s in scenarios() if "population" in s[1]], load_scenario,
                 ScenarioError, lambda f, out: ["cohort", str(f), "--n", "2", "--out", str(out)], per_file=6),
        FileKind("gene-therapy scenario", _yaml_files(EXAMPLES / "gene_therapy"), load_gene_therapy_scenario,
                 GeneTherapyScenarioError, lambda f, out: ["gene-therapy", str(f), "--out", str(out)], per_file=16),
        FileKind("sweep design", _yaml_files(EXAMPLES / "sweeps"), lambda p: load_spec(p, "sweep"), SpecError,
                 design("sweep"), per_file=8),
        FileKind("sensitivity design", _sensitivity_designs, lambda p: load_spec(p, "sensitivity"), SpecError,
                 design("sensitivity"), per_file=8),
        FileKind("drug set", _yaml_files(PHARMACOLOGY / "drugs"), load_drug_set, DrugSetError,
                 lambda f, out: ["drugs", str(f)], names=("references",), per_file=4),
        FileKind("conditioning regimen", _regimens, lambda p: load_regimen(str(p)), RegimenError,
                 in_scenario("conditioning"), per_file=2),
        FileKind("combination regimen", _yaml_files(PHARMACOLOGY / "chemo_regimens"), load_chemo_regimen,
                 ChemoRegimenError, in_scenario("chemotherapy_regimen"), names=("references",), per_file=10),
        FileKind("fitting problem", lambda: [("problem.yaml", yaml.safe_load(
            (EXAMPLES / "fit" / "problem.yaml").read_text(encoding="utf-8")))], load_problem, ProblemError,
                 lambda f, out: ["fit", str(f), "--out", str(out)], names=("id",), per_file=24,
                 folder=lambda tmp: Path(shutil.copytree(EXAMPLES / "fit", tmp / "fit"))),
    ]


#: the kinds by name (the loaders are imported when a test runs, not when the suite is collected)
KIND_NAMES = ("scenario", "cohort scenario", "gene-therapy scenario", "sweep design", "sensitivity design", "drug set",
              "conditioning regimen", "combination regimen", "fitting problem")


def _drawn(kind: FileKind, sources: list[tuple[str, Any]], rng: random.Random
           ) -> list[tuple[str, Any, Path_, str, Any]]:
    """``kind.per_file`` mutations of each of its files (``sources``), drawn by ``rng``: (file, data, path, how,
    mutated data)."""
    drawn = []
    for name, data in sources:
        options = [(path, how) for path in _spots(data) for how in MUTATIONS
                   if not any(str(p) in kind.names for p in path)]
        rng.shuffle(options)
        picked = []
        for path, how in options:
            changed = mutated(data, path, how)
            if changed is not None:
                picked.append((name, data, path, how, changed))
            if len(picked) == kind.per_file and not EVERY:
                break
        drawn += picked
    return drawn


# ------------------------------------------------------------------------------------------------- the test
@pytest.mark.slow
@pytest.mark.parametrize("kind_name", KIND_NAMES)
def test_every_mutation_of_a_shipped_file_loads_or_is_refused_naming_its_field(kind_name: str, tmp_path: Path):
    kinds = _kinds()
    assert tuple(k.name for k in kinds) == KIND_NAMES
    kind = next(k for k in kinds if k.name == kind_name)
    rng = random.Random(f"{SEED}:{kind.name}")  # one seed per kind: a kind added draws no other kind's again
    folder = kind.folder(tmp_path)
    sources = kind.sources()
    for name, data in sources:  # each file as shipped loads where its mutations are written: a refusal is theirs
        file = folder / name
        file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        kind.load(file)
        file.unlink()
    refused: list[tuple[Path, str, Any, str]] = []  # (file, what was changed, the changed data, the message)
    for name, _, path, how, changed in _drawn(kind, sources, rng):
        file = folder / name
        file.write_text(yaml.safe_dump(changed, allow_unicode=True, sort_keys=False), encoding="utf-8")
        what = f"{kind.name} {name}, {how} at {'.'.join(map(str, path))}"
        try:
            kind.load(file)
        except kind.error as err:  # the kind's own error: every line names the file, one names the field
            message = str(err)
            assert all(line.startswith(f"{file}: ") for line in message.splitlines()), (what, message)
            assert field_named([line.removeprefix(f"{file}: ") for line in message.splitlines()], path, how), (
                what, message)
            refused.append((file, what, changed, message))
        except Exception as err:  # a crash inside the loader, not a message for the user
            pytest.fail(f"{what}: {type(err).__name__}: {err}")
        else:
            choice = how == "enum" and any(str(p) in CHOICES for p in path[-2:])
            assert how not in ALWAYS_WRONG and not choice, f"{what}: accepted"
        file.unlink()
    assert refused, f"no mutation of a {kind.name} was refused: the draw tests nothing"
    if kind.command is None:
        return
    # its command line: exit 2, the loader's lines, nothing written (a few of the refused files, written again)
    for file, what, changed, message in refused[:kind.commands_run]:
        file.write_text(yaml.safe_dump(changed, allow_unicode=True, sort_keys=False), encoding="utf-8")
        out = tmp_path / "out"
        args = kind.command(file, out)
        before = sorted(tmp_path.rglob("*"))
        res = invoke_hemasim(*args)
        assert res.exit_code == 2, (what, res.exit_code, res.stderr)
        assert res.stderr.startswith("hemasim: error: ") and res.stdout == "", (what, res.stderr)
        assert all(line in res.stderr for line in message.splitlines()), (what, message, res.stderr)
        assert not out.exists() and sorted(tmp_path.rglob("*")) == before, what
        file.unlink()
