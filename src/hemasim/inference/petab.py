"""PEtab v1: export a hemasim problem (tables + SBML) and import it back; libRoadRunner as forward engine.

Export writes, per problem::

    problem.yaml            PEtab v1 (format_version 1); one entry in ``problems`` per condition (each
                            condition has its own model: its own patient, doses and events)
    parameters.tsv          parameterId, parameterScale, bounds, nominalValue, estimate, priors
                            (+ hemasim_target, hemasim_unit: the run-record name each id sets)
    observables.tsv         observableId, observableFormula (a sum of species amounts), transformation, noise
    measurements_<c>.tsv    observableId, simulationConditionId, time, measurement, noiseParameters
                            (+ hemasim_censored: 1 where the measurement is an assay limit; PEtab v1 has no
                            censoring, so other tools read such a row as a measurement at the limit)
    conditions_<c>.tsv      conditionId (the condition's scenario, copied alongside, is named in problem.yaml under hemasim.scenarios)
    model_<c>.xml           hemasim's SBML export of the condition at the nominal values, with each estimated
                            model parameter added as an SBML parameter and the hemasim rate and feedback
                            constants it sets written as assignment rules of it

How an estimated parameter enters the SBML is found, not assumed: each constant of the export that moves
with it must follow ``c * prod(theta_j ^ a_j)`` or ``c + sum(b_j theta_j)`` exactly (checked at a joint
perturbation to 1e-9), and the steady state (the species' initial amounts) must not move; otherwise the export
refuses with a message naming the parameter.

Import reads only the forms export writes: an observable formula must be the weighted species sum of a hemasim
observable (optionally scaled); any other formula is refused (files are data: nothing is evaluated).
``petab`` (``pip install hemasim[fit]``), when installed, lints the exported problem.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from hemasim._yaml_limits import YamlInputError, decode_text, load_yaml_file
from hemasim.events import Event
from hemasim.inference.noise import NoiseModel
from hemasim.inference.problem import (
    SCALES,
    Condition,
    EstimatedParameter,
    Measurements,
    ObservableSpec,
    Prior,
    Problem,
    ProblemError,
    one_patient,
)
from hemasim.model import CompiledModel, Model

__all__ = ["PetabError", "RoadRunnerEngine", "SBMLSource", "export_petab", "import_petab", "lint_petab"]

PARAMETER_COLUMNS = ("parameterId", "parameterName", "parameterScale", "lowerBound", "upperBound", "nominalValue",
                     "estimate", "objectivePriorType", "objectivePriorParameters", "hemasim_target", "hemasim_unit")
_PRIOR_TO_PETAB = {"normal": "normal", "lognormal": "logNormal", "uniform": "uniform",
                   "parameterScaleNormal": "parameterScaleNormal"}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


class PetabError(ProblemError):
    """A PEtab problem hemasim cannot write or read (one line naming the file and what is wrong)."""


# ---------------------------------------------------------------------------------------------- dependence
@dataclass(frozen=True)
class _Law:
    """How one SBML constant depends on estimated values: ``c * prod(v_j ^ a_j)`` or ``c + sum(b_j v_j)``."""

    kind: str  # "power" or "affine"
    constant: float
    exponents: dict[str, float]

    def value(self, values: Mapping[str, float]) -> float:
        if self.kind == "power":
            return self.constant * math.prod(values[k] ** a for k, a in self.exponents.items())
        return self.constant + sum(b * values[k] for k, b in self.exponents.items())

    def formula(self) -> str:
        if self.kind == "power":
            return " * ".join([repr(self.constant)] + [f"pow({k}, {a!r})" for k, a in self.exponents.items()])
        return " + ".join([repr(self.constant)] + [f"{b!r} * {k}" for k, b in self.exponents.items()])


def _constants(model: CompiledModel) -> dict[str, float]:
    from hemasim.model.sbml import sbml_parameter_values

    return sbml_parameter_values(model)


def _fit_law(name: str, deps: Sequence[str], v0: float, moved: Mapping[str, float], nominal: Mapping[str, float],
             factor: float) -> list[_Law]:
    """Candidate laws for constant ``name`` (value ``v0`` at ``nominal``; ``moved[j]`` with parameter j x factor)."""
    out = []
    if v0 != 0 and all(moved[j] / v0 > 0 for j in deps):
        exps = {j: math.log(moved[j] / v0) / math.log(factor) for j in deps}
        exps = {j: round(a) if abs(a - round(a)) < 1e-9 else a for j, a in exps.items()}
        out.append(_Law("power", v0 / math.prod(nominal[j] ** a for j, a in exps.items()), exps))
    slopes = {j: (moved[j] - v0) / (nominal[j] * (factor - 1)) for j in deps}
    out.append(_Law("affine", v0 - sum(b * nominal[j] for j, b in slopes.items()), slopes))
    return out


def parameter_laws(build: Any, ids: Mapping[str, str], nominal: Mapping[str, float]) -> dict[str, _Law]:
    """For ``build`` (values by run-record name -> Model), the law of every SBML constant the estimated
    parameters move; ``ids`` maps each estimated run-record name to its PEtab id, ``nominal`` the values by id."""
    from hemasim.simulation import steady_state

    factor = 1.1

    def compiled(values_by_id: Mapping[str, float]) -> CompiledModel:
        model: Model = build({t: values_by_id[i] for t, i in ids.items()})
        return model.compile()

    base = compiled(nominal)
    c0, x0 = _constants(base), steady_state(base)
    moved: dict[str, dict[str, float]] = {}
    for target, pid in ids.items():
        m = compiled({**nominal, pid: nominal[pid] * factor})
        if not np.allclose(steady_state(m), x0, rtol=1e-9, atol=0):
            raise PetabError(f"{target}: moves the steady state (the initial amounts); PEtab export supports "
                             "parameters that leave it unchanged")
        for k, v in _constants(m).items():
            if abs(v - c0[k]) > 1e-12 * max(abs(c0[k]), 1e-300):
                moved.setdefault(k, {})[pid] = v
    rng = np.random.default_rng(0)
    check = {i: v * float(rng.uniform(0.7, 1.4)) for i, v in nominal.items()}
    at_check = _constants(compiled(check))
    laws = {}
    for k, by_pid in moved.items():
        deps = sorted(by_pid)
        for law in _fit_law(k, deps, c0[k], by_pid, nominal, factor):
            if math.isclose(law.value(check), at_check[k], rel_tol=1e-9, abs_tol=1e-300):
                laws[k] = law
                break
        else:
            raise PetabError(f"{', '.join(t for t, i in ids.items() if i in deps)}: enters SBML constant {k!r} "
                             "neither as a power law nor affinely; PEtab export cannot write it")
    return laws


def _sbml_with_parameters(text: str, laws: Mapping[str, _Law], nominal: Mapping[str, float]) -> str:
    import libsbml

    doc = libsbml.readSBMLFromString(text)
    m = doc.getModel()
    for pid, value in nominal.items():
        p = m.createParameter()
        p.setId(pid)
        p.setValue(float(value))
        p.setConstant(True)
        p.setUnits("dimensionless")
    for k, law in laws.items():
        m.getParameter(k).setConstant(False)
        rule = m.createAssignmentRule()
        rule.setVariable(k)
        rule.setMath(libsbml.parseL3Formula(law.formula()))
    return str(libsbml.writeSBMLToString(doc))


# ---------------------------------------------------------------------------------------------- export
def _tsv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), delimiter="\t", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: ("" if r.get(c) is None else r[c]) for c in columns})
    return buf.getvalue()


def _observable_formula(model: CompiledModel, name: str, scale: float) -> str:
    i = model.observable_names.index(name)
    if np.any(model.obs_flux_w[i]):
        raise PetabError(f"observable {name!r} reads fluxes; PEtab export writes species sums only")
    terms = [f"{float(w)!r} * {model.state_names[s]}" for s, w in enumerate(model.obs_state_w[i] * scale) if w != 0]
    return " + ".join(terms)


def _noise_columns(obs: ObservableSpec) -> tuple[str, str, str]:
    """(observableTransformation, noiseFormula, noiseParameters of its measurements)."""
    n = obs.noise
    p1 = f"noiseParameter1_{obs.id}"
    sigma = str(n.sigma)
    if n.kind == "lognormal":
        return "log", p1, sigma
    if n.kind == "additive":
        return "lin", p1, sigma
    if n.kind == "proportional":
        return "lin", f"{p1} * {obs.id}", sigma
    p2 = f"noiseParameter2_{obs.id}"
    return "lin", f"sqrt({p1}^2 + ({p2} * {obs.id})^2)", f"{sigma};{n.sigma_proportional}"


def _parameter_rows(problem: Problem) -> list[dict[str, Any]]:
    rows = []
    for p in problem.parameters:
        prior_type = prior_pars = None
        if p.prior is not None:
            prior_type, prior_pars = _PRIOR_TO_PETAB[p.prior.kind], f"{p.prior.mean!r};{p.prior.sd!r}"
            if p.prior.kind == "lognormal":  # PEtab: parameters of log(value) ~ N(mu, sd)
                prior_pars = f"{math.log(p.prior.mean)!r};{p.prior.sd!r}"
        rows.append({"parameterId": p.id, "parameterName": p.id, "parameterScale": p.scale, "lowerBound": p.lower,
                     "upperBound": p.upper, "nominalValue": p.nominal, "estimate": int(p.estimate),
                     "objectivePriorType": prior_type, "objectivePriorParameters": prior_pars,
                     "hemasim_target": p.target, "hemasim_unit": p.unit})
    return rows


def export_petab(problem: Problem, out_dir: str | Path, lint: bool = True) -> Path:
    """Write ``problem`` as PEtab v1 into ``out_dir`` (atomically); returns the path of problem.yaml. Conditions
    must come from scenarios. With ``petab`` installed and ``lint``, the written problem is linted."""
    import yaml

    from hemasim.assembly import build_events
    from hemasim.inference.sources import ScenarioSource
    from hemasim.io import atomic_directory
    from hemasim.model.sbml import to_sbml
    from hemasim.simulation import steady_state

    files: dict[str, str] = {}
    model_params = [p for p in problem.parameters if p.target is not None]
    ids = {p.target: p.id for p in model_params if p.target is not None}
    nominal = {p.id: p.nominal for p in model_params}
    sub_problems = []
    scenarios: dict[str, str] = {}
    observable_rows: dict[str, dict[str, Any]] = {}
    for cond in problem.conditions:
        if not isinstance(cond.source, ScenarioSource):
            raise PetabError(f"condition {cond.id!r}: PEtab export needs conditions built from scenarios")
        source = cond.source
        laws = parameter_laws(source.build, ids, nominal)
        model = source.build(problem.nominal_targets()).compile()
        events = [e for ev in build_events(source.scenario) for e in ev.expand()]
        sbml = to_sbml(model, events, initial_state=steady_state(model))
        files[f"model_{cond.id}.xml"] = _sbml_with_parameters(sbml, laws, nominal)
        scenario_file = f"scenario_{cond.id}.yaml"
        files[scenario_file] = yaml.safe_dump(source.scenario.model_dump(mode="json", exclude_unset=True),
                                              sort_keys=False)
        files[f"conditions_{cond.id}.tsv"] = _tsv([{"conditionId": cond.id, "conditionName": cond.id}],
                                                  ["conditionId", "conditionName"])
        scenarios[cond.id] = scenario_file
        for obs in problem.observables:
            formula = _observable_formula(model, obs.hemasim, obs.scale)
            transform, noise_formula, _ = _noise_columns(obs)
            row = {"observableId": obs.id, "observableName": obs.hemasim, "observableFormula": formula,
                   "observableTransformation": transform, "noiseFormula": noise_formula,
                   "noiseDistribution": "normal", "hemasim_scale": obs.scale, "hemasim_lloq": obs.lloq}
            if observable_rows.setdefault(obs.id, row)["observableFormula"] != formula:
                raise PetabError(f"observable {obs.id!r}: its species weights differ between conditions")
        m = problem.measurements
        rows = [{"observableId": m.observable[k], "simulationConditionId": cond.id, "time": float(m.time_days[k]),
                 "measurement": float(m.value[k]), "noiseParameters": _noise_columns(problem.observable(
                     str(m.observable[k])))[2], "hemasim_censored": int(m.censored[k])}
                for k in np.nonzero(m.condition == cond.id)[0]]
        files[f"measurements_{cond.id}.tsv"] = _tsv(rows, ["observableId", "simulationConditionId", "time",
                                                           "measurement", "noiseParameters", "hemasim_censored"])
        sub_problems.append({"sbml_files": [f"model_{cond.id}.xml"], "condition_files": [f"conditions_{cond.id}.tsv"],
                             "measurement_files": [f"measurements_{cond.id}.tsv"],
                             "observable_files": ["observables.tsv"]})
    files["observables.tsv"] = _tsv(list(observable_rows.values()), [
        "observableId", "observableName", "observableFormula", "observableTransformation", "noiseFormula",
        "noiseDistribution", "hemasim_scale", "hemasim_lloq"])
    files["parameters.tsv"] = _tsv(_parameter_rows(problem), PARAMETER_COLUMNS)
    files["problem.yaml"] = yaml.safe_dump({"format_version": 1, "parameter_file": "parameters.tsv",
                                            "problems": sub_problems, "hemasim": {"scenarios": scenarios}},
                                           sort_keys=False)
    out = Path(out_dir)
    if lint:  # lint a scratch copy first: a problem petab rejects is not written
        with tempfile.TemporaryDirectory() as scratch:
            for name, text in files.items():
                (Path(scratch) / name).write_text(text, encoding="utf-8")
            problems = lint_petab(Path(scratch) / "problem.yaml")
        if problems:
            raise PetabError(f"{out / 'problem.yaml'}: petab lint: {problems[0]}")
    atomic_directory(out, {name: _text_writer(text) for name, text in files.items()})
    return out / "problem.yaml"


def _text_writer(text: str) -> Callable[[Path], object]:
    return lambda p: p.write_text(text, encoding="utf-8")


def lint_petab(path: str | Path) -> list[str]:
    """petab's lint of each condition's sub-problem (empty: clean, or petab not installed)."""
    try:
        import petab.v1 as petab
    except ImportError:
        return []
    import logging
    import warnings

    import yaml

    root = Path(path).parent
    spec = load_yaml_file(path, "PEtab problem file")
    messages: list[str] = []
    for k, sub in enumerate(spec["problems"]):
        single = root / f".lint_{k}.yaml"  # petab reads one problem per file
        single.write_text(yaml.safe_dump({"format_version": 1, "parameter_file": spec["parameter_file"],
                                          "problems": [sub]}), encoding="utf-8")
        handler = _Collect()
        logger = logging.getLogger("petab")
        logger.addHandler(handler)  # type: ignore[arg-type]
        try:
            with warnings.catch_warnings():  # petab's own pandas deprecations are not the user's concern
                warnings.simplefilter("ignore")
                if petab.lint_problem(petab.Problem.from_yaml(str(single))):
                    messages += handler.messages or ["lint failed"]
        finally:
            logger.removeHandler(handler)  # type: ignore[arg-type]
            single.unlink()
    return messages


class _Collect:
    """A logging handler keeping error messages (petab logs its lint findings)."""

    level = 40

    def __init__(self) -> None:
        self.messages: list[str] = []

    def handle(self, record: Any) -> None:
        if record.levelno >= self.level:
            self.messages.append(record.getMessage())


# ---------------------------------------------------------------------------------------------- import
class _Row(dict[str, str]):
    """A TSV table's row by column, with ``line``: its line in the file, as an editor or a spreadsheet numbers it (the
    header is line 1). csv skips a blank line, so the row's index + 2 named the row before the right one after it."""

    line: int


