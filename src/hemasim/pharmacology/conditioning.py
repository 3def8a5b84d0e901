"""Named conditioning regimens (myeloablative, reduced-intensity, non-myeloablative) as events.

The regimens are data (``conditioning/regimens.yaml``, or a user's YAML file holding one regimen, like a
drug set): a schedule of cell-kill blocks (a surviving fraction per compartment class for a chemotherapy
component) and TBI (linear-quadratic, :mod:`hemasim.radiation`). ``conditioning_events`` turns one into
events starting on a given day.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from hemasim._file_kinds import wrong_file
from hemasim._schema import StrictData, field_hints, location_part, validation_problems
from hemasim._yaml_limits import YamlInputError, load_yaml_file, load_yaml_text
from hemasim.events import CellDepletion, Event
from hemasim.pharmacology.drug_sets import Value, file_name_refusal
from hemasim.radiation import CLASSES, RadiationFraction, fraction_days, lq_surviving_fraction

__all__ = ["ConditioningRegimen", "RegimenError", "available_regimens", "conditioning_events", "hsc_surviving_fractions",
           "is_regimen_path", "load_regimen", "parse_regimen", "parse_regimens"]


_Strict = StrictData


class CellKill(_Strict):
    kind: Literal["cell_kill"]
    day: float = Field(ge=0, le=365)
    agent: str
    surviving: dict[Literal["hsc", "progenitor", "lymphoid"], Value]

    @model_validator(mode="after")
    def _fractions(self) -> CellKill:
        for cls, sf in self.surviving.items():
            if sf.source is not None:  # a drug set resolves its keys in its references; a regimen has none
                raise ValueError(f"surviving.{cls}.source: a regimen has no references to cite from; give assumed, "
                                 "derived or fitted (data, problem, objective, interval)")
            if not 0.0 <= sf.value <= 1.0:
                raise ValueError(f"surviving.{cls}.value: a surviving fraction lies in [0, 1] (got {sf.value:g})")
        return self


class Tbi(_Strict):
    kind: Literal["tbi"]
    day: float = Field(ge=0, le=365)
    total_dose_Gy: float = Field(gt=0, le=20)
    fractions: int = Field(ge=1, le=20)
    fractions_per_day: int = Field(ge=1, le=3)
    hours_between: float = Field(ge=0, le=12)


class ConditioningRegimen(_Strict):
    #: optional: a user's file may name itself as drug sets and combination regimens must (it was refused as an
    #: unknown field, review33c); a shipped regimen's name is its key in regimens.yaml
    name: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$", max_length=60)
    title: str
    intensity: Literal["myeloablative", "reduced_intensity", "non_myeloablative"]
    description: str
    graft_day: float = Field(ge=0, le=365, description="days from the regimen's start to the transplant (its day 0)")
    components: list[Annotated[CellKill | Tbi, Field(discriminator="kind")]] = Field(min_length=1, max_length=100)

    @property
    def last_day(self) -> float:
        ends = []
        for c in self.components:
            if isinstance(c, Tbi):
                ends.append(fraction_days(c.day, c.fractions, c.fractions_per_day, c.hours_between)[-1])
            else:
                ends.append(c.day)
        return max(ends)


class RegimenError(ValueError):
    """A regimens file that cannot be used; one line naming the file, the regimen and the field."""


def _surviving_range(loc: tuple[int | str, ...]) -> str | None:
    return "[0, 1]" if loc[-3:-2] == ("surviving",) and loc[-1:] == ("value",) else None


def _problems(err: ValidationError) -> str:
    # a surviving fraction that is no number names its range, as one outside it does (CellKill._fractions)
    lines = validation_problems(err, ("cell_kill", "tbi"), model=ConditioningRegimen, range_of=_surviving_range)
    return "; ".join(field_hints(lines, err, ConditioningRegimen, drop=("cell_kill", "tbi")))


def parse_regimen(data: object, source: str) -> ConditioningRegimen:
    """Validate one regimen (a user's file)."""
    fields = "title, intensity, description, graft_day, components"
    if not isinstance(data, dict):
        raise RegimenError(f"{source}: a regimen is a mapping of fields ({fields})")
    if len(data) == 1 and isinstance(block := next(iter(data.values())), dict) and "components" in block:
        # a regimen under its name, as the shipped regimens.yaml lists them: six lines of missing fields said so
        raise RegimenError(f"{source}: holds regimen {location_part(next(iter(data)))} under its name, as the shipped "
                           f"regimens file lists them; a regimen file holds one regimen's fields at the top ({fields})")
    try:
        return ConditioningRegimen.model_validate(data)
    except ValidationError as err:
        raise RegimenError(f"{source}: {_problems(err)}") from None


def parse_regimens(data: object, source: str) -> dict[str, ConditioningRegimen]:
    """Validate a regimens document (a mapping of name -> regimen)."""
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise RegimenError(f"{source}: a mapping of regimen names to regimens")
    out = {}
    for name, block in data.items():
        try:
            out[name] = ConditioningRegimen.model_validate(block)
        except ValidationError as err:
            raise RegimenError(f"{source}: {location_part(name)}: {_problems(err)}") from None
    return out


@cache
def _all() -> dict[str, ConditioningRegimen]:
    source = "hemasim/pharmacology/conditioning/regimens.yaml"
    text = resources.files("hemasim.pharmacology").joinpath("conditioning/regimens.yaml").read_text("utf-8")
    return parse_regimens(load_yaml_text(text, source, "regimens file"), source)


def available_regimens() -> list[str]:
    return sorted(_all())


def is_regimen_path(name_or_path: str) -> bool:
    """A path of a user's regimen file (ends .yaml/.yml or holds a /), not a shipped name."""
    return name_or_path.endswith((".yaml", ".yml")) or "/" in name_or_path


#: what a transplant clinic calls a shipped regimen where its name does not resemble it (harden24)
_CLINICAL_NAMES = {**dict.fromkeys(("mel200", "mel_200", "hdm", "hd_mel", "high_dose_mel", "melphalan",
                                    "melphalan_200"), "high_dose_melphalan"),
                   **dict.fromkeys(("cy_tbi", "cytbi", "cy_tbi_12", "cy_tbi_1200"), "cy_tbi_12gy"),
                   # BuCy2: busulfan 16 mg/kg with cyclophosphamide 2 x 60 mg/kg (Tutschka 1987), bu_cy's schedule;
                   # its 2 is no dose of bu_cy, so the dose check would refuse it (review37f)
                   **dict.fromkeys(("bucy2", "bu_cy2", "bu_cy_2"), "bu_cy")}


def meant_regimen(written: str) -> str | None:
    """The shipped regimen a name as a clinic writes it stands for (``BuCy``, ``FLU-BU2``, ``Flu/Mel``, ``MEL200``):
    the same letters and digits (case, ``/``, ``-`` and ``_`` aside), a clinic's name for it, a typo of one letter
    (``bu_gy``), the same drugs in any order, abbreviated or spelt out (``TBI/Cy``, ``Bu/Flu``,
    ``cyclophosphamide/ATG``), else the one it resembles where that names no other drugs; None when none fits."""
    from hemasim._schema import closest

    key = re.sub(r"[^a-z0-9]+", "_", written.lower()).strip("_")
    names = available_regimens()
    same = next((n for n in names if n.replace("_", "") == key.replace("_", "")), None)
    if same or key in _CLINICAL_NAMES:
        return same or _CLINICAL_NAMES[key]
    agents = _agents(key)
    # one letter from a shipped name is its typo even where the letter makes or removes a drug's word (cy/gy:
    # bu_gy, tbi_2cy lost their suggestion to the drug check below, review37e), one drug apart at most
    # a typo that changes the dose a name states is another dose, not a typo (Cy/TBI 2Gy is no cy_tbi_12gy,
    # review37f); a digit typed among the letters (cy_t3bi_12gy, cy_atg1) is still a typo
    typos = [n for n in names if _one_edit(key, n) and len(agents ^ _agents(n)) <= 1 and _dose_kept(key, n)]
    if len(typos) == 1:
        return typos[0]
    # the drugs a name spells, in any order and abbreviated or not, are the shipped regimen of exactly those drugs
    # before any likeness of letters: TBI/Cy, Bu/Flu and cyclophosphamide/ATG were refused with "none is this one"
    # where the letters resembled a regimen of other drugs (review37e); a dose it states (Gy, days of Bu) must be
    # the regimen's where the regimen's name states one, else one of its doses (Cy 120/ATG is not cy_atg's
    # cyclophosphamide 200 mg/kg, review37f)
    if agents:
        spelt = [n for n in names if _agents(n) == agents and _same_numbers(key, n, doses=True)]
        if len(spelt) == 1:
            return spelt[0]
    guess = closest(key, names)
    # a name resembling a shipped one by its letters is a regimen of other drugs when the two name different agents:
    # BEAM/ATG, Flu/Cy and Bu/Cy/ATG got "did you mean 'cy_atg'?" / "'bu_cy'?", a regimen that drops or adds a drug
    # (ux37b)
    if guess is None or not agents <= _agents(guess) or not _same_numbers(key, guess, doses=True):
        return None
    # an agent the guess adds is a typo's (cy_atq) only where the name has a word that is no agent's
    typo = any(a is None and w not in _NOT_AGENTS for w, a in _words(key))
    return guess if agents == _agents(guess) or typo else None


#: the agents a regimen's name is spelt with, as a clinic abbreviates them (a name's other parts, doses and "high
#: dose", say nothing of which drugs)
_AGENT_WORDS = {"bu": "bu", "busulfan": "bu", "busulphan": "bu", "cy": "cy", "cyclophosphamide": "cy", "flu": "flu",
                "fludarabine": "flu", "mel": "mel", "melphalan": "mel", "tbi": "tbi", "atg": "atg", "ratg": "atg",
                "beam": "beam", "treo": "treo", "treosulfan": "treo", "thio": "thio", "thiotepa": "thio",
                "alemtuzumab": "alem", "campath": "alem", "rituximab": "ritux", "ritux": "ritux", "bcnu": "bcnu",
                "carmustine": "bcnu", "etoposide": "vp16", "vp16": "vp16", "ara": "arac", "cytarabine": "arac"}


#: the words of a regimen's name that are no agent and no typo of one (doses, units, "high dose")
_NOT_AGENTS = {"gy", "high", "dose", "hd", "mg", "kg", "m", "iv", "po", "conditioning", "regimen"}


def _agent_tail(parts: tuple[str, ...]) -> list[str]:
    """The trailing ``parts`` of a path that each name an agent (``.../sc/TBI/Cy/ATG`` -> TBI, Cy, ATG); empty when
    the last part names none."""
    tail: list[str] = []
    for part in reversed(parts):
        if not _agents(re.sub(r"[^a-z0-9]+", "_", part.lower())):
            break
        tail.insert(0, part)
    return tail


def _split_agents(word: str) -> list[str] | None:
    """``word`` as agents' words run together (``bucyatg`` -> bu, cy, atg; the longest word first at each place), or
    None where it is not wholly such words."""
    if not word:
        return []
    for end in range(len(word), 0, -1):
        if word[:end] in _AGENT_WORDS and (rest := _split_agents(word[end:])) is not None:
            return [word[:end], *rest]
    return None


def _words(name: str) -> list[tuple[str, str | None]]:
    """The words of ``name`` (lower case; digits and punctuation part them), each with the agent it names or None;
    a word of agents run together counts as those words (BuCyATG named cy_atg's two drugs without its busulfan,
    FluCy bu_cy's, review37e)."""
    out: list[tuple[str, str | None]] = []
    for w in re.split(r"[^a-z]+", name):
        if not w:
            continue
        split = _split_agents(w)
        out += [(p, _AGENT_WORDS[p]) for p in split] if split else [(w, None)]
    return out


def _agents(name: str) -> frozenset[str]:
    """The agents ``name`` (a regimen's name, lower case, ``_`` between parts) spells: ``cy200_atg`` -> cy, atg;
    ``bucyatg`` -> bu, cy, atg."""
    return frozenset(a for _, a in _words(name) if a is not None)


def _same_numbers(written: str, shipped: str, doses: bool = False) -> bool:
    """Whether the numbers ``written`` states are the shipped name's (``tbi_12gy_cy``: cy_tbi_12gy; not
    ``flu_tbi_12gy``: flu_tbi_2gy), where the shipped name states any (``cy200_atg``: cy_atg). With ``doses``, a
    shipped name that states none takes the regimen's doses (:func:`_doses`: ``cy200_atg`` is cy_atg,
    ``cy_120_atg`` is not); without, any number goes with it (a digit typed into ``cy_atg`` is a typo)."""
    mine, theirs = _numbers(written), _numbers(shipped)
    if doses:
        # a name that states the regimen's own dose besides the number in the shipped name is that regimen
        # ('Cy 120/TBI 12Gy', 'Flu 30/TBI 2Gy': the daily fludarabine, review37h); where the shipped name states a
        # number, each drug's daily dose counts too (BuCy4 would be bu_cy's 4 mg/kg/day, yet BuCy4 is another regimen)
        return mine <= _doses(shipped) if not theirs else mine <= theirs | _doses(shipped, daily=True)
    return not theirs or mine <= theirs


def _dose_kept(written: str, shipped: str) -> bool:
    """Whether ``written``, where it states a number, still states each the shipped name does (``cy_tbi_12gy1``:
    yes; ``cy_tbi_2gy``, ``flu_bu3``: no, another dose)."""
    mine, theirs = _numbers(written), _numbers(shipped)
    return not mine or theirs <= mine


def _numbers(name: str) -> set[int]:
    """The whole numbers ``name`` states (``tbi_02gy`` states 2)."""
    return {int(n) for n in re.findall(r"\d+", name)}


def _doses(name: str, daily: bool = False) -> set[int]:
    """The doses of the shipped regimen ``name`` as a clinic writes them in a name: each drug's (the number before
    mg in its ``agent``: cy_atg's 200 mg/kg and 6 mg/kg; a drug given as several doses, flu_bu2's busulfan 2 x 4
    mg/kg, by its total 8, so that FluBu4, four days of busulfan, is not flu_bu2) and each TBI's total in Gy; with
    ``daily``, also a drug's dose a day where its total is ``over N days`` (flu_tbi_2gy's fludarabine 30 mg/m2)."""
    out: set[int] = set()
    split: dict[str, int] = {}
    for c in _all()[name].components:
        if isinstance(c, Tbi):
            out.add(round(c.total_dose_Gy))
            continue
        m = re.search(r"(\d+)\s*mg\b", c.agent)
        if m is None:
            continue
        if "dose" in c.agent:  # one of several doses of the drug ("first of two doses", "second dose")
            drug = c.agent.split()[0]
            split[drug] = split.get(drug, 0) + int(m.group(1))
            continue
        out.add(int(m.group(1)))
        days = re.search(r"over\s+(\d+)\s+days", c.agent)
        if daily and days and int(m.group(1)) % int(days.group(1)) == 0:
            out.add(int(m.group(1)) // int(days.group(1)))
    return out | set(split.values())


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one letter: one inserted, deleted, replaced, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    i = next((k for k in range(len(short)) if short[k] != long[k]), len(short))
    return short[i:] == long[i + 1:]


def _load_file(path: str) -> ConditioningRegimen:  # not cached: a user may edit the file between runs
    try:
        data = load_yaml_file(Path(path), "conditioning regimen")
    except YamlInputError as err:
        # a clinic's name with a slash (Flu/Mel) reads as a path: the shipped regimen its last parts name
        parts = Path(path).parts
        # the clinic's name is the trailing parts spelt with agents (TBI/Cy/ATG, not its last two, Cy/ATG: cy_atg
        # without the TBI, ux37b); a path of other words keeps the trailing parts tried as before
        spelt = _agent_tail(parts)
        tries = ["_".join(spelt)] if spelt else ["_".join(parts[-k:]) for k in (2, 1, 3) if len(parts) >= k]
        meant = None if path.endswith((".yaml", ".yml")) else next(
            (m for name in tries if (m := meant_regimen(name)) is not None), None)
        # a name with a slash that is no shipped regimen's (BEAM/ATG) was told nothing of the regimens there are
        hint = (f"; a shipped regimen is named without a '/': did you mean {meant!r}?" if meant else
                "" if path.endswith((".yaml", ".yml")) else
                f"; a shipped regimen is named without a '/', and none is this one: shipped regimens: "
                f"{', '.join(repr(n) for n in available_regimens())} (another is a regimen file of your own: "
                "docs/drugs.md, 'Radiation and conditioning')")
        raise RegimenError(f"{err}{hint}") from None
    if (other := wrong_file(data, path, "a conditioning regimen", "a conditioning regimen has title, "
                            "intensity, description, graft_day and components (docs/drugs.md)")) is not None:
        raise RegimenError(other)
    # a file that names itself (optional) follows the rule of drug sets and combination regimens: its name is its
    # file's name; one that does not names nothing, so its file's name is free
    named = isinstance(data, dict) and data.get("name") is not None
    if named and (refused := file_name_refusal(Path(path), "a conditioning regimen")) is not None:
        raise RegimenError(refused)
    reg = parse_regimen(data, path)
    if reg.name is not None and reg.name != Path(path).stem:
        raise RegimenError(f"{path}: name {reg.name!r} must equal the file name {Path(path).stem!r}")
    return reg


def load_regimen(name_or_path: str) -> ConditioningRegimen:
    """A shipped regimen by name (:func:`available_regimens`) or a user's file holding one regimen by path."""
    if is_regimen_path(name_or_path):
        return _load_file(name_or_path)
    if name_or_path not in _all():
        raise RegimenError(f"unknown conditioning regimen {name_or_path!r}; shipped regimens: "
                           f"{', '.join(repr(n) for n in available_regimens())} (or the path of a regimen .yaml file)")
    return _all()[name_or_path]


def conditioning_events(name: str, start_day: float, lq: tuple[tuple[str, float, float], ...],
                        dying_share: float) -> list[Event]:
    """The regimen's cell kills and TBI fractions, its day 0 on ``start_day`` (``name``: shipped name or path);
    ``dying_share``: :attr:`hemasim.radiation.RadiationFraction.dying_share`."""
    names = [n for n, _ in CLASSES]
    events: list[Event] = []
    for c in load_regimen(name).components:
        if isinstance(c, Tbi):
            dose = c.total_dose_Gy / c.fractions
            events += [RadiationFraction(start_day + d, dose, lq, dying_share)
                       for d in fraction_days(c.day, c.fractions, c.fractions_per_day, c.hours_between)]
        else:
            for cls, sf in c.surviving.items():
                k = names.index(cls)
                earlier = frozenset().union(*(t for _, t in CLASSES[:k]))  # a compartment is in its first class only
                # a drug's kill spares the dying irradiated lymphocytes: already dead, not cleared faster by it
                events.append(CellDepletion(start_day + c.day, tuple(sorted(CLASSES[k][1])), sf.value,
                                            except_groups=tuple(sorted(earlier)), dying_too=False))
    return events



def hsc_surviving_fractions(name: str, lq: tuple[tuple[str, float, float], ...]) -> list[tuple[CellKill | Tbi, float]]:
    """Each component of the regimen ``name`` that kills HSCs with the share of them it leaves: a cell kill's ``hsc``
    value, a TBI's linear-quadratic survival over its fractions, as :func:`conditioning_events` applies them to the
    lineage model's HSC compartment. Their product is the share the regimen leaves; the clone-resolved gene-therapy
    run (no compartments) conditions its pool so."""
    alpha, beta = next((a, b) for cls, a, b in lq if cls == "hsc")
    out: list[tuple[CellKill | Tbi, float]] = []
    for c in load_regimen(name).components:
        if isinstance(c, Tbi):
            out.append((c, lq_surviving_fraction(alpha, beta, c.total_dose_Gy / c.fractions) ** c.fractions))
        elif "hsc" in c.surviving:
            out.append((c, c.surviving["hsc"].value))
    return out
