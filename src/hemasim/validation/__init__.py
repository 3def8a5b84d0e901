"""Validation harness: published human reference values, each a scenario + read-out + pass band.

``run_validation()`` simulates the reference patients (settled healthy state, one year without
intervention and with age frozen), measures every covered target's read-outs and returns a
report card. Targets the model cannot address yet are reported as not covered, with the work
that will cover them.

Every target declares its class (``consistency``: an input read back; ``calibration``: a parameter was
chosen to meet it, named in ``calibrates``; ``prediction``: never used in any fit), where its band comes from
(``band_basis``, ``band_source``), and the card counts only predictions as validation (see docs/validation.md). A
passing prediction also says what it tests (``challenge``: the measured outcome of a plausible change, from
docs/validation_challenges.py) and, where its pass was known before the rule or its data share a fit's programme,
that it is not blind (``blind: false``, ``blind_reason``). A target whose band is an interval of a ratio or difference
(``unit: ratio`` or a unit naming a difference, band basis ``uncertainty`` or ``range``) says whether its two
quantities come from the same subjects (``paired: true``) or from different groups (``paired: false``); there is no
default (audit honest35; docs/validation.md, "Paired measurements: the audit"). A target banded on an estimate's
uncertainty says whether its band is the envelope of several estimates' intervals (``envelope: true``: one interval per
HPV type or strain, for a model with one antigen) or one estimate's (``envelope: false``); there is no default either
(review36b, branch mend36b), and the summary counts the passes on an envelope.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal, get_args

from hemasim.validation.base import SETTLE_DAYS, ValidationRuns
from hemasim.validation.patients import PATIENTS
from hemasim.validation.readouts import find_readout

Status = Literal["pass", "fail", "partial", "not covered", "info"]
TargetClass = Literal["prediction", "calibration", "consistency"]
BandBasis = Literal["uncertainty", "range", "threshold", "exact", "judgement"]
#: what a plausible change did to a passing prediction: made it fail (it can fail), left it passing over every change
#: tried (it tests less than it seems), or was not run (the value moved cannot be overridden by the challenge script)
ChallengeOutcome = Literal["fails", "insensitive", "untested"]
TARGET_CLASSES: tuple[str, ...] = get_args(TargetClass)
BAND_BASES: tuple[str, ...] = get_args(BandBasis)
CHALLENGE_OUTCOMES: tuple[str, ...] = get_args(ChallengeOutcome)
#: band bases that are an interval read from data (an estimate's uncertainty or a spread of patients): a ratio or
#: difference banded so comes from two estimates, and whether they are paired changes what the interval means
PAIRED_BAND_BASES: tuple[str, ...] = ("uncertainty", "range")
#: band bases on which a target declares whether its band is one estimate's interval or the envelope of several's
ENVELOPE_BAND_BASES: tuple[str, ...] = ("uncertainty",)

#: A passing check this close to an edge of its band (as a share of the band's width) is flagged near-edge.
NEAR_EDGE_SHARE = 0.1


def near_edge(value: float, band: tuple[float, float], open_end: str | None = None, resolution: float = 0.0) -> bool:
    """Whether ``value`` lies near a judged edge of its band. A band of zero width (a value that must equal the
    cited one) has no edge to be near. ``open_end`` ("high" or "low") names an end that is no criterion (a
    placeholder for "above the threshold", or the quantity's own limit, as 1 for a share); a lower end of 0 is
    never judged either (counts, ratios and days cannot go below it). With both ends judged, near means within
    :data:`NEAR_EDGE_SHARE` of the band's width (on a log scale for a positive band spanning more than a factor
    10); with one, within that share of the threshold's own value. A read-out that moves in steps (``resolution``,
    in its own unit: 1 for a whole-day engraftment day) is also near when at most one step from a judged edge: a
    delay of 2 days against "at least 1" is a step from its edge, though 10% of 1 day would never flag it."""
    low, high = float(band[0]), float(band[1])
    value = float(value)
    if not (low < high) or not (low <= value <= high) or not math.isfinite(value):
        return False
    judge_low, judge_high = open_end != "low" and low != 0.0, open_end != "high"
    if resolution > 0 and ((judge_low and value - low <= resolution) or (judge_high and high - value <= resolution)):
        return True
    if judge_low and judge_high:
        if low > 0 and high / low > 10:
            low, high, value = math.log(low), math.log(high), math.log(value)
        margin = NEAR_EDGE_SHARE * (high - low)
        return value - low < margin or high - value < margin
    if judge_low:
        return value - low < NEAR_EDGE_SHARE * abs(low)
    if judge_high:
        return high - value < NEAR_EDGE_SHARE * abs(high)
    return False


@dataclass(frozen=True)
class CheckResult:
    readout: str
    patient: str
    band: tuple[float, float]
    value: float | None
    status: Status
    why: str = ""
    near_edge: bool = False  # a pass within NEAR_EDGE_SHARE of the band's width, or one resolution step, of an edge

    def to_json(self) -> dict[str, Any]:
        return {"readout": self.readout, "patient": self.patient, "band": list(self.band), "value": self.value,
                "status": self.status, "why": self.why, "near_edge": self.near_edge}


@dataclass(frozen=True)
class TargetResult:
    id: str
    group: str
    quantity: str
    published: str
    pass_rule: str
    source: str
    status: Status
    checks: list[CheckResult] = field(default_factory=list)
    not_covered: str = ""
    note: str = ""
    target_class: TargetClass = "consistency"
    class_reason: str = ""
    calibrates: tuple[str, ...] = ()
    band_basis: BandBasis = "judgement"
    band_source: str = ""
    challenge: dict[str, Any] | None = None  # targets.yaml's challenge block (outcome, runs, values, readout, says)
    blind: bool = True
    blind_reason: str = ""
    envelope: bool = False  # the band is the envelope of several estimates' intervals (targets.yaml's envelope)

    @property
    def challenge_outcome(self) -> str | None:
        return None if self.challenge is None else str(self.challenge["outcome"])

    @property
    def calibrated_on(self) -> bool:
        """A parameter was chosen to meet this target, so it is not independent evidence."""
        return self.target_class == "calibration"

    @property
    def near_edge(self) -> bool:
        """A passing target one of whose judged checks lies near an edge of its band."""
        return self.status in ("pass", "partial") and any(c.near_edge for c in self.checks if c.status == "pass")

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "group": self.group, "quantity": self.quantity, "published": self.published,
                "pass": self.pass_rule, "source": self.source, "status": self.status,
                "class": self.target_class, "class_reason": self.class_reason, "calibrates": list(self.calibrates),
                "band_basis": self.band_basis, "band_source": self.band_source, "near_edge": self.near_edge,
                "calibrated_on": self.calibrated_on, "not_covered": self.not_covered, "note": self.note,
                "challenge": self.challenge, "blind": self.blind, "blind_reason": self.blind_reason,
                "envelope": self.envelope, "checks": [c.to_json() for c in self.checks]}


@dataclass(frozen=True)
class ValidationReport:
    targets: list[TargetResult]

    @property
    def failed(self) -> list[TargetResult]:
        return [t for t in self.targets if t.status == "fail"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.targets:
            out[t.status] = out.get(t.status, 0) + 1
        return out

    def class_counts(self) -> dict[str, dict[str, int]]:
        """Per class: how many targets have each status, and how many passing ones are near an edge."""
        out: dict[str, dict[str, int]] = {c: {} for c in TARGET_CLASSES}
        for t in self.targets:
            row = out[t.target_class]
            row[t.status] = row.get(t.status, 0) + 1
            if t.near_edge:
                row["near edge"] = row.get("near edge", 0) + 1
        return out

    def summary(self) -> str:
        """One line that counts only predictions as validation."""
        def judged(cls: str) -> tuple[list[TargetResult], list[TargetResult]]:
            covered = [t for t in self.targets if t.target_class == cls and t.status != "not covered"]
            return [t for t in covered if t.status in ("pass", "partial")], covered

        passed, covered = judged("prediction")
        estimate = ("uncertainty", "exact")  # the uncertainty of the source's estimate, or its value itself
        by_basis = {"uncertainty": sum(t.band_basis in estimate for t in passed),
                    **{b: sum(t.band_basis == b for t in passed) for b in ("range", "threshold", "judgement")}}
        near = sum(t.near_edge for t in passed)
        # a partial target passes on the checks that run and has others not covered: counted as a pass, said so
        partial = sum(t.status == "partial" for t in passed)
        partly = f"; {partial} of them partly covered (the checks that run pass)" if partial else ""
        cal_passed, cal = judged("calibration")
        con_passed, con = judged("consistency")
        published = by_basis["uncertainty"] + by_basis["range"]
        return (f"predictions: {len(passed)} pass / {len(covered)} ({self._challenged(passed)}; {published} on a "
                f"published interval: "
                f"{by_basis['uncertainty']} on the uncertainty of a published estimate"
                f"{self._estimate_clause([t for t in passed if t.band_basis in estimate])}, {by_basis['range']} within "
                f"a published spread of patients; {by_basis['threshold']} on a stated threshold or direction, "
                f"{by_basis['judgement']} on a project "
                f"band; {near} near an edge{partly}); calibration (fitted, not validation): {len(cal_passed)} pass / "
                f"{len(cal)}; consistency checks (not validation): {len(con_passed)} pass / {len(con)}")

    @classmethod
    def _estimate_clause(cls, passed: list[TargetResult]) -> str:
        """What the passes on an estimate's uncertainty rest on, in one parenthesis: the paired-estimate counts
        (:meth:`_paired_clause`), then how many are banded on the envelope of several estimates' intervals (a pass
        there may lie inside one estimate's interval and outside the others': O2); empty when none."""
        paired = cls._paired_clause(passed)
        envelope = sum(t.envelope for t in passed)
        if not envelope:
            return paired
        said = f"{envelope} on an envelope of several estimates' intervals"
        return f"{paired[:-1]}; {said})" if paired else f" ({envelope} of them on an envelope of several estimates' intervals)"

    @staticmethod
    def _paired_clause(passed: list[TargetResult]) -> str:
        """How many of these passes rest on a band that combines one cohort's two estimates as independent and would
        fail at the typical within-person correlation of such pairs (audit honest35, :mod:`hemasim.validation.paired`),
        and how many such passes have no typical correlation known; empty when neither."""
        from hemasim.validation.paired import fragile_passes  # the audit's source figures, read only for the summary

        would_fail, unknown = fragile_passes({"targets": [t.to_json() for t in passed]})
        if not (would_fail or unknown):
            return ""
        said = (f" ({len(would_fail)} of them on paired estimates combined as independent that would fail at a typical "
                f"within-person correlation")
        return said + (f", {len(unknown)} on such estimates with no typical correlation known)" if unknown else ")")

    @staticmethod
    def _challenged(passed: list[TargetResult]) -> str:
        """What the passing predictions were shown to test: how many a plausible change made fail, how many passed
        every change tried, how many were not challenged, and how many are not blind."""
        outcome = {o: sum(t.challenge_outcome == o for t in passed) for o in CHALLENGE_OUTCOMES}
        unsaid = sum(t.challenge is None for t in passed)
        parts = [f"of which {outcome['fails']} shown able to fail", f"{outcome['insensitive']} insensitive"]
        if outcome["untested"] or unsaid:
            parts.append(f"{outcome['untested'] + unsaid} not challenged")
        return ", ".join(parts) + f", {sum(not t.blind for t in passed)} not blind"

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.counts(), "classes": self.class_counts(), "summary": self.summary(),
                "targets": [t.to_json() for t in self.targets]}


def load_targets() -> dict[str, list[dict[str, Any]]]:
    """The transcribed targets shipped with the package (hemasim/validation/targets.yaml), a fresh copy on each
    call. The file is parsed and checked once a process for each text it holds (:func:`_parsed_targets`): the
    pure-Python YAML loader of the input limits takes ~0.35 s for it, the copy ~0.01 s, and `hemasim validate`,
    the validation card and the tests read it many times."""
    return copy.deepcopy(_parsed_targets(_targets_text()))


def target_groups() -> list[str]:
    """The groups of the targets file, in its order: what `hemasim validate --group` takes (its help and its
    --list-groups list them from here; its refusal names the bad value and points at --list-groups)."""
    return list(_parsed_targets(_targets_text()))


def _targets_text() -> str:
    return resources.files("hemasim.validation").joinpath("targets.yaml").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _parsed_targets(text: str) -> dict[str, list[dict[str, Any]]]:
    from hemasim._yaml_limits import load_yaml_text

    targets: dict[str, list[dict[str, Any]]] = load_yaml_text(text, "hemasim/validation/targets.yaml", "targets file")
    for group in targets.values():
        for target in group:
            check_target_class(target)
    return targets


def check_target_class(target: dict[str, Any]) -> None:
    """``ValueError`` naming the target and field unless it declares a known class with its reason, the
    parameters a calibration target calibrates (and only then), and a known band basis with its source."""
    where = f"hemasim/validation/targets.yaml: target {target.get('id')!r}"
    cls = target.get("class")
    if cls not in TARGET_CLASSES:
        raise ValueError(f"{where}: class is {cls!r}; allowed: {', '.join(TARGET_CLASSES)}")
    if target.get("band_basis") not in BAND_BASES:
        raise ValueError(f"{where}: band_basis is {target.get('band_basis')!r}; allowed: {', '.join(BAND_BASES)}")
    for key in ("class_reason", "band_source"):
        if not str(target.get(key, "")).strip():
            raise ValueError(f"{where}: {key} is missing; say why (see the file's header)")
    for check in target.get("checks", []):
        if check.get("open_end") not in (None, "high", "low"):
            raise ValueError(f"{where}: check {check.get('readout')!r}: open_end is {check.get('open_end')!r}; "
                             "allowed: high, low")
        resolution = check.get("resolution")
        if "resolution" in check and (isinstance(resolution, bool) or not isinstance(resolution, int | float)
                                      or not (math.isfinite(resolution) and resolution > 0)):
            raise ValueError(f"{where}: check {check.get('readout')!r}: resolution is {resolution!r}; allowed: a "
                             "positive number (the read-out's step, in its own unit)")
    _check_challenge(target, where)
    _check_paired(target, where)
    _check_envelope(target, where)
    calibrates = target.get("calibrates")
    if cls == "calibration" and not (isinstance(calibrates, list) and calibrates):
        raise ValueError(f"{where}: a calibration target lists the parameters it calibrates in calibrates")
    if cls != "calibration" and calibrates is not None:
        raise ValueError(f"{where}: calibrates is only for class calibration (this one is {cls})")


def needs_paired(target: dict[str, Any]) -> bool:
    """Whether the target must declare ``paired``: its band is an interval (uncertainty or range) of a ratio or a
    difference, i.e. built from two estimates."""
    unit = str(target.get("unit", "")).strip().lower()
    return target.get("band_basis") in PAIRED_BAND_BASES and (unit == "ratio" or "difference" in unit)


def _check_declared_flag(target: dict[str, Any], where: str, field: str, needed: bool, why: str) -> None:
    """``field`` a bool where given, and given (no default) where ``needed``; ``why``: what the missing flag says."""
    if field in target and not isinstance(target[field], bool):
        raise ValueError(f"{where}: {field} is {target[field]!r}; allowed: true, false")
    if needed and field not in target:
        raise ValueError(f"{where}: {field} is missing; {why}")


def _check_paired(target: dict[str, Any], where: str) -> None:
    """``paired`` a bool where given, and given (no default) wherever :func:`needs_paired` says so."""
    _check_declared_flag(target, where, "paired", needs_paired(target),
                         "a ratio or difference banded on an interval says whether its two estimates come from the "
                         "same subjects (true) or different groups (false): docs/validation.md, 'Paired measurements: "
                         "the audit'")


def needs_envelope(target: dict[str, Any]) -> bool:
    """Whether the target must declare ``envelope``: its band is an estimate's uncertainty, which may be one
    estimate's interval or the envelope of several's."""
    return target.get("band_basis") in ENVELOPE_BAND_BASES


def _check_envelope(target: dict[str, Any], where: str) -> None:
    """``envelope`` a bool where given, given (no default) wherever :func:`needs_envelope` says so, and true only
    there (the summary counts it inside the passes on an estimate's uncertainty)."""
    _check_declared_flag(target, where, "envelope", needs_envelope(target),
                         "a band on an estimate's uncertainty says whether it is the envelope of several estimates' "
                         "intervals (true) or one estimate's (false): docs/validation.md, 'How the bands were sourced'")
    if target.get("envelope") is True and not needs_envelope(target):
        raise ValueError(f"{where}: envelope: true is only for band_basis uncertainty (this one is "
                         f"{target.get('band_basis')!r})")


def _check_challenge(target: dict[str, Any], where: str) -> None:
    """A prediction's ``challenge`` (optional): a known outcome, what it says, the challenge runs with the judged
    read-out's value in each (none for ``untested``); ``blind`` a bool, and ``blind: false`` says why."""
    challenge = target.get("challenge")
    if challenge is not None:
        if target.get("class") != "prediction":
            raise ValueError(f"{where}: challenge is only for class prediction (this one is {target.get('class')})")
        if not isinstance(challenge, dict) or challenge.get("outcome") not in CHALLENGE_OUTCOMES:
            got = challenge.get("outcome") if isinstance(challenge, dict) else challenge
            raise ValueError(f"{where}: challenge outcome is {got!r}; allowed: {', '.join(CHALLENGE_OUTCOMES)}")
        if not str(challenge.get("says", "")).strip():
            raise ValueError(f"{where}: challenge says is missing; say what the change did")
        runs, values = challenge.get("runs") or [], challenge.get("values") or []
        if challenge["outcome"] != "untested" and not (runs and len(runs) == len(values) and challenge.get("readout")):
            raise ValueError(f"{where}: challenge runs and values (one value of its readout a run) are needed "
                             f"for outcome {challenge['outcome']}")
    blind = target.get("blind", True)
    if not isinstance(blind, bool):
        raise ValueError(f"{where}: blind is {blind!r}; allowed: true, false")
    if not blind and not str(target.get("blind_reason", "")).strip():
        raise ValueError(f"{where}: blind_reason is missing; say why the target is not blind")


def _check(check: dict[str, Any], info: bool, runs: ValidationRuns) -> CheckResult:
    """Measure one check's read-out on its patient and judge it against its band (an info check is not judged)."""
    band = (float(check["band"][0]), float(check["band"][1]))
    value = find_readout(check["readout"]).value(PATIENTS[check["patient"]], runs)
    ok = band[0] <= value <= band[1]
    status: Status = "info" if info else "pass" if ok else "fail"
    return CheckResult(check["readout"], check["patient"], band, float(value), status,
                       " ".join(str(check.get("why", "")).split()), near_edge=status == "pass" and near_edge(
                           value, band, check.get("open_end"), float(check.get("resolution", 0.0))))


def _target_status(checks: list[CheckResult]) -> Status:
    covered = [c for c in checks if c.status not in ("not covered", "info")]
    if not covered:
        return "not covered"
    if any(c.status == "fail" for c in covered):
        return "fail"
    if any(c.status == "not covered" for c in checks):
        return "partial"
    return "pass"


def _target(group: str, target: dict[str, Any], runs: ValidationRuns) -> TargetResult:
    judged = [(c, False) for c in target.get("checks", [])] + [(c, True) for c in target.get("info_checks", [])]
    checks = [_check(c, info, runs) for c, info in judged]
    for c in target.get("not_covered_checks", []):
        checks.append(CheckResult(c["readout"], "-", (float(c["band"][0]), float(c["band"][1])), None,
                                  "not covered", " ".join(str(c["why"]).split())))
    return TargetResult(
        id=target["id"], group=group, quantity=str(target["quantity"]), published=str(target.get("value", "")),
        pass_rule=str(target.get("pass", "")), source=str(target.get("source", "")), status=_target_status(checks),
        checks=checks, not_covered=str(target.get("not_covered", "")), note=" ".join(str(target.get("note", "")).split()),
        target_class=target["class"], class_reason=" ".join(str(target["class_reason"]).split()),
        calibrates=tuple(target.get("calibrates") or ()), band_basis=target["band_basis"],
        band_source=" ".join(str(target["band_source"]).split()), challenge=_challenge(target.get("challenge")),
        blind=bool(target.get("blind", True)), blind_reason=" ".join(str(target.get("blind_reason", "")).split()),
        envelope=bool(target.get("envelope", False)))


def _challenge(challenge: dict[str, Any] | None) -> dict[str, Any] | None:
    """The challenge block as the card carries it (its text on one line)."""
    if challenge is None:
        return None
    return {**challenge, "says": " ".join(str(challenge["says"]).split())}


def run_validation(groups: list[str] | None = None,
                   progress: Callable[[str, int, int, int], None] | None = None) -> ValidationReport:
    """Evaluate every target (or only those in ``groups``); ``progress(group, index, n_groups, n_targets)`` is
    called as each group starts (index from 0)."""
    runs = ValidationRuns()  # settled patients and the clonal run, shared by this validation's read-outs
    chosen = [(group, targets) for group, targets in load_targets().items() if not groups or group in groups]
    results: list[TargetResult] = []
    for index, (group, targets) in enumerate(chosen):
        if progress is not None:
            progress(group, index, len(chosen), len(targets))
        results.extend(_target(group, t, runs) for t in targets)
    return ValidationReport(results)


__all__ = ["BAND_BASES", "CHALLENGE_OUTCOMES", "PATIENTS", "SETTLE_DAYS", "TARGET_CLASSES", "CheckResult", "TargetResult", "ValidationReport",
           "check_target_class", "load_targets", "near_edge", "needs_envelope", "needs_paired", "run_validation"]