def _read_tsv(path: Path) -> list[_Row]:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise PetabError(f"{path}: cannot read ({err.strerror})") from None
    try:  # as a measurement CSV is read: a BOM (Excel's "Unicode text") dropped, a byte not UTF-8 named by line
        text = decode_text(data, str(path), "PEtab table")  # and column (its header read '\ufeffparameterId')
    except YamlInputError as err:
        raise PetabError(str(err)) from None
    rows = []
    reader = csv.DictReader(text.splitlines(), delimiter="\t")
    for r in reader:
        # cells past the header's last column (csv puts them under None, a list): empty ones (a spreadsheet's
        # trailing tab) are dropped; a value there belongs to no column (it crashed the checks that read every cell)
        extra = r.pop(None, None) or []
        if any((c or "").strip() for c in extra):
            raise PetabError(f"{path}: row {reader.line_num}: {len(extra)} more cell(s) than the header's {len(r)} "
                             f"columns ({extra!r}); every value needs a column name")
        row = _Row(r)
        row.line = reader.line_num  # the row's last line (one, unless a quoted cell holds a line break)
        rows.append(row)
    return rows


def _float(row: Mapping[str, str], key: str, where: str) -> float:
    try:
        return float(row[key])
    except (KeyError, TypeError, ValueError):
        raise PetabError(f"{where}: column {key}: {row.get(key)!r} is not a number") from None


