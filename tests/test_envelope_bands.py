"""The ``envelope`` field (review36b, branch mend36b): every band on an estimate's uncertainty says whether it is one
estimate's interval or the envelope (union) of several estimates' intervals, and the card's summary counts the passes
on an envelope inside its count of passes on an estimate's uncertainty. O2 passes on the envelope of three HPV types'
intervals that disagree; any stricter reading of them fails it (recomputed here from the published intervals)."""

from __future__ import annotations

import math
import re

import pytest

from hemasim.validation import CheckResult, TargetResult, ValidationReport, check_target_class, load_targets
from tests.conftest import ROOT

#: the audit (mend36b): the bands that are the envelope of several estimates' intervals, one per HPV type or influenza
#: strain, for a model with one antigen; every other uncertainty band is one estimate's (S20's 20,000-200,000 is
#: Mitchell 2022's range, Lee-Six 2018's 50,000-200,000 inside it)
ENVELOPES = {"P18", "L5", "L6", "O1", "O2", "O3"}
#: Bhatla 2018 Table 3, two doses over three at 10-14 years, by type: (ratio, 95% lower, upper); O2's band
O2_TYPES = {"16": (0.75, 0.50, 1.12), "18": (0.34, 0.20, 0.56), "6": (0.68, 0.52, 0.89)}
O2_MODEL = 0.281  # the card's value (O2's note)


def _all_targets() -> dict[str, dict]:
    return {t["id"]: t for group in load_targets().values() for t in group}


def test_every_uncertainty_band_declares_envelope_and_the_envelopes_are_the_audits():
    targets = _all_targets()
    uncertainty = {tid for tid, t in targets.items() if t["band_basis"] == "uncertainty"}
    assert all(isinstance(targets[tid]["envelope"], bool) for tid in uncertainty)
    assert {tid for tid, t in targets.items() if t.get("envelope") is True} == ENVELOPES
    for tid in ENVELOPES:  # each says so where its band is read
        assert "envelope of" in " ".join(str(targets[tid]["band_source"]).split()), tid
    for tid in uncertainty - ENVELOPES:
        assert "envelope of" not in " ".join(str(targets[tid]["band_source"]).split()), tid


@pytest.mark.parametrize(("change", "message"), [
    ({"envelope": None}, "envelope is missing"),  # None: the field left out (below)
    ({"envelope": "yes"}, "envelope is 'yes'; allowed: true, false"),
    ({"band_basis": "range", "envelope": True}, "envelope: true is only for band_basis uncertainty"),
])
def test_the_loader_refuses_an_uncertainty_band_without_an_envelope_bool(change, message):
    target = {"id": "X1", "class": "prediction", "class_reason": "never fitted", "band_basis": "uncertainty",
              "band_source": "the source's 95% CI", "envelope": False}
    check_target_class(target)
    check_target_class({**target, "envelope": True})
    check_target_class({k: v for k, v in target.items() if k != "envelope"} | {"band_basis": "threshold"})
    changed = {**target, **change}
    if change.get("envelope", 0) is None:
        del changed["envelope"]
    with pytest.raises(ValueError, match="target 'X1': " + re.escape(message)):
        check_target_class(changed)


def _target(tid: str, envelope: bool, status: str = "pass", cls: str = "prediction",
            basis: str = "uncertainty") -> TargetResult:
    check = CheckResult("r", "reference_male", (0.0, 1.0), 0.5, "pass" if status == "pass" else "fail")
    return TargetResult(tid, "g", "q", "p", "rule", "src", status, [check], target_class=cls,  # type: ignore[arg-type]
                        band_basis=basis, envelope=envelope)  # type: ignore[arg-type]


def test_the_summary_counts_passing_predictions_on_an_envelope_inside_the_estimate_count():
    def clause(*targets: TargetResult) -> str:
        said = re.search(r"on the uncertainty of a published estimate( \([^)]*\))?, ",
                         ValidationReport(list(targets)).summary())
        assert said is not None
        return said.group(1) or ""

    assert clause(_target("A", True), _target("B", False)) == (
        " (1 of them on an envelope of several estimates' intervals)")
    assert clause(_target("B", False)) == ""
    # a failing prediction or a passing consistency check on an envelope is not counted
    assert clause(_target("A", True, status="fail"), _target("C", True, cls="consistency")) == ""


def test_the_card_summary_says_the_envelope_count_after_the_paired_counts():
    page = (ROOT / "docs" / "validation_predictions.md").read_text(encoding="utf-8")
    summary = re.search(r"Card summary: (.*)", page)
    assert summary is not None
    said = re.search(r"on the uncertainty of a published estimate \(\d+ of them on paired [^()]*; (\d+) on an envelope "
                     r"of several estimates' intervals\), ", summary.group(1))
    assert said is not None and int(said.group(1)) == 2  # P18 and O2 pass; L5, L6, O1, O3 fail


def test_o2_passes_only_through_the_envelope_rule():
    """review36b: the three types' intervals disagree (Cochran's Q 6.5 on 2 df), their intersection is 0.52-0.56 and a
    DerSimonian-Laird random-effects pooled ratio 0.58 (0.39-0.87): the model's 0.281 lies in none, only in the union
    (through HPV 18's interval alone)."""
    band = _all_targets()["O2"]["checks"][0]["band"]
    assert band == [min(v[1] for v in O2_TYPES.values()), max(v[2] for v in O2_TYPES.values())] == [0.20, 1.12]
    y = [math.log(r) for r, _, _ in O2_TYPES.values()]
    se = [(math.log(hi) - math.log(lo)) / (2 * 1.959964) for _, lo, hi in O2_TYPES.values()]
    w = [1 / s**2 for s in se]
    fixed = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sum(w)
    q = sum(wi * (yi - fixed) ** 2 for wi, yi in zip(w, y, strict=True))
    tau2 = max(0.0, (q - 2) / (sum(w) - sum(wi**2 for wi in w) / sum(w)))
    wr = [1 / (s**2 + tau2) for s in se]
    pooled = sum(wi * yi for wi, yi in zip(wr, y, strict=True)) / sum(wr)
    half = 1.959964 / math.sqrt(sum(wr))
    assert q == pytest.approx(6.5, abs=0.05)
    assert [round(math.exp(pooled + d), 2) for d in (0.0, -half, half)] == [0.58, 0.39, 0.87]
    intersection = (max(v[1] for v in O2_TYPES.values()), min(v[2] for v in O2_TYPES.values()))
    assert intersection == (0.52, 0.56)
    assert band[0] <= O2_MODEL <= band[1]  # the envelope holds it
    assert not intersection[0] <= O2_MODEL and O2_MODEL < math.exp(pooled - half)  # no stricter reading does
    assert [lo <= O2_MODEL <= hi for _, lo, hi in O2_TYPES.values()] == [False, True, False]
