"""Joint fit of the stem/progenitor recovery kinetics to every calibration datum that informs them (docs/joint_fit.md).

Two blocks of published calibration data, one parameter vector:

* **engraftment** - the six published median engraftment days after autologous PBSC grafts (Gunn 2003, Ergene
  2007; targets T2, T10, T11), read as in :mod:`hemasim.inference.engraftment` (the day a count climbs back
  through its threshold, log-normal residuals with the SDs from Gunn's hazard-ratio CIs);
* **docetaxel** - the typical ANC course of the Kloft 2006 docetaxel model (DDMODEL00000224; daily, days 1-21,
  reference woman, 100 mg/m2, log-normal residual SD 0.424; target C9), as :mod:`hemasim.inference.docetaxel`
  builds it. The neutrophil structure (stages, divisions, mitotic transit) and the full model's docetaxel slope
  are held at their shipped (fitted) values: that fit owns them.

No prediction-class target enters: T1, T5, T7-T9 (engraftment), C4-C8 (chemotherapy) were chosen before any fit.
The steady-state counts are not data here: every parameter fitted leaves the healthy steady state where the set
points put it (a test holds this).

The joint objective is the sum of the two blocks' objectives; it presents the engine's :class:`Objective`
interface, so the engine's least squares fits it. Profiles are :func:`coarse_profile`: the objective on a few
points of each parameter, the others re-optimised by a bounded number of least-squares steps from the optimum (an
upper bound on the exact profile; cheaper than the engine's walk, which on this problem needs hours on a shared
core).

Run: ``python -m hemasim.inference.joint [--free A,B] [--profile-points K] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hemasim._confidence import LR_STEP_95
from hemasim.inference.engraftment import CALIBRATION_DATA, EngraftmentObjective, engraftment_problem
from hemasim.inference.noise import NoiseModel
from hemasim.inference.objective import Objective
from hemasim.inference.problem import Condition, EstimatedParameter, Measurements, ObservableSpec, Problem
from hemasim.inference.sources import BuilderSource
from hemasim.io import write_json_report

if TYPE_CHECKING:
    from hemasim.biology import Covariates
    from hemasim.model import Model
    from hemasim.pharmacology import Regimen

__all__ = ["DEFAULT_FREE", "JOINT_PARAMETERS", "JointObjective", "coarse_profile", "docetaxel_problem",
           "joint_objective", "main", "profile_crossings", "slice_scan"]

DOCETAXEL_SET = "docetaxel_kloft2006"
#: Kloft 2006 residual SD on log ANC (DDMODEL00000224 $THETA(5) = 0.424093, as in nlmixr2lib)
KLOFT_RESIDUAL_SD_LOG = 0.424
KLOFT_SOURCE = ("Kloft 2006 typical ANC course (DDMODEL00000224, the set docetaxel_kloft2006 run as its chain; "
                "target C9), docetaxel 100 mg/m2 1-h infusion, reference woman, days 1-21, log-normal residual SD 0.424")


@dataclass(frozen=True)
class JointParameter:
    """An estimable parameter: its id (a model parameter or a graft content), search range, scale, and which
    blocks it enters."""

    name: str
    lower: float
    upper: float
    scale: str  # "log10" or "lin"
    engraftment: bool = True
    docetaxel: bool = True
    unit: str = ""


#: every parameter the joint fit can estimate (``--free`` picks; :data:`DEFAULT_FREE` by default). The graft
#: contents, lodging and megakaryocyte progenitor exit enter only the transplant (the exit rate would move the
#: docetaxel course only through platelets, which the Kloft course does not hold); the marrow parameters both.
JOINT_PARAMETERS: tuple[JointParameter, ...] = (
    JointParameter("graft_short_term_units_per_cd34", 1e-8, 1e-4, "log10", docetaxel=False),
    JointParameter("graft_st_hspc_per_cd34", 1e-8, 1e-4, "log10", docetaxel=False),
    JointParameter("megakaryocyte_progenitor_exit_rate_per_day", 0.02, 2.0, "log10", docetaxel=False, unit="1/day"),
    JointParameter("graft_lodging_days", 0.5, 20.0, "log10", docetaxel=False, unit="day"),
    JointParameter("progenitor_baseline_self_renewal_ratio", 0.05, 0.95, "lin"),
    JointParameter("st_hspc_baseline_self_renewal_ratio", 0.05, 0.9, "lin"),
    JointParameter("mpp_residence_days", 1.0, 60.0, "log10", unit="day"),
    JointParameter("st_hspc_max_proliferation_fold", 1.0, 20.0, "log10"),
    JointParameter("hsc_max_self_renewal_probability", 0.5, 1.0, "lin"),
    JointParameter("hsc_max_division_fold", 1.0, 100.0, "log10"),
    JointParameter("hsc_niche_hill", 0.5, 8.0, "log10"),
)
#: the parameters estimated unless ``--free`` says otherwise
DEFAULT_FREE = ("graft_short_term_units_per_cd34", "megakaryocyte_progenitor_exit_rate_per_day", "graft_lodging_days",
                "progenitor_baseline_self_renewal_ratio", "st_hspc_baseline_self_renewal_ratio", "mpp_residence_days")


def _estimated(spec: JointParameter, nominal: float) -> EstimatedParameter:
    return EstimatedParameter(spec.name, spec.name, spec.lower, spec.upper, min(max(nominal, spec.lower), spec.upper),
                              scale="log10" if spec.scale == "log10" else "lin", unit=spec.unit)


def shipped_values(specs: Sequence[JointParameter] = JOINT_PARAMETERS) -> dict[str, float]:
    """The shipped value of every joint parameter."""
    from hemasim.parameters import healthy_adult_parameters

    table = healthy_adult_parameters()
    return {s.name: table.value(s.name) for s in specs}


def _reference_woman() -> Covariates:
    from hemasim.validation.patients import PATIENTS

    return PATIENTS["reference_female"]


def _docetaxel_dose() -> Regimen:
    from hemasim.biology.body import body_surface_area_m2
    from hemasim.pharmacology import Regimen

    return Regimen(0.0, "docetaxel", "iv_infusion", 100.0 * body_surface_area_m2(_reference_woman()) * 1000.0,
                   1.0 / 24.0)


def docetaxel_problem(specs: Sequence[JointParameter], nominal: Mapping[str, float]) -> Problem:
    """The Kloft course (the data of :mod:`hemasim.inference.docetaxel`, target C9) as a :class:`Problem` whose
    model takes the marrow parameters of ``specs``; the drug set (and so the full model's docetaxel slope) and the
    neutrophil structure are the shipped ones."""
    from hemasim.biology import healthy_human_model
    from hemasim.inference.docetaxel import DAYS, kloft_typical_course
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.pharmacology import DrugExposure, load_drug_set

    names = tuple(s.name for s in specs if s.docetaxel)
    drug = load_drug_set(DOCETAXEL_SET)
    base = healthy_adult_parameters()
    patient = _reference_woman()

    def build(values: Mapping[str, float]) -> Model:
        params = base.with_values(**{n: float(values[n]) for n in names})
        return healthy_human_model(patient, params, aging=False, extensions=[DrugExposure(drug)])

    n = len(DAYS)
    meas = Measurements(condition=np.array(["typical_woman"] * n), time_days=DAYS.copy(),
                        observable=np.array(["anc"] * n), value=kloft_typical_course(), censored=np.zeros(n, dtype=bool),
                        source=KLOFT_SOURCE)
    source = BuilderSource(build, names, (_docetaxel_dose(),), label="full model, docetaxel 100 mg/m2")
    return Problem("docetaxel: Kloft 2006 typical ANC course", (Condition("typical_woman", source),),
                   (ObservableSpec("anc", "anc_1e9_per_L", NoiseModel("lognormal", KLOFT_RESIDUAL_SD_LOG)),),
                   tuple(_estimated(s, nominal[s.name]) for s in specs if s.docetaxel), meas, rtol=1e-6).checked()


class JointObjective(Objective):
    """The sum of the blocks' objectives over one parameter vector (the union of the blocks' parameters).

    Presents what the engine's fit needs (names, bounds, nominal, residuals, their batch Jacobian, the value);
    each block is simulated on its own columns of the batch.
    """

    def __init__(self, blocks: Sequence[Objective], parameters: Sequence[EstimatedParameter]) -> None:
        self.blocks = tuple(blocks)
        self.parameters = tuple(parameters)
        self.names = tuple(p.id for p in self.parameters)
        self.lower = np.array([float(p.to_scale(p.lower)) for p in self.parameters])
        self.upper = np.array([float(p.to_scale(p.upper)) for p in self.parameters])
        self.nominal = np.array([float(p.to_scale(p.nominal)) for p in self.parameters])
        self.n_evaluations = 0
        self._columns = [np.array([self.names.index(n) for n in b.names]) for b in self.blocks]
        self.data = np.concatenate([b.data for b in self.blocks])
        self.censored = np.zeros(len(self.data), dtype=bool)
        self._split = np.cumsum([len(b.data) for b in self.blocks])[:-1]

    @property
    def least_squares_form(self) -> bool:
        return all(b.least_squares_form for b in self.blocks)

    def predict(self, theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        self.n_evaluations += len(theta)
        return np.concatenate([b.predict(theta[:, cols]) for b, cols in zip(self.blocks, self._columns, strict=True)],
                              axis=1)

    def residuals(self, theta: np.ndarray, predictions: np.ndarray | None = None) -> np.ndarray:
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        y = self.predict(theta) if predictions is None else np.atleast_2d(predictions)
        parts = np.split(y, self._split, axis=1)
        return np.concatenate([b.residuals(theta[:, cols], part) for b, cols, part
                               in zip(self.blocks, self._columns, parts, strict=True)], axis=1)

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        y = self.predict(theta)
        parts = np.split(y, self._split, axis=1)
        total = sum(b.nll_terms(theta[:, cols], part).sum(axis=1) for b, cols, part
                    in zip(self.blocks, self._columns, parts, strict=True))
        return np.where(np.isfinite(total), total, 1e10)

    def block_values(self, theta: np.ndarray) -> list[float]:
        """Each block's objective at one vector (scaled)."""
        return [float(b(np.atleast_2d(theta)[:, cols])[0]) for b, cols in zip(self.blocks, self._columns, strict=True)]