def _bound(row: Mapping[str, str], key: str, where: str, estimated: bool, nominal: float) -> float:
    """A parameter's ``lowerBound`` or ``upperBound``: optional for a fixed parameter (PEtab v1: "optional if estimate
    == 0"), whose only value, its nominal, it then is; an estimated parameter's, a number."""
    if not (row.get(key) or "").strip():
        if not estimated:
            return nominal
        raise PetabError(f"{where}: column {key}: empty; an estimated parameter (estimate 1) needs both bounds, "
                         "finite numbers lowerBound < upperBound (only a fixed one, estimate 0, may leave them empty)")
    return _float(row, key, where)


def _finite(row: Mapping[str, str], key: str, where: str) -> float:
    value = _float(row, key, where)
    if not math.isfinite(value):
        raise PetabError(f"{where}: column {key}: {row[key]!r} is not a finite number")
    return value


def _parse_formula(formula: str, where: str) -> dict[str, float]:
    """Species weights of ``w * S + w * S ...`` (the only form export writes); anything else is refused."""
    weights: dict[str, float] = {}
    for term in formula.split("+"):
        match = re.fullmatch(rf"\s*({_NUMBER})\s*\*\s*([A-Za-z_]\w*)\s*", term)
        if match is None:
            raise PetabError(f"{where}: observableFormula {formula!r}: only a sum of 'number * species' terms is "
                             "read (the form hemasim writes)")
        weights[match.group(2)] = weights.get(match.group(2), 0.0) + float(match.group(1))
    return weights


