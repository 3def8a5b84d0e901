"""Fit of a drug set's full-model kill slope to its source model's typical course (docs/full_model_slopes.md).

A drug set's Friberg chain (its published PK/PD model) has one proliferating pool; the full model kills in
every cycling compartment its ``full_model`` block names, with a slope of its own (docs/chemotherapy_full_model.md).
That slope is fitted here, for any drug set, the way docetaxel's was (Kloft 2006, docs/fit_docetaxel_full_model.py):

* data: the source model's TYPICAL course (the set's chain, run at its published typical parameters) for the
  reference woman at the doses and schedules of the source's own data, daily on the days of the first cycle,
  as a fraction of the chain's baseline times the full model's baseline (the fit is to the shape);
* noise: log-normal with the source model's residual SD;
* estimated: the slope (``effects.<i>.full_model.slope_L_per_umol``) alone, the healthy model at its table
  values, with multi-start least squares and a profile-likelihood 95% CI (:mod:`hemasim.inference`).

These are data from published models, not patients' counts; no prediction-class target is read.
:data:`SPECS` holds one :class:`SlopeFitSpec` per drug set (its data, where each number was read).

Run: ``python -m hemasim.inference.full_model_slope nab_paclitaxel_chen2014 [--write] [--out FILE]``
(``--write`` records the estimate, objective and CI in the drug set's YAML).
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from hemasim.inference.objective import Objective

__all__ = ["CourseCondition", "SPECS", "SlopeFitSpec", "TAXANE_KILL", "chain_typical_course",
           "drug_set_for_full_model_fit", "fit_full_model_slope", "full_model_slope_problem", "main", "profile_summary",
           "record_fit_in_yaml"]

#: the kill a taxane gets in the full model (as docetaxel_kloft2006: it arrests any dividing cell in mitosis, so
#: every lineage and every cycling stage; equal sensitivity per division across lineages is an assumption)
TAXANE_KILL: dict[str, list[str]] = {
    "lineages": ["neutrophil", "monocyte", "erythroid", "megakaryocyte"],
    "stages": ["committed_progenitors", "dividing_precursors", "multipotent_progenitors", "short_term_stem",
               "long_term_stem"],
}


@dataclass(frozen=True)
class CourseCondition:
    """One dosing condition of the source's data: ``dose_mg_per_m2`` over ``infusion_hours`` on ``dose_days``
    (days from the first dose), the course read daily on ``observe_days``."""

    name: str
    dose_mg_per_m2: float
    infusion_hours: float
    dose_days: tuple[float, ...]
    observe_days: tuple[float, ...]

    def regimen(self, drug: str, bsa_m2: float) -> Any:
        from hemasim.pharmacology import Regimen

        return Regimen(0.0, drug, "iv_infusion", self.dose_mg_per_m2 * bsa_m2 * 1000.0, self.infusion_hours / 24.0,
                       days_in_cycle=self.dose_days)


def _days(first: int, last: int) -> tuple[float, ...]:
    return tuple(float(d) for d in range(first, last + 1))


@dataclass(frozen=True)
class SlopeFitSpec:
    """What a full-model slope is fitted to: the set, its effect, the conditions, the residual SD and sources."""

    drug_set: str
    conditions: tuple[CourseCondition, ...]
    residual_sd_log: float
    data: str  # the published model and conditions (recorded as the value's provenance)
    residual_source: str  # where the residual SD was read
    effect_index: int = 0
    #: the full_model block given to a set that has none (its slope's start value is the chain's slope)
    kill: Mapping[str, list[str]] = field(default_factory=lambda: dict(TAXANE_KILL))
    patient: str = "reference_female"
    observable: str = "anc_1e9_per_L"
    chain_lineage: str = "neutrophil"
    baseline_parameter: str = "anc_setpoint_1e9_per_L"
    slope_bounds: tuple[float, float] = (1.0, 1000.0)
    slope_start: float = 40.0
    #: whether ``--write`` may record the fit in the set's YAML (docetaxel's is written by its own fit)
    writable: bool = True

    @property
    def slope_path(self) -> str:
        return f"effects.{self.effect_index}.full_model.slope_L_per_umol"


SPECS: dict[str, SlopeFitSpec] = {
    # As docs/fit_docetaxel_full_model.py (the adopted fit, 42.06 L/umol): kept here so the generic fit can be
    # checked against it (tests/test_full_model_slope.py); its YAML is written by the docetaxel fit, not here.
    "docetaxel_kloft2006": SlopeFitSpec(
        drug_set="docetaxel_kloft2006",
        conditions=(CourseCondition("typical_woman", 100.0, 1.0, (0.0,), _days(1, 21)),),
        residual_sd_log=0.424,
        data="Kloft 2006 typical ANC course (DDMODEL00000224), docetaxel 100 mg/m2",
        residual_source="DDMODEL00000224 $THETA(5) = 0.424093, as in nlmixr2lib",
        writable=False),
    # Chen 2014 (J Clin Pharmacol 54:1097) pooled 80-375 mg/m2 as 30-min infusions, q3w (day 1 of 21) or weekly
    # (days 1, 8, 15 of 28); ANC of the first cycle only (558 records, 125 patients). Its Discussion names
    # 260 and 300 mg/m2 q3w and 100 and 150 mg/m2 weekly (as read in nlmixr2lib's vignette
    # Chen_2014_nab_paclitaxel.Rmd): those four, each over its first cycle.
    "nab_paclitaxel_chen2014": SlopeFitSpec(
        drug_set="nab_paclitaxel_chen2014",
        conditions=(CourseCondition("q3w_260", 260.0, 0.5, (0.0,), _days(1, 21)),
                    CourseCondition("q3w_300", 300.0, 0.5, (0.0,), _days(1, 21)),
                    CourseCondition("weekly_100", 100.0, 0.5, (0.0, 7.0, 14.0), _days(1, 28)),
                    CourseCondition("weekly_150", 150.0, 0.5, (0.0, 7.0, 14.0), _days(1, 28))),
        residual_sd_log=0.291,
        data=("Chen 2014 typical ANC course (this set's chain = the published model, age < 65, median albumin), "
              "reference woman, 30-min infusions: 260 and 300 mg/m2 once (days 1-21), 100 and 150 mg/m2 on "
              "days 1, 8, 15 (days 1-28); log-normal residual SD 0.291"),
        residual_source="Chen 2014 Table 2: PD residual variability 29.1% CV on log ANC (nlmixr2lib expSd_ANC)",
        slope_start=10.0),
}


def _patient(spec: SlopeFitSpec) -> Any:
    from hemasim.validation.patients import PATIENTS

    return PATIENTS[spec.patient]


def _regimen(spec: SlopeFitSpec, cond: CourseCondition) -> Any:
    from hemasim.biology.body import body_surface_area_m2
    from hemasim.pharmacology import load_drug_set

    return cond.regimen(load_drug_set(spec.drug_set).drug, float(body_surface_area_m2(_patient(spec))))


def chain_typical_course(spec: SlopeFitSpec, cond: CourseCondition) -> np.ndarray:
    """The source model's typical course (the set's chain) on ``cond.observe_days``, rescaled to the full
    model's baseline (a fraction of the chain's baseline times the full model's set point)."""
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.pharmacology import friberg_model, load_drug_set
    from hemasim.simulation import Simulation

    chain = friberg_model(load_drug_set(spec.drug_set), _patient(spec), lineage=spec.chain_lineage)  # type: ignore[arg-type]
    r = Simulation(chain, events=[_regimen(spec, cond)]).run(max(cond.observe_days), 0.25)
    course = r.observable(spec.observable)
    baseline = healthy_adult_parameters().value(spec.baseline_parameter)
    return np.asarray(np.interp(np.asarray(cond.observe_days), r.times, course) / course[0] * baseline)