def joint_objective(specs: Sequence[JointParameter] = JOINT_PARAMETERS,
                    nominal: Mapping[str, float] | None = None) -> JointObjective:
    """The joint objective over ``specs`` starting from ``nominal`` (default: the shipped values)."""
    start = {**shipped_values(specs), **(nominal or {})}
    estimated = [_estimated(s, start[s.name]) for s in specs]
    eng = engraftment_problem(CALIBRATION_DATA, parameters=[(s.name, s.lower, s.upper) for s in specs if s.engraftment],
                              nominal=start)
    eng = dataclasses.replace(eng, parameters=tuple(p for p in estimated if p.id in {s.name for s in specs
                                                                                     if s.engraftment})).checked()
    blocks: list[Objective] = [EngraftmentObjective(eng, CALIBRATION_DATA)]
    if any(s.docetaxel for s in specs):
        blocks.append(Objective(docetaxel_problem(specs, start)))
    return JointObjective(blocks, estimated)


def coarse_profile(objective: JointObjective, best: np.ndarray, j: int, offsets: Sequence[float],
                   steps: int = 4) -> dict[str, object]:
    """The objective with parameter ``j`` fixed at best + each offset (scaled units, clipped to its bounds), the
    others re-optimised from ``best`` by at most ``steps`` least-squares steps; the 95% interval is where it
    crosses best + 1.92 (interpolated; open where it does not within the points)."""
    from scipy.optimize import least_squares

    f_best = float(objective(best[None])[0])
    free = [k for k in range(len(best)) if k != j]
    points: list[tuple[float, float]] = [(float(best[j]), f_best)]
    for off in offsets:
        v = float(np.clip(best[j] + off, objective.lower[j], objective.upper[j]))
        if any(abs(v - p[0]) < 1e-9 for p in points):
            continue
        x = best.copy()
        x[j] = v

        def fun(z: np.ndarray, x: np.ndarray = x) -> np.ndarray:
            full = x.copy()
            full[free] = z
            return np.asarray(objective.residuals(full[None])[0])

        def jac(z: np.ndarray, x: np.ndarray = x) -> np.ndarray:
            full = x.copy()
            full[free] = z
            return np.asarray(objective.residuals_and_jacobian(full)[1][:, free])

        res = least_squares(fun, best[free], jac=jac, bounds=(objective.lower[free], objective.upper[free]),
                            max_nfev=steps, x_scale="jac")
        x[free] = res.x
        points.append((v, float(objective(x[None])[0])))
    points.sort()
    grid = np.array([p[0] for p in points])
    values = np.array([p[1] for p in points])
    p = objective.parameters[j]
    lo, hi = profile_crossings(grid, values, float(best[j]), f_best + LR_STEP_95)
    return {"name": p.id, "estimate": float(p.from_scale(best[j])),
            "grid": [float(v) for v in p.from_scale(grid)], "objective": [round(float(v), 4) for v in values],
            "ci": [None if lo is None else float(p.from_scale(lo)), None if hi is None else float(p.from_scale(hi))]}


