"""What every schema of user data (scenarios, intervention blocks, drug sets, conditioning regimens) shares.

:class:`StrictData` refuses unknown fields, is immutable, and is strict where pydantic's lax mode would
silently change the meaning of an input:

* every float is finite (``.nan``, ``.inf``, ``"nan"`` are refused everywhere, also inside lists and dicts);
* a boolean is not a number (``duration_days: true`` would otherwise run one day) and a number or a string
  is not a boolean (``aging: 1``, ``aging: "no"``);
* integers stay whole (pydantic already refuses ``2.5`` for an ``int``).

Strings such as ``1e9`` are still read as numbers: YAML 1.1 (PyYAML) reads ``1e9`` as a string, and
scenarios are written that way.

:func:`validation_problems` turns a pydantic ``ValidationError`` into one line per problem (bounded
count), each naming the field, what is wrong and, cut short, what was given.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from hemasim._yaml_limits import quoted

__all__ = ["BULK_VCN_NOTE", "FIELD_SYNONYMS", "MAX_DURATION_DAYS", "MAX_FIELDS_LISTED", "MAX_PROBLEMS", "MEANT_CUTOFF",
           "MIN_WORD", "NUMBER_WITH_UNIT", "RangeOf", "SYNONYM_NOTES", "StrictData", "annotation_at", "block_fields", "closest", "field_hints",
           "field_location", "hint_lines", "location_part", "meant_field", "several_problems", "suggestions",
           "unknown_field_hint", "validation_problems"]

#: problems listed for one input (the rest are counted)
MAX_PROBLEMS = 12
#: the longest scenario, days (120 years: ``duration_days``' bound); a schedule's days and a regimen's cycle are
#: bounded by it too, so a day far beyond any scenario is refused naming its field (at 1e30 the cycles' days fell
#: together in floating point and the schedule read as overlapping infusions)
MAX_DURATION_DAYS = 120 * 365.25

_Shape = Literal["number", "boolean", "numbers", "number_values", "other"]


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _scalar_shape(annotation: Any) -> _Shape:
    annotation = _unwrap(annotation)
    if _is_union(annotation):
        shapes = {_scalar_shape(a) for a in typing.get_args(annotation) if a is not type(None)}
        return shapes.pop() if len(shapes) == 1 else "other"
    if annotation is bool:
        return "boolean"
    if annotation in (float, int):
        return "number"
    return "other"


#: Annotated metadata of a field whose own validator checks its numbers and booleans, naming each value's bounds
#: (a ``parameters:`` block: hemasim.scenario.overrides), which the strict checks of :class:`StrictData` then leave to it
OWN_NUMBER_CHECKS = "own number checks"


@cache
def _shape(annotation: Any) -> _Shape:
    """How a field's annotation holds numbers or booleans (the inputs the strict checks look at)."""
    annotation = _unwrap(annotation)
    if _is_union(annotation):
        shapes = {_shape(a) for a in typing.get_args(annotation) if a is not type(None)}
        return shapes.pop() if len(shapes) == 1 else "other"
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple, set, frozenset) and args and all(_scalar_shape(a) == "number" for a in args
                                                                 if a is not Ellipsis):
        return "numbers"
    if origin is dict and len(args) == 2 and _scalar_shape(args[1]) == "number":
        return "number_values"
    return _scalar_shape(annotation)


def _items(value: Any, shape: _Shape) -> Iterable[tuple[str, Any]]:
    """The inputs of a field that must be numbers, each with where it is (for the message)."""
    if shape == "numbers" and isinstance(value, list | tuple):
        return ((f" in item {i}", v) for i, v in enumerate(value))
    if shape == "number_values" and isinstance(value, dict):
        return ((f" for key {quoted(k)}", v) for k, v in value.items())
    return (("", value),) if shape == "number" else ()


_CHECKED_FIELDS: dict[type[BaseModel], tuple[object, tuple[tuple[str, _Shape], ...]]] = {}


def _checked_fields(cls: type[BaseModel]) -> tuple[tuple[str, _Shape], ...]:
    """The fields of a schema whose inputs the strict checks look at, with their shapes: worked out once a class,
    not on every validation (a fit validates a drug set for each patient of each gradient: ~80,000 times in the
    fit tutorial, where hashing each field's annotation again took ~0.7 s; docs/performance.md). Kept with the
    class's field table it was worked out from: ``model_rebuild`` (a forward reference resolved) makes a new one."""
    fields = cls.__pydantic_fields__  # what ``model_fields`` returns, without its property's cost (0.09 against 0.36 us)
    kept = _CHECKED_FIELDS.get(cls)
    if kept is not None and kept[0] is fields:
        return kept[1]
    shapes = ((name, _shape(typing.cast(Any, field.annotation))) for name, field in fields.items()
              if OWN_NUMBER_CHECKS not in field.metadata)
    checked = tuple((name, shape) for name, shape in shapes if shape != "other")
    _CHECKED_FIELDS[cls] = (fields, checked)
    return checked


