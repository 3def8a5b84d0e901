"""Fuzzing the inputs (issue #18): YAML text, scenario files, drug sets and conditioning regimens. Whatever the
input, the result is a valid object or the module's own error (one line per problem, each naming the file, cut
short); never another exception. Bounded and derandomized, so the suite stays fast and reproducible."""

from __future__ import annotations

import copy
import math
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hemasim._yaml_limits import YamlInputError, load_yaml_file, load_yaml_text
from hemasim.pharmacology.conditioning import RegimenError, parse_regimens
from hemasim.pharmacology.drug_sets import (
    MAX_RATE_PER_H,
    VALUE_RANGES,
    DrugSetError,
    _check_range,
    available_drug_sets,
    parse_drug_set,
)
from hemasim.scenario import MAX_OUTPUT_POINTS, MAX_SOLVER_STEPS, ScenarioError, load_scenario

from ._strategies import TEXT
from .conftest import EXAMPLES

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SHIPPED = Path(__file__).resolve().parents[1] / "src" / "hemasim" / "pharmacology"

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**30), st.floats(allow_nan=True),
                     st.floats(min_value=-1e-6, max_value=1e-6), st.sampled_from([0, 1e-300, 1e300, -1]),
                     st.text(TEXT, max_size=12), st.sampled_from(["[/bold]", "nan", "inf", "1e9", "true", "\t", "~"]))
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(TEXT, max_size=8), inner, max_size=3)),
                       max_leaves=6)


