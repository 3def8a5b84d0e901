"""Validation harness: published human reference values, each a scenario + read-out + pass band.

``run_validation()`` simulates the reference patients (settled healthy state, one year without
intervention and with age frozen), measures every covered target's read-outs and returns a
report card. Targets the model cannot address yet are reported as not covered, with the work
that will cover them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from hemasim.validation.base import SETTLE_DAYS, ValidationRuns
from hemasim.validation.patients import PATIENTS
from hemasim.validation.readouts import find_readout

Status = Literal["pass", "fail", "partial", "not covered", "info"]

@dataclass(frozen=True)
class CheckResult:
    readout: str
    patient: str
    band: tuple[float, float]
    value: float | None
    status: Status
    why: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"readout": self.readout, "patient": self.patient, "band": list(self.band), "value": self.value,
                "status": self.status, "why": self.why}


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
    calibrated_on: bool = False
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "group": self.group, "quantity": self.quantity, "published": self.published,
                "pass": self.pass_rule, "source": self.source, "status": self.status,
                "calibrated_on": self.calibrated_on, "not_covered": self.not_covered, "note": self.note,
                "checks": [c.to_json() for c in self.checks]}


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

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.counts(), "targets": [t.to_json() for t in self.targets]}


def load_targets() -> dict[str, list[dict[str, Any]]]:
    """The transcribed targets shipped with the package (hemasim/validation/targets.yaml)."""
    from hemasim._yaml_limits import load_yaml_text

    text = resources.files("hemasim.validation").joinpath("targets.yaml").read_text(encoding="utf-8")
    return load_yaml_text(text, "hemasim/validation/targets.yaml", "targets file")


def _check(check: dict[str, Any], info: bool, runs: ValidationRuns) -> CheckResult:
    """Measure one check's read-out on its patient and judge it against its band (an info check is not judged)."""
    band = (float(check["band"][0]), float(check["band"][1]))
    value = find_readout(check["readout"]).value(PATIENTS[check["patient"]], runs)
    ok = band[0] <= value <= band[1]
    status: Status = "info" if info else "pass" if ok else "fail"
    return CheckResult(check["readout"], check["patient"], band, float(value), status,
                       " ".join(str(check.get("why", "")).split()))


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
        checks=checks, not_covered=str(target.get("not_covered", "")),
        calibrated_on=bool(target.get("calibrated_on", False)), note=" ".join(str(target.get("note", "")).split()))


def run_validation(groups: list[str] | None = None) -> ValidationReport:
    """Evaluate every target (or only those in ``groups``)."""
    runs = ValidationRuns()  # settled patients and the clonal run, shared by this validation's read-outs
    return ValidationReport([_target(group, t, runs) for group, targets in load_targets().items()
                             if not groups or group in groups for t in targets])


__all__ = ["PATIENTS", "SETTLE_DAYS", "CheckResult", "TargetResult", "ValidationReport", "load_targets", "run_validation"]