class StrictData(BaseModel):
    """Base of every schema of user data: unknown fields refused, immutable, finite floats, booleans and
    numbers kept apart."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _booleans_are_not_numbers(cls, data: Any) -> Any:
        # a model validator, not a field validator on "*": pydantic allows none on the ``kind`` tags of unions
        if not isinstance(data, dict):
            return data
        for name, shape in _checked_fields(cls):
            if name not in data:
                continue
            value = data[name]
            if shape == "boolean" and value is not None and not isinstance(value, bool):
                raise ValueError(f"{name}: expected true or false (got {quoted(value)})")
            for where, item in _items(value, shape):
                if isinstance(item, bool):
                    raise ValueError(f"{name}: expected a number{where}, not a boolean (got {str(item).lower()})")
        return data


def location_part(part: object) -> str:
    """A part of a field's location as printed: a plain name as is, anything else (a key with spaces, newlines
    or markup, given in the input) quoted and cut short."""
    text = str(part)
    return text if re.fullmatch(r"[A-Za-z0-9_+-]{1,60}", text) else quoted(text, 40)


def field_location(loc: Sequence[int | str], drop: set[str]) -> str:
    """A location as the problem lines print it: ``drop`` (the tags of tagged unions) left out - the tag's own part
    only: a field named as its block's tag right after it (``{kind: vaccine, vaccine: tetanus}``) is kept, as
    "interventions.0: unknown field" did not say which field to change (ux35b)."""
    parts = [p for i, p in enumerate(loc)
             if not (isinstance(p, str) and p in drop and not (i > 0 and loc[i - 1] == p))]
    return ".".join(location_part(p) for p in parts)


_BOUND_ERRORS = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt", "less_than_equal": "le"}
_BOUND_WORDS = {"gt": "greater than", "ge": "greater than or equal to", "lt": "less than",
                "le": "less than or equal to"}
_BOUND_SIGNS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
#: pydantic's errors of a value that is no (finite, whole where a count goes) number: their lines name the field's
#: bounds too, as a bound's own error does
_NOT_A_NUMBER_ERRORS = ("finite_number", "float_parsing", "float_type", "int_parsing", "int_type", "int_from_float")


def _member(union: Any, part: int | str) -> Any:
    """The member of a union a location part goes into: the one tagged ``part`` (a tagged union), else the one
    that is not None."""
    members = [_unwrap(a) for a in typing.get_args(union) if a is not type(None)]
    for m in members:
        tag = getattr(m, "model_fields", {}).get("kind")
        if tag is not None and part in typing.get_args(tag.annotation):
            return m
    return members[0] if len(members) == 1 else None


def annotation_at(model: type[BaseModel], loc: Sequence[int | str]) -> tuple[Any, Any]:
    """The annotation at ``loc`` inside ``model`` and the pydantic FieldInfo that declared it (None for a list
    item or a tagged union's member); (None, None) where the path cannot be followed."""
    current: Any = model
    info = None
    for part in loc:
        current = _unwrap(current)
        if _is_union(current):
            current = _member(current, part)
            if isinstance(part, str) and current is not None and part not in getattr(current, "model_fields", {}):
                continue  # the part was the union's tag
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            current = info.annotation if info is not None else None
        elif typing.get_origin(current) in (list, tuple, dict) and typing.get_args(current):
            current, info = typing.get_args(current)[-1], None
        else:
            return None, None
    return current, info


def _bounds(model: type[BaseModel] | None, loc: Sequence[int | str]) -> list[tuple[str, Any]]:
    """The bounds (``("ge", 0.01)``, ``("le", 120)``) declared on the field at ``loc``, or on the items of a list
    (``list[Annotated[int, Field(ge=1)]]``: a list item has no FieldInfo of its own)."""
    annotation, info = annotation_at(model, loc) if model is not None else (None, None)
    metadata = list(getattr(info, "metadata", ()))
    if info is None and typing.get_origin(annotation) is typing.Annotated:
        for m in typing.get_args(annotation)[1:]:
            metadata += getattr(m, "metadata", None) or [m]  # a Field(...) holds its bounds, Ge(1) is one
    return [(name, getattr(m, name)) for m in metadata for name in _BOUND_SIGNS if getattr(m, name, None) is not None]


def _allowed_range(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> str:
    """`` (allowed: >= 0.01 and <= 120)`` from the bounds declared on the field at ``loc`` (:func:`_bounds`)."""
    bounds = _bounds(model, loc)
    return f" (allowed: {' and '.join(f'{_BOUND_SIGNS[n]} {_number(v)}' for n, v in bounds)})" if bounds else ""


def _allowed_names(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> str:
    """`` (allowed: iv_bolus, iv_infusion, ...)`` where the field at ``loc`` takes named values (a Literal), else
    nothing."""
    annotation = _unwrap(annotation_at(model, loc)[0]) if model is not None else None
    values = typing.get_args(annotation) if typing.get_origin(annotation) is typing.Literal else ()
    return f" (allowed: {', '.join(map(str, values))})" if values else ""


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


#: a validator's message that starts with a field path ("days: ...", "effects.0.emax: ..."), not with a file path
#: or a quoted value that happens to end in a colon
_NAMES_ITS_FIELD = re.compile(r"[A-Za-z_][\w.]*:(\s|$)")


#: the values a location takes where no bounds are declared on it, as the text after "allowed: " (None: unknown): a
#: ``Value``'s number in a drug set or a regimen, whose range is that of the field it stands in
RangeOf = Callable[[tuple[int | str, ...]], str | None]


def _problem(e: Any, drop: set[str], unknown_field: str, model: type[BaseModel] | None = None,
             range_of: RangeOf | None = None) -> str:
    """One problem of a ValidationError as ``field: what is wrong (allowed: ...) (got ...)``."""
    loc = field_location(e["loc"], drop)
    kind, msg = e["type"], e["msg"]
    if kind in _BOUND_ERRORS and isinstance(e.get("ctx", {}).get(_BOUND_ERRORS[kind]), int | float):
        bound = _BOUND_ERRORS[kind]  # the bound as %g (pydantic writes 1e-12 as 0.000000000001)
        msg = f"Input should be {_BOUND_WORDS[bound]} {_number(e['ctx'][bound])}{_allowed_range(model, e['loc'])}"
    elif kind in _NOT_A_NUMBER_ERRORS:  # a NaN, a text, a fraction where a count goes: the values the field takes
        allowed = _allowed_range(model, e["loc"])
        if not allowed and range_of is not None and (text := range_of(tuple(e["loc"]))):
            allowed = f" (allowed: {text})"
        msg = f"{msg}{allowed}"
    if kind == "extra_forbidden":
        return f"{loc}: {unknown_field}"
    if kind == "missing":  # a field of a few named values says them: "route: required field is missing" did not
        return f"{loc}: required field is missing{_allowed_names(model, e['loc'])}"
    if kind == "union_tag_not_found":
        field = str(e.get("ctx", {}).get("discriminator", "kind")).strip("'\"")
        block = e.get("input")  # a misspelt tag (kidn) is named as any misspelt key is, not as a missing one
        typo = next((k for k in block if isinstance(k, str) and closest(k, [field]) == field), None) if isinstance(
            block, dict) else None
        if typo is not None:
            return (f"{loc + '.' if loc else ''}{location_part(typo)}: unknown field; did you mean {field!r}? (it "
                    "names the kind of block)")
        return f"{loc + '.' if loc else ''}{field}: required field is missing (it names the kind of block)"
    if kind == "model_type":  # "a valid dictionary or instance of AgeRange": a class name the user never wrote
        fields = block_fields(model, e["loc"]) if model is not None else []
        listed = ", ".join(fields[:MAX_FIELDS_LISTED]) + (", ..." if len(fields) > MAX_FIELDS_LISTED else "")
        msg = "Input should be a mapping of fields" + (f" ({listed})" if fields else "")
    msg = " ".join(str(msg).split())  # one line, whatever a validator wrote
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
        if _NAMES_ITS_FIELD.match(msg):  # the message already names its field (relative to where it was raised)
            return f"{loc}.{msg}" if loc else msg
    got = e.get("input")
    quoted_already = kind == "value_error" and ("(got " in msg or isinstance(got, str) and got != "" and got in msg)
    got_txt = "" if isinstance(got, dict) or quoted_already else f" (got {quoted(got)})"
    return f"{loc or 'top level'}: {msg}{got_txt}"


#: how closely a name a user wrote must resemble a known one (difflib's ratio) to be named as the one meant: an
#: unknown field's "did you mean" (here and in hemasim.scenario.messages), an unknown kind, regimen, drug set,
#: parameter or observable (:func:`suggestions`, the package's one rule)
MEANT_CUTOFF = 0.6
#: a name's first word is looked for among the known names only from this many letters (``b`` would start dozens)
MIN_WORD = 3


def suggestions(name: str, choices: Iterable[str], n: int = 3, *, anywhere: bool = False) -> list[str]:
    """Up to ``n`` of ``choices`` that ``name`` was probably meant to be: those it resembles (a typo: difflib's
    ratio at least :data:`MEANT_CUTOFF`, closest first); else those its first word starts (``chemo`` for
    ``chemotherapy``, ``wbc_count`` for ``wbc_1e9_per_L``; :data:`MIN_WORD` letters at least, any case), shortest
    first; ``anywhere``: those that hold the word anywhere (a parameter remembered by a word inside it,
    ``renewal``). Empty when nothing fits."""
    options = [str(c) for c in choices]
    close = difflib.get_close_matches(name, options, n=n, cutoff=MEANT_CUTOFF)
    if close:
        return close
    word = name.lower().split("_")[0]
    if len(word) < MIN_WORD:
        return []
    held = [c for c in options if (word in c.lower() if anywhere else c.lower().startswith(word))]
    return sorted(held, key=len)[:n]  # sorted() is stable: among equal lengths, the choices' order


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The one choice ``name`` was most probably meant to be (:func:`suggestions`), else None."""
    return next(iter(suggestions(name, choices, n=1)), None)


#: a field's short or spelt-out forms that spelling alone does not reach (below :func:`closest`'s cutoff) -> the
#: field meant, hinted where the block has it: ``vcn`` (what gene-therapy papers write) for ``mean_vcn`` (harden25)
FIELD_SYNONYMS: dict[str, str] = dict.fromkeys(
    ("vcn", "avg_vcn", "average_vcn", "vector_copy_number", "vector_copies", "copies_per_cell", "copy_number"),
    "mean_vcn")
#: what ``mean_vcn`` counts, written once for the gene-therapy library's error of a value below 1, the scenario file's
#: field description and the hint of its synonyms (:data:`SYNONYM_NOTES`); here, as the one module all three read
BULK_VCN_NOTE = ("mean_vcn counts copies per transduced cell, not the bulk VCN trials report (copies per cell of the "
                 "whole graft = transduction_efficiency x mean_vcn): from a bulk VCN, write bulk VCN / "
                 "transduction_efficiency")
#: what a synonym's field counts, said with its hint where the short form names another quantity: papers' "VCN" is
#: mostly the bulk VCN (per cell of the whole graft), which ``mean_vcn`` is not
SYNONYM_NOTES: dict[str, str] = {"mean_vcn": f" {BULK_VCN_NOTE}"}


def meant_field(name: str, fields: Sequence[str]) -> str | None:
    """The field of ``fields`` an unknown field ``name`` was meant to be (:data:`FIELD_SYNONYMS`, else
    :func:`closest`); None when ``name`` starts several of them (``dose``: ``dose_mg_per_m2``, ``dose_mg_per_kg``:
    the unit tells them apart, not a guess)."""
    synonym = FIELD_SYNONYMS.get(name.lower())
    if synonym in fields:
        return synonym
    if sum(f.startswith(name + "_") for f in fields) > 1:
        return None
    return closest(name, fields)


def _members(annotation: Any) -> list[Any]:
    """The members of a union other than None (the annotation itself when it is no union)."""
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [_unwrap(a) for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def block_fields(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The field names allowed in the block at ``loc`` (a pydantic error location) inside ``model``, but for the
    ``kind`` tag of a tagged union; empty where the location cannot be followed."""
    current, _ = annotation_at(model, loc)
    members = [m for m in _members(current) if isinstance(m, type) and issubclass(m, BaseModel)]
    return [f for f in members[0].model_fields if f != "kind"] if len(members) == 1 else []


#: fields listed after "allowed here:" at most (a longer list is cut)
MAX_FIELDS_LISTED = 24

#: a number with a unit or word typed after it: "70kg", "21 days", "5e6/kg", "1.6 L/h"
NUMBER_WITH_UNIT = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*[^\d\s.eE+-].*")

#: the hint for a number written with its unit
NUMBER_ALONE = "; write the number alone: the unit is the one in the field's name"


def unknown_field_hint(e: Any, model: type[BaseModel]) -> str:
    """For an unknown field (an ``extra_forbidden`` error inside ``model``), the allowed fields its name starts
    (``dose``: each ``dose_*``, the unit tells them apart), else the one it resembles, else the allowed fields of
    its block; empty where the block cannot be followed."""
    allowed = block_fields(model, e["loc"][:-1])
    if not allowed:
        return ""
    name = str(e["loc"][-1])
    started = [f for f in allowed if f.startswith(name + "_")]
    if len(started) > 1:
        return f"; did you mean one of {', '.join(started)}? (the unit is in the name)"
    guess = meant_field(name, allowed)
    if guess is not None:
        return _did_you_mean_text(name, guess)
    listed = ", ".join(allowed[:MAX_FIELDS_LISTED]) + (", ..." if len(allowed) > MAX_FIELDS_LISTED else "")
    return f"; allowed here: {listed}"


def hint_lines(lines: list[str], err: ValidationError, drop: Iterable[str],
               hint: Callable[[Any, str, str], str | None]) -> list[str]:
    """``lines`` (from :func:`validation_problems` with the same ``drop``) with each error's line replaced by
    ``hint(error, line, where)`` where that returns a line (the first line of the error's location that a rule
    changes; None: no rule applies to that line). A line is changed once: two errors that print the same line
    (validation_problems keeps one) do not both add their hint to it."""
    drop_set = set(drop)
    out = list(lines)
    changed: set[int] = set()
    for e in err.errors(include_url=False):
        where = field_location(e["loc"], drop_set)
        prefix = f"{where or 'top level'}: "
        for i, line in enumerate(out):
            if i not in changed and line.startswith(prefix) and (new := hint(e, line, where)) is not None:
                out[i] = new
                changed.add(i)
                break
    return out


def share_hint(e: Any) -> str:
    """For a share (a field bounded by at most 0.5-1) refused with a value that is a percentage of one (1 to 100,
    60 for 0.6): ``; a fraction: write 0.6 for 60%``; else ``""``."""
    if e["type"] not in _BOUND_ERRORS:
        return ""
    return share_text(e.get("input"), e.get("ctx", {}).get("le", e.get("ctx", {}).get("lt")))


#: a share written with a percent sign (``90%``)
_PERCENT = re.compile(r"\s*(\d+\.?\d*|\.\d+)\s*%\s*")


def percent_hint(e: Any, model: type[BaseModel] | None) -> str:
    """For a text with a percent sign (``transduction_efficiency: 90%``) refused where a share goes (a field bounded
    by at most 0.5-1): :func:`share_text`'s ``; a fraction: write 0.9 for 90%``, which the rule for a number written
    with its unit ("write the number alone: the unit is the one in the field's name") got wrong: a share's name has no
    unit, and 90 alone is refused again. Else ``""``."""
    given = e.get("input")
    if e["type"] != "float_parsing" or not isinstance(given, str) or not (m := _PERCENT.fullmatch(given)):
        return ""
    upper = next((v for n, v in _bounds(model, e["loc"]) if n in ("le", "lt")), None)
    return share_text(float(m.group(1)), upper)


def share_text(value: object, bound: object) -> str:
    """:func:`share_hint`'s words for a ``value`` above a share's upper ``bound`` (one text, also for the clone
    engine's GeneTherapy, whose fields are no pydantic model)."""
    # a percentage is 1 to 100: a value between the bound and 1 (vaf: 0.7 above its 0.5) is a share too large, not
    # 0.7% ("write 0.007 for 0.7%", ux33b)
    if (isinstance(value, bool) or not isinstance(value, int | float) or not isinstance(bound, int | float)
            or not 0.5 <= bound <= 1 or not max(bound, 1.0) <= value <= 100 or value == bound
            or value / 100 > bound):
        return ""
    return f"; a fraction: write {value / 100:g} for {value:g}%"


#: how to write a list that was written as one mapping
LIST_ITEMS = "; write it as a list: each item on a line of its own starting with '- ' (as the shipped files do)"


def field_hints(lines: list[str], err: ValidationError, model: type[BaseModel], drop: Iterable[str] = ()) -> list[str]:
    """``lines`` (from :func:`validation_problems` with the same ``drop``) with the hints every schema shares added
    to the line of their error: an unknown field's allowed fields (:func:`unknown_field_hint`, unless the line
    already says what was meant), for a number written with its unit, to write the number alone, and for a share
    written as a percentage, the fraction (:func:`share_hint`).
    (hemasim.scenario.messages adds the scenario's own hints on top of the same.)"""

    def hint(e: Any, line: str, where: str) -> str | None:
        if e["type"] == "extra_forbidden" and "did you mean" not in line:
            return line + unknown_field_hint(e, model)
        if (share := share_hint(e) or percent_hint(e, model)) and share not in line:
            return line + share
        if (e["type"] in ("float_parsing", "int_parsing") and isinstance(e.get("input"), str)
                and NUMBER_WITH_UNIT.fullmatch(e["input"]) and "the unit is" not in line):
            return line + NUMBER_ALONE
        if e["type"] == "list_type" and isinstance(e.get("input"), dict) and "starting with '- '" not in line:
            # a drug set's `peripheral:` written as one mapping said only "Input should be a valid list" (ux33c)
            return line + LIST_ITEMS
        return None

    return hint_lines(lines, err, drop, hint)


def _meant(e: Any, errors: list[Any], model: type[BaseModel] | None) -> str | None:
    """For an unknown field, the missing field of its block that it was meant to be (a misspelt key): the field of
    the block it resembles (:func:`meant_field`; among the block's fields when ``model`` is known, else among those
    missing), when that one is missing; else None."""
    if e["type"] != "extra_forbidden" or not e["loc"]:
        return None
    parent, name = e["loc"][:-1], str(e["loc"][-1])
    missing = [str(m["loc"][-1]) for m in errors if m["type"] == "missing" and m["loc"][:-1] == parent]
    if not missing:
        return None
    guess = meant_field(name, (block_fields(model, parent) if model is not None else []) or missing)
    return guess if guess in missing else None


def _did_you_mean_text(name: str, meant: str) -> str:
    """``; did you mean 'mean_vcn'?`` for an unknown field ``name``, with what the field counts where ``name`` is a
    synonym that names another quantity (:data:`SYNONYM_NOTES`)."""
    note = SYNONYM_NOTES.get(meant, "") if FIELD_SYNONYMS.get(name.lower()) == meant else ""
    return f"; did you mean {meant!r}?{note}"


def _did_you_mean(e: Any, errors: list[Any], model: type[BaseModel] | None) -> str:
    meant = _meant(e, errors, model)
    return _did_you_mean_text(str(e["loc"][-1]), meant) if meant is not None else ""


def several_problems(title: str, problems: Sequence[str]) -> ValueError:
    """What a model validator raises for ``problems`` (each naming its field, ``interventions.2: ...``): a
    ValueError for one, a ValidationError for several (pydantic keeps its lines, so :func:`validation_problems` prints
    one line per problem; a ValueError's text is made one line). ``title``: the model's name."""
    from pydantic_core import InitErrorDetails, PydanticCustomError

    if len(problems) == 1:
        return ValueError(problems[0])
    return ValidationError.from_exception_data(title, [
        InitErrorDetails(type=PydanticCustomError("value_error", "{problem}", {"problem": p}), loc=(), input=None)
        for p in problems])


def validation_problems(err: ValidationError, drop: Iterable[str] = (), unknown_field: str = "unknown field",
                        model: type[BaseModel] | None = None, range_of: RangeOf | None = None) -> list[str]:
    """Every problem of ``err`` (at most :data:`MAX_PROBLEMS`, then a count), one line each; ``drop`` are
    location parts left out (the tags of tagged unions); ``model``, the class validated, gives each bound
    error the field's whole allowed range, and ``range_of`` a value's that is no number where its field declares
    none (:data:`RangeOf`)."""
    drop_set = set(drop)
    every = err.errors(include_url=False)
    # a typo'd key is one mistake: its "did you mean" line says it, so the field it meant is not also listed as
    # missing (two lines, the first of them wrong about what to do: the field is there, misspelt)
    # (hemasim.scenario.messages adds its hints to these lines and relies on this: one rule, :func:`meant_field`)
    meant = {(*e["loc"][:-1], m) for e in every if (m := _meant(e, every, model)) is not None}
    errors = [e for e in every if not (e["type"] == "missing" and tuple(e["loc"]) in meant)]
    lines = list(dict.fromkeys(_problem(e, drop_set, unknown_field, model, range_of) + _did_you_mean(e, every, model)
                               for e in errors[:MAX_PROBLEMS]))
    if len(errors) > MAX_PROBLEMS:
        lines.append(f"... and {len(errors) - MAX_PROBLEMS} more problem(s)")
    return lines