def profile_crossings(grid: np.ndarray, values: np.ndarray, at: float, threshold: float
                      ) -> tuple[float | None, float | None]:
    """The 95% interval of a coarse profile: the hull of the points below ``threshold``, each end interpolated
    towards the next point beyond it; open (None) where the outermost point on that side is still below. A point
    above the threshold between points below it (a truncated re-optimisation stuck at an edge where a count no
    longer falls below its engraftment threshold) does not close the interval: the hull is the cautious reading."""
    below = np.nonzero(values < threshold)[0]
    if not below.size:
        return at, at
    out: list[float | None] = []
    for end, beyond in ((int(below.min()), int(below.min()) - 1), (int(below.max()), int(below.max()) + 1)):
        if not 0 <= beyond < len(grid):
            out.append(None)
            continue
        f0, f1 = values[end], values[beyond]
        frac = (threshold - f0) / (f1 - f0) if f1 > f0 else 1.0
        out.append(float(grid[end] + frac * (grid[beyond] - grid[end])))
    return out[0], out[1]


def slice_scan(objective: JointObjective, best: np.ndarray, points: int = 7) -> list[dict[str, object]]:
    """For each parameter: the objective along its whole search range (``points`` values evenly spaced on its
    scale), every other parameter held at ``best``; all vectors in one batch. A slice lies on or above the
    profile, so a slice that stays within :data:`LR_STEP_95` of the optimum over the whole range proves that the
    data do not bound the parameter there (a rise can be absorbed by the others: the profile must then say)."""
    f_best = float(objective(best[None])[0])
    grids = [np.linspace(objective.lower[j], objective.upper[j], points) for j in range(len(best))]
    batch = np.repeat(best[None], points * len(best), axis=0)
    for j, grid in enumerate(grids):
        batch[j * points:(j + 1) * points, j] = grid
    values = objective(batch)
    out: list[dict[str, object]] = []
    for j, grid in enumerate(grids):
        p = objective.parameters[j]
        rise = values[j * points:(j + 1) * points] - f_best
        out.append({"name": p.id, "estimate": float(p.from_scale(best[j])),
                    "grid": [float(v) for v in p.from_scale(grid)], "rise": [round(float(v), 3) for v in rise],
                    "flat": bool(np.all(rise < LR_STEP_95))})
    return out