def _noise_from_row(row: Mapping[str, str], noise_parameters: str, where: str) -> NoiseModel:
    oid = row["observableId"]
    p1, p2 = f"noiseParameter1_{oid}", f"noiseParameter2_{oid}"
    formula = re.sub(r"\s+", "", row.get("noiseFormula", ""))
    parts = noise_parameters.split(";")

    def value(text: str) -> float | str:
        try:
            return float(text)
        except ValueError:
            return text

    if row.get("noiseDistribution", "normal") not in ("normal", ""):
        raise PetabError(f"{where}: noiseDistribution {row['noiseDistribution']!r}: only normal is read")
    # PEtab's lin, log and log10 (empty: lin); log10 was read as lin, an additive model of the counts themselves
    transform = (row.get("observableTransformation") or "lin").strip()
    if transform not in ("lin", "log"):
        why = ("log10 is not read: its sigma is of log10 z; write log (natural), sigma x ln 10"
               if transform == "log10" else "PEtab's forms are lin, log, log10")
        raise PetabError(f"{where}: observableTransformation {transform!r}: only lin and log are read ({why})")
    if transform == "log" and formula != p1:  # proportional or combined noise of log z: not a hemasim model
        raise PetabError(f"{where}: observableTransformation 'log' with noiseFormula {row.get('noiseFormula')!r}: a "
                         f"log-transformed observable is read with noiseFormula {p1} only (log-normal noise)")
    if formula == p1:
        kind = "lognormal" if transform == "log" else "additive"
        return NoiseModel(kind, value(parts[0]))  # type: ignore[arg-type]
    if formula == f"{p1}*{oid}":
        return NoiseModel("proportional", value(parts[0]))
    if formula == f"sqrt({p1}^2+({p2}*{oid})^2)" and len(parts) == 2:
        return NoiseModel("combined", value(parts[0]), value(parts[1]))
    raise PetabError(f"{where}: noiseFormula {row.get('noiseFormula')!r}: only the forms hemasim writes are read")