def drug_set_for_full_model_fit(spec: SlopeFitSpec) -> Any:
    """The set as loaded, or, when its effect has no ``full_model`` block, with ``spec.kill`` added (slope at
    the chain's value until fitted)."""
    from hemasim.pharmacology import load_drug_set
    from hemasim.pharmacology.drug_sets import DrugSet

    ds = load_drug_set(spec.drug_set)
    if ds.effects[spec.effect_index].full_model is not None:
        return ds
    data = ds.model_dump()
    effect = data["effects"][spec.effect_index]
    slope = dict(effect["slope_L_per_umol"])
    effect["full_model"] = {"slope_L_per_umol": slope, "lineages": list(spec.kill["lineages"]),
                            "stages": list(spec.kill["stages"])}
    return DrugSet.model_validate(data)


#: the dotted path of a full-model kill's effect-site rate (an optional field: a fit that frees it adds it)
KE0_FIELD = "ke0_per_day"


def _with_drug_paths(ds: Any, paths: Sequence[str]) -> Any:
    """``ds`` with an (assumed, to be fitted) placeholder at each of ``paths`` it lacks: only a full-model block's
    optional effect-site rate (:data:`KE0_FIELD`) can be missing."""
    from hemasim.pharmacology.drug_sets import with_kill_effect_site

    present = {p for p, _ in ds.values_with_paths()}
    missing = [p for p in paths if p not in present]
    if not missing:
        return ds
    effects = []
    for path in missing:
        *head, leaf = path.split(".")
        if leaf != KE0_FIELD or head[-1:] != ["full_model"]:
            raise ValueError(f"{ds.name}: no value at {path} to fit")
        effects.append(int(head[1]))
    return with_kill_effect_site(ds, 1.0, "placeholder: fitted", effects)