def _report_fit(objective: JointObjective, x: np.ndarray, label: str) -> dict[str, object]:
    natural = dict(zip(objective.names, map(float, objective.natural(x[None])[0]), strict=True))
    predicted = objective.predict(x[None])[0]
    eng = objective.blocks[0]
    assert isinstance(eng, EngraftmentObjective)
    n_eng = len(eng.data)
    return {"label": label, "objective": float(objective(x[None])[0]), "blocks": objective.block_values(x),
            "estimates": natural,
            "engraftment_days": {d.id: round(float(v), 2) for d, v in zip(eng.datums, predicted[:n_eng], strict=True)},
            "docetaxel_anc": [round(float(v), 3) for v in predicted[n_eng:]],
            # engraftment days read from a count that never fell (continuous substitute; validation: "did not fall")
            "engraftment_never_below": [d.id for d, c in zip(eng.datums, eng.never_below[-1], strict=True) if c]}


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    """Fit, coarse-profile and print (optionally write as JSON) the joint estimates."""
    from hemasim.inference.optimize import local_fit, starting_points

    parser = argparse.ArgumentParser(description="Joint fit of the stem/progenitor recovery kinetics (docs/joint_fit.md)")
    parser.add_argument("--starts", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-iterations", type=int, default=60)
    parser.add_argument("--profile-points", type=int, default=6, help="points per parameter (0: no profiles)")
    parser.add_argument("--at", type=Path, default=None, help="a previous --out file: profile from its estimates")
    parser.add_argument("--profile-steps", type=int, default=6, help="least-squares steps per profile point")
    parser.add_argument("--free", default=",".join(DEFAULT_FREE),
                        help="comma-separated parameters to estimate (the others stay at their shipped values)")
    parser.add_argument("--start-from", type=Path, default=None, help="a previous --out file: start from its estimates")
    parser.add_argument("--profile", default="", help="comma-separated parameters to profile (default: every free one)")
    parser.add_argument("--scan-points", type=int, default=0,
                        help="points of a one-parameter slice across each search range at the estimate (0: none)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    free = [n for n in args.free.split(",") if n]
    unknown = sorted(set(free) - {s.name for s in JOINT_PARAMETERS})
    if unknown:
        parser.error(f"not a joint parameter: {', '.join(unknown)}")
    specs = tuple(s for s in JOINT_PARAMETERS if s.name in free)
    start: dict[str, float] = {}
    for earlier in (args.start_from, args.at):  # --at: start there and do not fit (parameters it lacks: shipped)
        if earlier is not None:
            start.update(json.loads(earlier.read_text(encoding="utf-8"))["fitted"]["estimates"])
    objective = joint_objective(specs, nominal={k: v for k, v in start.items() if k in free})
    report: dict[str, object] = {"data": {"engraftment": [d.source for d in CALIBRATION_DATA], "docetaxel": KLOFT_SOURCE},
                                 "free": free,
                                 "start": _report_fit(objective, objective.nominal, "start")}
    print(json.dumps(report["start"]), flush=True)
    if args.at is not None:
        best = objective.nominal.copy()
    else:
        runs = []
        for x0 in starting_points(objective, args.starts, args.seed):
            runs.append(local_fit(objective, x0, "least_squares", args.max_iterations))
            print(json.dumps({"start_objective": runs[-1].fun, "message": runs[-1].message}), flush=True)
        best = min(runs, key=lambda r: r.fun).x
        report["starts"] = [{"objective": r.fun, "iterations": r.n_iterations, "message": r.message} for r in runs]
    report["fitted"] = _report_fit(objective, best, "joint fit")
    print(json.dumps(report["fitted"]), flush=True)
    if args.scan_points:
        report["slices"] = slice_scan(objective, best, args.scan_points)
        print(json.dumps(report["slices"]), flush=True)
    if args.profile_points:
        _, jacobian = objective.residuals_and_jacobian(best)
        report["profiles"] = []
        profiled = [n for n in args.profile.split(",") if n] or list(objective.names)
        for j in (objective.names.index(n) for n in profiled):
            span = objective.upper[j] - objective.lower[j]
            half = args.profile_points // 2
            offsets = [k * 0.15 * span for k in range(-half, half + 1) if k]
            prof = coarse_profile(objective, best, j, offsets, steps=args.profile_steps)
            prof["sensitivity"] = round(float(math.sqrt(float(np.sum(jacobian[:, j] ** 2)))), 4)
            report["profiles"].append(prof)  # type: ignore[attr-defined]
            print(json.dumps(prof), flush=True)
    write_json_report(report, args.out, echo=False)
    return report


if __name__ == "__main__":
    main()