def _prior(row: Mapping[str, str], where: str) -> Prior | None:
    kind = row.get("objectivePriorType") or ""
    if not kind:
        return None
    back = {v: k for k, v in _PRIOR_TO_PETAB.items()}
    if kind not in back:
        raise PetabError(f"{where}: objectivePriorType {kind!r}; read: {', '.join(back)}")
    text = row.get("objectivePriorParameters") or ""
    try:  # two numbers, 'a;b' ('1' or 'a;b;c' was a bare unpacking error, 'x;1' a float error)
        a, b = (float(x) for x in text.split(";"))
    except ValueError:
        raise PetabError(f"{where}: column objectivePriorParameters: {text!r} is not two numbers 'a;b' (for "
                         f"{kind})") from None
    if not (math.isfinite(a) and math.isfinite(b)):
        raise PetabError(f"{where}: column objectivePriorParameters: {text!r} is not two finite numbers")
    return Prior(back[kind], math.exp(a) if kind == "logNormal" else a, b)


#: the condition table's columns import reads (the others set values per condition: refused)
_CONDITION_COLUMNS = ("conditionId", "conditionName")
#: measurement-table columns that change the likelihood or the simulation, which import does not read: a value in any
#: of them is refused (they were dropped: a pre-equilibration not run, observable parameters not substituted)
_UNREAD_MEASUREMENT_COLUMNS = ("preequilibrationConditionId", "observableParameters")