def _builder(spec: SlopeFitSpec, healthy_values: Mapping[str, float],
             free_healthy: Sequence[str]) -> Callable[[Mapping[str, float]], Any]:
    """``free_healthy``: the healthy-model parameters the source receives by name (besides ``slope``); a name that
    is a dotted drug-set path (``effects.<i>. ...``, e.g. the kill's effect-site rate) sets that value of the set
    instead."""
    from hemasim.biology import healthy_human_model
    from hemasim.inference.sources import drug_set_with_values
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.pharmacology import DrugExposure

    drug_paths = [n for n in free_healthy if n.startswith("effects.")]
    healthy = [n for n in free_healthy if n not in drug_paths]
    ds0 = _with_drug_paths(drug_set_for_full_model_fit(spec), drug_paths)
    base = healthy_adult_parameters()
    if healthy_values:
        base = base.with_values(**healthy_values)
    patient = _patient(spec)

    def build(values: Mapping[str, float]) -> Any:
        ds = drug_set_with_values(ds0, {spec.slope_path: values["slope"], **{p: values[p] for p in drug_paths}})
        params = base.with_values(**{n: values[n] for n in healthy}) if healthy else base
        return healthy_human_model(patient, params, aging=False, extensions=[DrugExposure(ds)])

    return build


def full_model_slope_problem(spec: SlopeFitSpec, healthy_values: Mapping[str, float] | None = None,
                             free_healthy: Sequence[Any] = ()) -> Any:
    """The fitting problem: the slope free (log scale), one condition per dosing condition of ``spec``.

    ``healthy_values`` fix healthy-model parameters (e.g. a structure on a grid); ``free_healthy`` are further
    :class:`EstimatedParameter` s fitted jointly with the slope, each setting the healthy-model parameter its
    ``target`` names (the ``id`` is free, e.g. a short name for the results)."""
    from hemasim.inference import (
        BuilderSource,
        Condition,
        EstimatedParameter,
        Measurements,
        NoiseModel,
        ObservableSpec,
        Problem,
    )

    free_names = [p.target or p.id for p in free_healthy]
    build = _builder(spec, dict(healthy_values or {}), free_names)
    names = ("slope", *free_names)
    conditions, cond_col, time_col, values = [], [], [], []
    for cond in spec.conditions:
        conditions.append(Condition(cond.name, BuilderSource(build, names, (_regimen(spec, cond),),
                                                             label=f"full model, {cond.name}")))
        course = chain_typical_course(spec, cond)
        cond_col += [cond.name] * len(course)
        time_col += list(cond.observe_days)
        values += course.tolist()
    n = len(values)
    meas = Measurements(condition=np.array(cond_col), time_days=np.array(time_col, dtype=np.float64),
                        observable=np.array(["course"] * n), value=np.array(values, dtype=np.float64),
                        censored=np.zeros(n, dtype=bool), source=spec.data)
    lo, hi = spec.slope_bounds
    params = (EstimatedParameter("slope", "slope", lo, hi, spec.slope_start, unit="L/umol"), *free_healthy)
    return Problem(name=f"{spec.drug_set} full-model slope",
                   conditions=tuple(conditions),
                   observables=(ObservableSpec("course", spec.observable,
                                               NoiseModel("lognormal", spec.residual_sd_log)),),
                   parameters=params, measurements=meas, rtol=1e-6)


