"""The ranges stage 5 of the screen of the assumed parameters varies the stem and progenitor parameters over: each
one's stage-4 range cut by the 95% profile-likelihood intervals of the calibration fits that profiled it
(docs/sensitivity.md, "Stage 5 (design)").

The profiles are the recorded ones, reused as recorded (their points: value, objective), not recomputed:

* the joint fit of the stem and progenitor kinetics (``hemasim.inference.joint``; docs/joint_fit.md, section 3:
  engraftment medians of T2, T10, T11 and the Kloft 2006 docetaxel course of C9), ``coarse_profile`` in its
  settings A and C;
* the taxane calibration profile (``hemasim.inference.progenitor_kinetics``; docs/chemotherapy_full_model.md, "Dose
  and schedule", rerun on the adopted values: docs/images/progenitor_kinetics_profile.json; the Kloft 2006 and
  Quartino 2014 docetaxel courses and the Chen 2014 nab-paclitaxel courses).

An interval is computed by the joint fit's own code (:func:`hemasim.inference.joint.profile_crossings`: the hull of the
points within 1.92 of the lowest, ends interpolated towards the next point; open where the outermost point is still
within). A point its record marks as a wall (a datum scored as lost by the engraftment read-out since replaced) is
left out. An interval that excludes the shipped value does not cut the range: the parameter is reported as rejected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["PROFILES", "RecordedProfile", "ScreenedRange", "profile_interval", "screened_range"]


@dataclass(frozen=True)
class RecordedProfile:
    """One recorded profile of ``parameter`` on calibration data: the fit (and its setting), where it was
    recorded, its points (value in the parameter's unit, objective) and the values its record marks as walls."""

    fit: str
    parameter: str
    recorded: str
    points: tuple[tuple[float, float], ...]
    walls: tuple[float, ...] = ()


JOINT = "joint fit (T2, T10, T11, C9)"  # hemasim.inference.joint, coarse_profile
TAXANE = "taxane profile (Kloft 2006, Quartino 2014, Chen 2014)"  # hemasim.inference.progenitor_kinetics
RATIO, MPP = "progenitor_baseline_self_renewal_ratio", "mpp_residence_days"

#: every profile of the five stage-5 parameters on calibration data that the project records
PROFILES: tuple[RecordedProfile, ...] = (
    RecordedProfile(JOINT.replace("fit", "fit A", 1), RATIO, "docs/joint_fit.md, section 3, coarse profiles",
                    ((0.25, 362.0), (0.38, 74.77), (0.52, 73.77), (0.65, 73.61), (0.79, 75.97), (0.92, 100.2),
                     (0.95, 126.2)), walls=(0.25,)),
    RecordedProfile(JOINT.replace("fit", "fit C", 1), RATIO, "docs/joint_fit.md, section 3, coarse profiles",
                    ((0.22, 76.41), (0.36, 75.40), (0.49, 75.20), (0.63, 75.98), (0.76, 80.60), (0.90, 107.3),
                     (0.95, 145.8))),
    RecordedProfile(JOINT.replace("fit", "fit A", 1), MPP, "docs/joint_fit.md, section 3, coarse profiles",
                    ((4.0, 79.66), (7.4, 178.9), (13.6, 74.25), (25.1, 73.61), (46.5, 73.24), (60.0, 73.21)),
                    walls=(7.4,)),
    RecordedProfile(TAXANE, RATIO, "docs/images/progenitor_kinetics_profile.json, ratio_profile",
                    ((0.3, 189.971954969256), (0.4, 189.2917203421711), (0.5, 188.91132783903507),
                     (0.6, 189.35561535252072), (0.7, 191.8916203433368), (0.8, 200.14676880854458))),
    RecordedProfile(TAXANE, MPP, "docs/images/progenitor_kinetics_profile.json, mpp_profile",
                    ((3.0, 188.49867682753373), (10.0, 188.91132783903507), (20.0, 187.65468695465535),
                     (30.0, 186.9675836568332), (45.0, 186.4089630289497), (60.0, 186.09147588056294))),
)


def profile_interval(profile: RecordedProfile) -> tuple[float | None, float | None]:
    """The 95% interval of a recorded profile (None: open on that side), its wall points left out."""
    import numpy as np

    from hemasim._confidence import LR_STEP_95
    from hemasim.inference.joint import profile_crossings

    kept = sorted(p for p in profile.points if p[0] not in profile.walls)
    grid = np.array([p[0] for p in kept])
    values = np.array([p[1] for p in kept])
    best = int(values.argmin())
    return profile_crossings(grid, values, float(grid[best]), float(values[best]) + LR_STEP_95)


@dataclass(frozen=True)
class ScreenedRange:
    """A parameter's stage-5 range: ``low``-``high``, the intervals that cut it (fit: interval) and the fits whose
    interval excludes the shipped value (the range is then the stage-4 one, uncut)."""

    low: float
    high: float
    intervals: Mapping[str, tuple[float | None, float | None]]
    rejected_by: tuple[str, ...]

    def describe(self, base: tuple[float, float]) -> str:
        if self.rejected_by:
            return (f"{base[0]:g}-{base[1]:g} (stage 4's range, uncut: the shipped value lies outside the 95% profile "
                    f"interval of the {' and the '.join(self.rejected_by)})")
        if (self.low, self.high) == base:
            return f"{base[0]:g}-{base[1]:g} (stage 4's range; no calibration profile cuts it)"
        return (f"{self.low:.3g}-{self.high:.3g} (stage 4's {base[0]:g}-{base[1]:g} cut by the calibration fits' 95% "
                "profile intervals)")


def screened_range(name: str, base: tuple[float, float], value: float,
                   profiles: Sequence[RecordedProfile] = PROFILES) -> ScreenedRange:
    """The rule: ``base`` (the stage-4 range) intersected with the 95% interval of each profile of ``name``; an
    open side cuts nothing; an interval that excludes ``value`` (the shipped value) leaves ``base`` uncut."""
    intervals = {p.fit: profile_interval(p) for p in profiles if p.parameter == name}
    rejected = tuple(fit for fit, (lo, hi) in intervals.items()
                     if (lo is not None and value < lo) or (hi is not None and value > hi))
    low, high = base
    if not rejected:
        for lo, hi in intervals.values():
            low = low if lo is None else max(low, lo)
            high = high if hi is None else min(high, hi)
    return ScreenedRange(low, high, intervals, rejected)