def _noise_key(text: str) -> tuple[float | str, ...]:
    """noiseParameters compared as values: '0.2' and '0.20' are one number, a parameter id is itself."""
    out: list[float | str] = []
    for part in text.split(";"):
        try:
            out.append(float(part))
        except ValueError:
            out.append(part.strip())
    return tuple(out)


def _check_measurement_rows(rows: Sequence[_Row], path: Path,
                            seen: dict[str, tuple[str, str]]) -> None:
    """The measurement table's columns import does not read are empty, and an observable's rows share one
    noiseParameters across every measurement table (its noise model is read once per observable; the first row's
    served every row, and the last file's every condition). ``seen``: observable -> (noiseParameters, where),
    filled across the problem's tables."""
    for r in rows:
        where = f"{path}: row {r.line}"
        for col in _UNREAD_MEASUREMENT_COLUMNS:
            if (r.get(col) or "").strip():
                raise PetabError(f"{where}: column {col}: {r[col]!r} is not read (hemasim reads no "
                                 f"{col}; leave it empty)")
        noise = (r.get("noiseParameters") or "").strip()
        oid = r.get("observableId") or ""
        first, first_where = seen.setdefault(oid, (noise, where))
        if _noise_key(first) != _noise_key(noise):
            earlier = "an earlier row" if first_where.startswith(f"{path}:") else first_where
            raise PetabError(f"{where}: column noiseParameters: {noise!r} where {earlier} of observable {oid!r} "
                             f"has {first!r}: one noise parameter (or number) per observable is read")


