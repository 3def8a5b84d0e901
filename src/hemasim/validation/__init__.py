"""Validation harness: published human reference values, each a scenario + read-out + pass band.

``run_validation()`` simulates the reference patients (settled healthy state, one year without
intervention and with age frozen), measures every covered target's read-outs and returns a
report card. Targets the model cannot address yet are reported as not covered, with the work
that will cover them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from hemasim.biology import Covariates, healthy_human_model
from hemasim.simulation import Result, Simulation
from hemasim.validation.patients import PATIENTS
from hemasim.validation.readouts import CLONAL, COMPOSITE, STANDALONE, _clonal_run, drug_set_readout, readout

Status = Literal["pass", "fail", "partial", "not covered", "info"]

SETTLE_DAYS = 365.0


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
    import yaml

    text = resources.files("hemasim.validation").joinpath("targets.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _settled(cov: Covariates) -> Result:
    return Simulation(healthy_human_model(cov, aging=False)).run(SETTLE_DAYS, output_every_days=SETTLE_DAYS / 4)


def run_validation(groups: list[str] | None = None) -> ValidationReport:
    """Evaluate every target (or only those in ``groups``)."""
    cache = functools.lru_cache(maxsize=None)(_settled)
    clonal = functools.lru_cache(maxsize=None)(_clonal_run)

    def at_age(base: Covariates, age: float) -> Result:
        return cache(Covariates(age, base.sex, base.weight_kg, base.height_cm))

    results: list[TargetResult] = []
    for group, targets in load_targets().items():
        if groups and group not in groups:
            continue
        for t in targets:
            checks: list[CheckResult] = []
            judged = [(c, False) for c in t.get("checks", [])] + [(c, True) for c in t.get("info_checks", [])]
            for c, info in judged:
                band = (float(c["band"][0]), float(c["band"][1]))
                base = PATIENTS[c["patient"]]
                if c["readout"].startswith(("drug_set:", "drug_set_fold:")):
                    value = drug_set_readout(c["readout"])
                elif c["readout"] in STANDALONE:
                    value = STANDALONE[c["readout"]]()
                elif c["readout"] in CLONAL:
                    value = CLONAL[c["readout"]](clonal())
                elif c["readout"] in COMPOSITE:
                    value = COMPOSITE[c["readout"]](functools.partial(at_age, base))
                else:
                    value = readout(cache(base), c["readout"])
                ok = band[0] <= value <= band[1]
                status_c: Status = "info" if info else "pass" if ok else "fail"
                checks.append(CheckResult(c["readout"], c["patient"], band, float(value), status_c,
                                          " ".join(str(c.get("why", "")).split())))
            for c in t.get("not_covered_checks", []):
                checks.append(CheckResult(c["readout"], "-", (float(c["band"][0]), float(c["band"][1])), None,
                                          "not covered", " ".join(str(c["why"]).split())))
            covered = [c for c in checks if c.status not in ("not covered", "info")]
            if not covered:
                status: Status = "not covered"
            elif any(c.status == "fail" for c in covered):
                status = "fail"
            elif any(c.status == "not covered" for c in checks):
                status = "partial"
            else:
                status = "pass"
            results.append(TargetResult(
                id=t["id"], group=group, quantity=str(t["quantity"]), published=str(t.get("value", "")),
                pass_rule=str(t.get("pass", "")), source=str(t.get("source", "")), status=status, checks=checks,
                not_covered=str(t.get("not_covered", "")), calibrated_on=bool(t.get("calibrated_on", False)),
                note=" ".join(str(t.get("note", "")).split())))
    return ValidationReport(results)


__all__ = ["PATIENTS", "CheckResult", "TargetResult", "ValidationReport", "load_targets", "run_validation"]