def fit_full_model_slope(spec: SlopeFitSpec, n_starts: int = 4, profiles: bool = True,
                         healthy_values: Mapping[str, float] | None = None,
                         free_healthy: Sequence[Any] = ()) -> dict[str, Any]:
    """Fit :func:`full_model_slope_problem` (multi-start least squares), with profile CIs when ``profiles``."""
    from hemasim.inference import Objective, fit

    problem = full_model_slope_problem(spec, healthy_values, free_healthy)
    obj = Objective(problem)
    res = fit(obj, n_starts=n_starts, seed=1)
    out: dict[str, Any] = {"drug_set": spec.drug_set, "data": spec.data, "residual_sd_log": spec.residual_sd_log,
                           "residual_source": spec.residual_source, "objective": float(res.fun),
                           "estimates": dict(res.natural), "n_converged": res.n_converged,
                           "n_data": int(len(problem.measurements.value))}
    if profiles:
        out.update(profile_summary(obj, res.x))
    return out


def profile_summary(obj: Objective, x: np.ndarray) -> dict[str, Any]:
    """Profiles of every free parameter from the optimum ``x``: 95% intervals, identifiability and the curves (the
    JSON the fits write)."""
    from hemasim.inference import identifiability, profile_likelihood

    profs = profile_likelihood(obj, x)
    return {"ci95": {p.name: [p.ci_lower, p.ci_upper] for p in profs}, "identifiability": identifiability(profs),
            "profiles": {p.name: {"values": np.asarray(p.natural).tolist(),
                                  "objective": np.asarray(p.objective).tolist()} for p in profs}}


def _fmt(x: float | None) -> str:
    return "open" if x is None else f"{x:.3g}"


def record_fit_in_yaml(spec: SlopeFitSpec, result: Mapping[str, Any], path: Path | None = None) -> str:
    """Write the fitted slope (value, objective, CI) into the drug set's YAML ``full_model`` block of the
    spec's effect, which must already be there with a ``fitted`` record (the text is edited in place, so the
    file's comments stay). Returns the new text."""
    import hemasim.pharmacology

    path = path or Path(hemasim.pharmacology.__file__).parent / "drugs" / f"{spec.drug_set}.yaml"
    text = path.read_text()
    blocks = [m.start() for m in re.finditer(r"^\s*full_model:\s*$", text, flags=re.M)]
    effect_starts = [m.start() for m in re.finditer(r"^\s*- acts_on:", text, flags=re.M)]
    start = effect_starts[spec.effect_index]
    after = [b for b in blocks if b > start]
    end_next = next((s for s in effect_starts if s > start), len(text))
    if not after or after[0] > end_next:
        raise ValueError(f"{path}: effect {spec.effect_index} has no full_model block to record the fit in")
    b = after[0]
    lo, hi = result["ci95"]["slope"]
    new = {"value": f"{result['estimates']['slope']:.4g}", "objective": f"{result['objective']:.4f}",
           "interval": f'"95% profile CI [{_fmt(lo)}, {_fmt(hi)}]"'}
    head, tail = text[:b], text[b:]
    for key, val in new.items():
        tail, n = re.subn(rf"^(\s*{key}:) .*$", rf"\g<1> {val}", tail, count=1, flags=re.M)
        if n != 1:
            raise ValueError(f"{path}: no {key} line in the full_model block")
    text = head + tail
    path.write_text(text)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("drug_set", choices=sorted(SPECS))
    ap.add_argument("--n-starts", type=int, default=4)
    ap.add_argument("--write", action="store_true", help="record the estimate in the drug set's YAML")
    ap.add_argument("--out", default=None, help="write the result (JSON) here")
    args = ap.parse_args(argv)
    spec = SPECS[args.drug_set]
    if args.write and not spec.writable:
        ap.error(f"{spec.drug_set}: its YAML is written by its own fit (docs/full_model_slopes.md), not here")
    result = fit_full_model_slope(spec, n_starts=args.n_starts)
    summary = {k: result[k] for k in ("drug_set", "objective", "estimates", "ci95", "n_data", "n_converged")}
    print(json.dumps(summary, default=str))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1, default=str))
    if args.write:
        record_fit_in_yaml(spec, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