def import_petab(path: str | Path, engine: str = "hemasim") -> Problem:
    """Read a PEtab problem written by :func:`export_petab`. ``engine="hemasim"``: conditions run their scenario
    (``hemasim: scenarios:`` in problem.yaml) on hemasim's engines; ``engine="sbml"``: conditions run the SBML model (with
    :class:`RoadRunnerEngine`)."""

    from hemasim.inference.sources import ScenarioSource
    from hemasim.scenario import ScenarioError, load_scenario
    from hemasim.scenario.plausibility import no_output_grid

    p = Path(path)
    root = p.parent
    try:
        spec = load_yaml_file(p, "PEtab problem file")
    except YamlInputError as err:
        raise PetabError(str(err)) from None
    if not isinstance(spec, dict) or spec.get("format_version") not in (1, "1") or "problems" not in spec:
        version = f" (format_version {str(spec['format_version'])[:20]}: hemasim reads v1 only)" \
            if isinstance(spec, dict) and spec.get("format_version") not in (None, 1, "1") else ""
        raise PetabError(f"{p}: not a PEtab v1 problem file{version}")
    prows = _read_tsv(root / spec["parameter_file"])
    parameters = []
    for r in prows:
        where = f"{root / spec['parameter_file']}: row {r.line}"
        # each read by PEtab's own values or refused by name: a parameterScale of another spelling (Log10) was
        # estimated on the linear scale, an estimate other than "1" (true, 1.0) fixed the parameter at its nominal
        scale = (r.get("parameterScale") or "lin").strip()
        if scale not in SCALES:
            raise PetabError(f"{where}: column parameterScale: {scale!r}; allowed: {', '.join(SCALES)}")
        estimate = (r.get("estimate") or "1").strip()
        if estimate not in ("0", "1"):
            raise PetabError(f"{where}: column estimate: {estimate!r}; allowed: 0 (fixed at nominalValue), 1")
        nominal = _float(r, "nominalValue", where)
        lower, upper = (_bound(r, key, where, estimate == "1", nominal) for key in ("lowerBound", "upperBound"))
        parameters.append(EstimatedParameter(
            r["parameterId"], r.get("hemasim_target") or None, lower, upper, nominal, scale,  # type: ignore[arg-type]
            estimate == "1", _prior(r, where), r.get("hemasim_unit", "")))
    conditions, meas_rows = [], []
    # observable rows read per sub-problem; their noise models are made once every measurement table is read, from the
    # noiseParameters all tables share (a file without rows of an observable said '1', and the last file's won)
    observable_rows: dict[str, tuple[_Row, str, float]] = {}
    noise_seen: dict[str, tuple[str, str]] = {}
    for sub in spec["problems"]:
        (crow,) = _read_tsv(root / sub["condition_files"][0])
        cid = crow["conditionId"]
        # a condition table's other columns set a parameter or species per condition: not read (they were dropped,
        # every condition simulated at the parameter table's values)
        if set_here := [k for k, v in crow.items() if k not in _CONDITION_COLUMNS and (v or "").strip()]:
            raise PetabError(f"{root / sub['condition_files'][0]}: column {set_here[0]}: a value set per condition is "
                             "not read (hemasim reads conditionId and conditionName; a condition's values go in its "
                             "scenario under hemasim: scenarios:)")
        if engine == "hemasim":
            try:
                scen_path = root / spec["hemasim"]["scenarios"][cid]
                with no_output_grid():  # a fit simulates at its measurements' days (as load_problem's scenarios)
                    source: Any = ScenarioSource(load_scenario(scen_path), scen_path)
            except (KeyError, ScenarioError) as err:
                raise PetabError(f"{p}: hemasim.scenarios.{cid}: {err!s}") from None
            one_patient(source.scenario, f"{p}: hemasim.scenarios.{cid}: {scen_path}", cid, PetabError)
        else:
            text = (root / sub["sbml_files"][0]).read_text(encoding="utf-8")
            source = SBMLSource(text, {q.target: q.id for q in parameters if q.target is not None})
        conditions.append(Condition(cid, source))
        orow_file = root / sub["observable_files"][0]
        mrows = _read_tsv(root / sub["measurement_files"][0])
        _check_measurement_rows(mrows, root / sub["measurement_files"][0], noise_seen)
        for r in mrows:  # numbers here, by file and row ('high' was a bare ValueError, NaN fitted as the failure
            # value 1e10 at every vector)
            where = f"{root / sub['measurement_files'][0]}: row {r.line}"
            if (r.get("time") or "").strip().lower() in ("inf", "+inf", "infinity"):  # PEtab: at steady state
                raise PetabError(f"{where}: column time: {r['time']!r}: steady-state measurements are not supported "
                                 "(hemasim simulates a time course; give the day of the measurement)")
            r["time"], r["measurement"] = (_finite(r, key, where) for key in ("time", "measurement"))  # type: ignore[assignment]
            r["_where"] = where  # the problem's checks name this file and row (they named problem.yaml, row n of all)
        meas_rows += mrows
        for orow in _read_tsv(orow_file):
            where = f"{orow_file}: row {orow.line}"
            weights = _parse_formula(orow["observableFormula"], where)
            obs_scale = float(orow.get("hemasim_scale") or 1.0)
            if isinstance(source, SBMLSource):
                source.observables[orow.get("observableName") or orow["observableId"]] = {
                    k: w / obs_scale for k, w in weights.items()}
            observable_rows[orow["observableId"]] = (orow, where, obs_scale)
    observables = {}
    for oid, (orow, where, obs_scale) in observable_rows.items():
        noise_par = noise_seen.get(oid, ("1", ""))[0]  # '1': an observable no table measures (its noise unused)
        lloq = orow.get("hemasim_lloq") or None
        observables[oid] = ObservableSpec(oid, orow.get("observableName") or oid, _noise_from_row(orow, noise_par, where),
                                          obs_scale, float(lloq) if lloq else None)
    m = Measurements.from_rows([r["simulationConditionId"] for r in meas_rows],
                               [r["time"] for r in meas_rows], [r["observableId"] for r in meas_rows],  # type: ignore[misc]
                               [r["measurement"] for r in meas_rows],  # type: ignore[misc]
                               [r.get("hemasim_censored", "0") == "1" for r in meas_rows], source=str(p))
    m = replace(m, locations=tuple(r["_where"] for r in meas_rows))
    problem = Problem(p.stem, tuple(conditions), tuple(observables.values()), tuple(parameters), m,
                      problem_file=str(p), data_files=(str(p),))
    return problem.checked() if engine == "hemasim" else problem


# ---------------------------------------------------------------------------------------------- libRoadRunner
@dataclass
class SBMLSource:
    """A condition as an SBML model (PEtab import): ``ids`` maps run-record names to the SBML parameter ids;
    ``observables`` maps each observable name to its species weights."""

    sbml: str
    ids: dict[str, str]
    observables: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def parameter_names(self) -> frozenset[str]:
        return frozenset(self.ids)

    def build(self, values: Mapping[str, float]) -> Model:
        raise TypeError("an SBML condition runs on RoadRunnerEngine, not on hemasim's engines")

    def events(self) -> list[Event]:
        return []

    def describe(self) -> str:
        return "an SBML model (PEtab)"