def _walk_spots(data: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of nested dicts and lists."""
    spots: list[tuple[Any, Any]] = []

    def walk(obj: Any) -> None:
        items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else []
        for k, v in items:
            spots.append((obj, k))
            walk(v)

    walk(data)
    return spots


def _mutated(data: Any, where: int, value: Any, delete: bool) -> Any:
    data = copy.deepcopy(data)
    spots = _walk_spots(data)
    obj, key = spots[where % len(spots)]
    if delete and isinstance(obj, dict):
        del obj[key]
    else:
        obj[key] = value
    return data


def _assert_lines(message: str, source: str) -> None:
    lines = message.split("\n")
    assert all(line.startswith(f"{source}: ") for line in lines), message
    assert all(len(line) < 2000 for line in lines)


# ------------------------------------------------------------------ YAML text
@FUZZ
@given(st.one_of(st.text(TEXT, max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
                 st.lists(st.sampled_from(["a:", " ", "- ", "[", "]", "{", "}", "&x ", "*x", "<<: ", "\n", "!!int ",
                                           "? ", "1", ".nan", "'", '"', ",", "#", "\0", "%YAML 1.1\n", "---\n"]),
                          max_size=40).map("".join)))
@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
def test_any_text_is_data_or_a_one_line_yaml_error(text: str):
    try:
        load_yaml_text(text, "f.yaml", "scenario")
    except YamlInputError as err:
        assert "\n" not in str(err) and str(err).startswith("f.yaml: ")


def test_a_text_read_again_gives_fresh_data_and_a_changed_file_its_new_data(tmp_path: Path):
    """Each text is parsed once a process (hemasim._yaml_limits._parsed): what a caller changes in what it got is not
    what the next caller gets, aliases still share their object, a file rewritten between reads gives its new data,
    and a bad text fails again with the source of each call."""
    text = "a: &x [1, 2]\nb: *x\nc: {d: 1.5}\n"
    first = load_yaml_text(text, "one.yaml")
    assert first["a"] is first["b"]
    first["a"].append(3)
    first["c"]["d"] = -1.0
    first["e"] = "new"
    again = load_yaml_text(text, "two.yaml")
    assert again == {"a": [1, 2], "b": [1, 2], "c": {"d": 1.5}} and again["a"] is again["b"]
    path = tmp_path / "s.yaml"
    path.write_text("name: first\n")
    assert load_yaml_file(path) == {"name": "first"}
    path.write_text("name: second\n")
    assert load_yaml_file(path) == {"name": "second"}
    for source in ("x.yaml", "y.yaml"):
        with pytest.raises(YamlInputError, match=f"^{source}: line 2, column 1: duplicate key 'a'"):
            load_yaml_text("a: 1\na: 2\n", source)
    # the text is kept with its limits: read within the defaults first, it still fails tighter ones
    from hemasim._yaml_limits import YamlLimits

    with pytest.raises(YamlInputError, match="more than 3 values"):
        load_yaml_text(text, "tight.yaml", limits=YamlLimits(max_nodes=3))


# ------------------------------------------------------------------ scenario files
@cache
def _examples() -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text()) for p in sorted(EXAMPLES.glob("*.yaml"))]


def _floats(obj: Any) -> list[float]:
    if isinstance(obj, dict):
        return [f for v in obj.values() for f in _floats(v)]
    if isinstance(obj, list | tuple):
        return [f for v in obj for f in _floats(v)]
    return [obj] if isinstance(obj, float) else []


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
@FUZZ
@given(st.integers(0, 10**6), st.integers(0, 10**6), _values, st.booleans())
def test_any_changed_example_file_is_a_scenario_or_one_line_per_problem(tmp_path_factory: pytest.TempPathFactory,
                                                                        which: int, where: int, value: Any,
                                                                        delete: bool):
    data = _mutated(_examples()[which % len(_examples())], where, value, delete)
    path = tmp_path_factory.mktemp("fuzz") / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    try:
        spec = load_scenario(path)
    except ScenarioError as err:
        _assert_lines(str(err), str(path))
        return
    # what is accepted is bounded: finite numbers, bounded output points and forced steps
    assert all(math.isfinite(f) for f in _floats(spec.model_dump()))
    assert spec.duration_days / spec.output.every_days <= MAX_OUTPUT_POINTS
    max_step = getattr(spec.solver, "max_step_days", None)
    assert max_step is None or spec.duration_days / max_step <= MAX_SOLVER_STEPS


# ------------------------------------------------------------------ drug sets and regimens
@cache
def _drug_sets() -> list[dict[str, Any]]:
    return [yaml.safe_load((SHIPPED / "drugs" / f"{n}.yaml").read_text()) for n in available_drug_sets()]


@pytest.mark.slow
@FUZZ
@given(st.integers(0, 10**6), st.integers(0, 10**6), _values, st.booleans())
def test_any_changed_drug_set_is_a_drug_set_or_a_one_line_error(which: int, where: int, value: Any, delete: bool):
    data = _mutated(_drug_sets()[which % len(_drug_sets())], where, value, delete)
    try:
        ds = parse_drug_set(data, "set.yaml")
    except DrugSetError as err:
        assert "\n" not in str(err) and str(err).startswith("set.yaml: ")
        return
    for path, v in ds.values_with_paths():  # what is accepted lies in the documented ranges
        _check_range(path, v.value)
    assert all(rate <= MAX_RATE_PER_H for _, rate in (ds.pk.rate_constants_per_h() if ds.pk else []))


@FUZZ
@given(st.integers(0, 10**6), st.sampled_from(sorted(VALUE_RANGES)), st.floats(allow_nan=True))
def test_a_value_outside_its_range_is_refused_naming_it(which: int, field: str, number: float):
    data = copy.deepcopy(_drug_sets()[which % len(_drug_sets())])
    spots = [(obj, key) for obj, key in _walk_spots(data) if key == field and isinstance(obj[key], dict)]
    if not spots:
        return
    obj, key = spots[0]
    obj[key] = {**obj[key], "value": number}
    low, high = VALUE_RANGES[field]
    try:
        parse_drug_set(data, "set.yaml")
    except DrugSetError as err:
        assert "\n" not in str(err)
        return
    assert low <= number <= high


@cache
def _regimens() -> dict[str, Any]:
    return yaml.safe_load((SHIPPED / "conditioning" / "regimens.yaml").read_text())


@pytest.mark.slow
@FUZZ
@given(st.integers(0, 10**6), _values, st.booleans())
def test_any_changed_regimens_file_is_regimens_or_a_one_line_error(where: int, value: Any, delete: bool):
    data = _mutated(_regimens(), where, value, delete)
    try:
        regimens = parse_regimens(data, "regimens.yaml")
    except RegimenError as err:
        assert "\n" not in str(err) and str(err).startswith("regimens.yaml: ")
        return
    for regimen in regimens.values():
        assert all(math.isfinite(f) for f in _floats(regimen.model_dump()))