@dataclass
class RoadRunnerEngine:
    """libRoadRunner (CVODE) on each condition's SBML, one parameter vector after another.

    Works with :class:`SBMLSource` (PEtab import) and with scenario sources (their SBML export, re-targeted per
    vector through the exported constants)."""

    rtol: float = 1e-8
    atol: float = 1e-10
    _loaded: dict[int, Any] = field(default_factory=dict, repr=False)
    _exports: dict[int, str] = field(default_factory=dict, repr=False)

    def _runner(self, sbml: str) -> Any:
        import roadrunner

        key = hash(sbml)
        if key not in self._loaded:
            rr = roadrunner.RoadRunner(sbml)
            rr.integrator.relative_tolerance = self.rtol
            rr.integrator.absolute_tolerance = self.atol
            self._loaded[key] = rr
        return self._loaded[key]

    def simulate(self, source: Any, values: Sequence[Mapping[str, float]], times: np.ndarray,
                 observe: Sequence[str]) -> np.ndarray:
        import roadrunner

        level = roadrunner.Logger.getLevel()
        roadrunner.Logger.setLevel(roadrunner.Logger.LOG_FATAL)  # CVODE's per-step warnings; failures give NaN
        try:
            if isinstance(source, SBMLSource):
                return self._simulate(source, values, times, observe)
            return self._simulate_built(source, values, times, observe)
        finally:
            roadrunner.Logger.setLevel(level)

    def _simulate(self, source: SBMLSource, values: Sequence[Mapping[str, float]], times: np.ndarray,
                  observe: Sequence[str]) -> np.ndarray:
        rr = self._runner(source.sbml)
        species = list(rr.model.getFloatingSpeciesIds())
        weights = np.zeros((len(observe), len(species)))
        for i, name in enumerate(observe):
            for s, w in source.observables[name].items():
                weights[i, species.index(s)] = w
        out = np.full((len(values), len(times), len(observe)), np.nan)
        for b, v in enumerate(values):
            rr.resetAll()
            for target, value in v.items():
                rr[source.ids[target]] = float(value)
            try:
                res = np.array(rr.simulate(times=list(map(float, times)), selections=species))
            except RuntimeError:
                continue
            out[b] = np.maximum(res, 0.0) @ weights.T
        return out

    def _simulate_built(self, source: Any, values: Sequence[Mapping[str, float]], times: np.ndarray,
                        observe: Sequence[str]) -> np.ndarray:
        """A hemasim-built condition: its SBML export loaded once, re-targeted per vector by setting every
        exported constant and the initial amounts (hemasim's steady state), as the cohort cross-check does."""
        from hemasim.model.sbml import sbml_parameter_values, to_sbml
        from hemasim.simulation import steady_state

        moved = source.events_moved_by(values) if hasattr(source, "events_moved_by") else []
        if moved:  # the export holds the condition's events as built once
            raise ValueError(f"RoadRunnerEngine: {moved[0]} is read by the condition's events, which its SBML export "
                             "holds at one value, so a vector's own would not reach them (the hemasim kernel engine "
                             "sets it per vector)")
        models = [source.build(v).compile() for v in values]
        first = models[0]
        key = id(source)
        if key not in self._exports:
            events = [e for ev in source.events() for e in ev.expand()]
            self._exports[key] = to_sbml(first, events, initial_state=steady_state(first))
        rr = self._runner(self._exports[key])
        selected = [first.observable_names.index(name) for name in observe]
        out = np.full((len(values), len(times), len(observe)), np.nan)
        for b, model in enumerate(models):
            if np.any(model.obs_flux_w[selected]):
                raise ValueError("RoadRunnerEngine reads observables that are species sums only")
            rr.resetAll()
            amounts = dict(zip(model.state_names, steady_state(model), strict=True))
            # initial amounts (events at day 0 still fire on them); the model's setter does not regenerate code
            rr.model.setFloatingSpeciesInitAmounts(np.array([amounts[s] for s in rr.model.getFloatingSpeciesIds()]))
            rr.reset()
            for pid, value in sbml_parameter_values(model).items():  # after reset(), which restores them
                rr[pid] = value
            try:
                res = np.array(rr.simulate(times=list(map(float, times)), selections=model.state_names))
            except RuntimeError:
                continue
            out[b] = np.maximum(res, 0.0) @ model.obs_state_w[selected].T
        return out

    def describe(self) -> str:
        return f"libRoadRunner CVODE (rtol {self.rtol:g})"
