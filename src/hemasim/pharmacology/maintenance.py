"""Maintenance therapy of childhood ALL: a dose-driven (K-PD) Friberg model of the neutrophil count, and the
allMT blood-count records it is fitted to.

Oral 6-mercaptopurine (daily) and methotrexate (weekly) act through intracellular metabolites (thioguanine and
methotrexate polyglutamates) that accumulate over weeks; no drug concentration is recorded in the data, only the
prescribed doses. The model is therefore a K-PD model (Jacqmin et al. 2007): each drug's dose intensity I(t)
(fraction of the protocol dose, piecewise constant between assessments) drives a virtual compartment

    dA_d/dt = KDE * (I_d(t) - A_d)            (A_d: effective dose intensity, = I_d at steady state)

whose value acts linearly on the proliferation of the Friberg 2002 chain:

    E = slope_MP * A_MP + slope_MTX * A_MTX
    dProl/dt = k_tr Prol (1 - E) (Circ0/Circ)^gamma - k_tr Prol
    dTransit_i/dt = k_tr (previous - Transit_i),  i = 1..3;   dCirc/dt = k_tr (Transit_3 - Circ);  k_tr = 4/MTT

States are 1e9/L (the chain) and dimensionless (A_d). Daily oral 6-MP is represented as a continuous input at its
weekly mean: the metabolites turn over in days to weeks (KDE ~ 0.1/day), much slower than the daily dosing
interval, so the within-week fluctuation of A_d is a few per cent; for weekly MTX it is larger (about 35% peak to
trough at KDE = 0.1/day) but its effect is the smaller one and is averaged the same way (assumed). The dose
schedule is part of the model (zero-order input flows switched by WINDOW feedbacks), so the kernels, the numpy
reference path and the SBML export run it without events. The patient is assumed at steady state under the
first recorded doses at the first assessment (the records start in ongoing maintenance).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from hemasim._checkout import checkout_data, require_checkout_file
from hemasim.model.core import Feedback, FeedbackKind, Model, Module, Observable, Signal, Value
from hemasim.model.info import ModelInfo
from hemasim.parameters import Assumed, Cited, Parameter, ParameterSet, Reference
from hemasim.parameters.bibliography import FRIBERG_2002

__all__ = [
    "ALLMT_DIR", "ALLMT_PATIENTS", "MAINTENANCE_PARAMETERS", "DosePeriods", "MaintenanceRecord", "load_allmt",
    "load_allmt_patient", "maintenance_model", "maintenance_parameters", "steady_state_under_first_dose",
]

#: the allMT data folder of a source checkout (GPL-3 data, kept outside the package: see data/allmt/README.md)
ALLMT_DIR = checkout_data("allmt")
#: the five distinct patients (UPN_1 and UPN_2 are allMT's format examples built from UPN_918's record)
ALLMT_PATIENTS = ("UPN_914", "UPN_915", "UPN_916", "UPN_917", "UPN_918")

JACQMIN_2007 = Reference(
    "Jacqmin2007", "Jacqmin P, Snoeck E, van Schaick EA, Gieschke R, Pillai P, Steimer JL, Girard P.", 2007,
    "Modelling response time profiles in the absence of drug concentrations: definition and performance "
    "evaluation of the K-PD model", "J Pharmacokinet Pharmacodyn 34:57-85", "10.1007/s10928-006-9035-z")
JOST_2020 = Reference(
    "Jost2020", "Jost F, Zierk J, Le TTT, Raupach T, Rauh M, Suttorp M, Stanulla M, Metzler M, Sager S.", 2020,
    "Model-based simulation of maintenance therapy of childhood acute lymphoblastic leukemia",
    "Front Physiol 11:217", "10.3389/fphys.2020.00217")
DAS_2022 = Reference(
    "Das2022", "Das N, Banavali S, Bakhshi S, et al.", 2022,
    "Protocol for ICiCLe-ALL-14 (InPOG-ALL-15-01): a prospective, risk stratified, randomised, multicentre, open "
    "label, controlled therapeutic trial for newly diagnosed childhood acute lymphoblastic leukaemia in India",
    "Trials 23:102", "10.1186/s13063-022-06033-1")

_REQUIRED_COLUMNS = ("Dates", "ANC", "PLT", "Hb", "MP", "MTX", "MP_adj", "MTX_adj")


def maintenance_parameters() -> list[Parameter]:
    """Typical values (the prior's centre) of the maintenance model, with sources; fitted per patient."""
    friberg_mtt = Cited(FRIBERG_2002, "final estimates: MTT 88.7-135 h across six drugs (neutrophils); 125 h "
                                      "is the system value carried to later analyses, ~5.2 days")
    return [
        Parameter("maintenance_circ0_1e9_per_L", 3.0, "1e9/L", "ANC without maintenance drugs (Circ0)",
                  Assumed("the level of the ANC forecast", "children's ANC reference range 1.5-8e9/L, geometric "
                          "centre ~3.5; lower in children of South Asian origin (benign ethnic neutropenia); "
                          "fitted per patient"), bounds=(0.3, 20.0), iiv_cv=0.5),
        Parameter("maintenance_mtt_days", 125.0 / 24.0, "day", "mean transit time of the chain (MTT)", friberg_mtt,
                  bounds=(1.0, 20.0), iiv_cv=0.3),
        Parameter("maintenance_gamma", 0.161, "1", "feedback exponent gamma",
                  Cited(FRIBERG_2002, "final estimates, docetaxel: gamma 0.161 (0.135-0.23 across drugs)"),
                  bounds=(0.02, 1.0)),
        Parameter("maintenance_kde_per_day", 0.1, "1/day", "K-PD elimination rate of the effective dose (KDE)",
                  Assumed("how fast the ANC follows a dose change", "thioguanine nucleotides in red cells reach "
                          "steady state in ~4 weeks of daily 6-MP (Jost 2020, 6-MP/TGN model), i.e. a half-life "
                          "of about a week; KDE = ln 2 / 7 days ~ 0.1/day"), bounds=(0.005, 2.0), iiv_cv=0.5),
        Parameter("maintenance_slope_mp", 0.15, "1 per protocol dose", "drug effect of 6-MP at 100% dose "
                  "intensity (60 mg/m2/day)",
                  Assumed("the depth of the ANC under 6-MP", "chosen so that full protocol doses bring Circ0 = "
                          "3e9/L to the ICiCLe-ALL-14 target ANC ~1e9/L: (1 - E)^(1/gamma) = 1/3 with E = 0.16 "
                          "(Das 2022); 6-MP carries most of it (Jost 2020: MTX's effect did not improve "
                          "ANC predictions)"), bounds=(0.0, 2.0), iiv_cv=0.5),
        Parameter("maintenance_slope_mtx", 0.02, "1 per protocol dose", "drug effect of methotrexate at 100% dose "
                  "intensity (20 mg/m2/week)",
                  Assumed("the depth of the ANC under MTX", "small: Jost 2020 found no gain in ANC predictions "
                          "from an MTX effect; kept so that both recorded doses enter"), bounds=(0.0, 2.0)),
    ]


#: the parameters by name
MAINTENANCE_PARAMETERS: dict[str, Parameter] = {p.name: p for p in maintenance_parameters()}
_SHORT = {"circ0": "maintenance_circ0_1e9_per_L", "mtt": "maintenance_mtt_days", "gamma": "maintenance_gamma",
          "kde": "maintenance_kde_per_day", "slope_mp": "maintenance_slope_mp",
          "slope_mtx": "maintenance_slope_mtx"}


# ------------------------------------------------------------------------------------------------ data
@dataclass(frozen=True)
class DosePeriods:
    """Piecewise-constant dose intensities (fraction of the protocol dose): ``mp[k]``, ``mtx[k]`` hold from
    ``start_days[k]`` to ``start_days[k + 1]`` (the last to the end of the record and beyond)."""

    start_days: np.ndarray
    mp: np.ndarray
    mtx: np.ndarray


@dataclass(frozen=True)
class MaintenanceRecord:
    """One patient's maintenance record: counts at assessment days (day 0 = the first) and the doses."""

    patient: str
    days: np.ndarray
    anc_1e9_per_L: np.ndarray
    platelets_1e9_per_L: np.ndarray
    hb_g_per_dL: np.ndarray
    doses: DosePeriods


def _parse_date(text: str, where: str) -> date:
    s = text.strip()
    try:
        if "/" in s:
            d, m, y = (int(v) for v in s.split("/"))
            return date(y, m, d)
        return date.fromisoformat(s)
    except ValueError:
        raise ValueError(f"{where}: Dates {text!r} is not a date (dd/mm/YYYY or YYYY-mm-dd)") from None


def _number(text: str, where: str, column: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"{where}: {column} {text!r} is not a number") from None
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{where}: {column} {text!r} must be a finite number >= 0")
    return v


def load_allmt_patient(path: str | Path) -> MaintenanceRecord:
    """Read one allMT processed CSV (columns: see data/allmt/README.md); ValueError names file, row and column."""
    from hemasim._yaml_limits import decode_text

    path = Path(path)
    # decoded as a YAML input is (a BOM dropped; a byte that is not UTF-8 named by file, line and column): a Latin-1
    # byte was "'utf-8' codec can't decode byte 0xb5 in position 6", naming no file
    reader = csv.DictReader(decode_text(path.read_bytes(), str(path), "allMT record").splitlines())
    missing = [c for c in _REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{path}: missing columns {', '.join(missing)} (needs {', '.join(_REQUIRED_COLUMNS)})")
    rows = list(reader)
    if len(rows) < 2:
        raise ValueError(f"{path}: needs at least two assessments")
    dates = [_parse_date(r["Dates"], f"{path} row {i + 2}") for i, r in enumerate(rows)]
    days = np.array([(d - dates[0]).days for d in dates], dtype=np.float64)
    if np.any(np.diff(days) <= 0):
        raise ValueError(f"{path}: Dates must increase from row to row")

    def col(name: str, scale: float = 1.0) -> np.ndarray:
        return np.array([_number(r[name], f"{path} row {i + 2}", name) for i, r in enumerate(rows)]) * scale

    mp, mtx = col("MP_adj", 0.01), col("MTX_adj", 0.01)
    change = np.concatenate([[True], (np.diff(mp) != 0) | (np.diff(mtx) != 0)])
    doses = DosePeriods(days[change], mp[change], mtx[change])
    return MaintenanceRecord(path.stem, days, col("ANC"), col("PLT"), col("Hb"), doses)


def load_allmt(folder: str | Path = ALLMT_DIR, patients: Sequence[str] = ALLMT_PATIENTS) -> list[MaintenanceRecord]:
    folder = require_checkout_file(Path(folder), "allMT data folder")
    return [load_allmt_patient(folder / f"{p}.csv") for p in patients]


# ------------------------------------------------------------------------------------------------ model
def _values(overrides: Mapping[str, Value] | None) -> dict[str, Value]:
    """Parameter values by short name (circ0, mtt, gamma, kde, slope_mp, slope_mtx): typical unless given."""
    out: dict[str, Value] = {k: MAINTENANCE_PARAMETERS[v].value for k, v in _SHORT.items()}
    for k, v in (overrides or {}).items():
        key = next((s for s, full in _SHORT.items() if k in (s, full)), None)
        if key is None:
            raise KeyError(f"unknown maintenance parameter {k!r}; allowed: {', '.join(_SHORT)}")
        out[key] = np.asarray(v, dtype=np.float64) if np.ndim(v) else float(v)
    return out


def steady_state_under_first_dose(v: Mapping[str, Value], mp0: Value, mtx0: Value) -> tuple[Value, Value]:
    """(ANC, drug effect E) at steady state under constant intensities ``mp0``, ``mtx0``:
    Circ = Circ0 (1 - E)^(1/gamma), floored at 1e-3 Circ0 where E >= 1."""
    effect = np.asarray(v["slope_mp"]) * mp0 + np.asarray(v["slope_mtx"]) * mtx0
    spared = np.maximum(1.0 - effect, 1e-3 ** np.asarray(v["gamma"]))
    circ = np.asarray(v["circ0"]) * spared ** (1.0 / np.asarray(v["gamma"]))
    return (float(circ), float(effect)) if np.ndim(circ) == 0 else (circ, effect)


def maintenance_model(schedules: DosePeriods | Sequence[DosePeriods],
                      parameters: Mapping[str, Value] | None = None) -> Model:
    """The K-PD Friberg model driven by ``schedules``: one schedule (for one patient, or for every patient of
    an array of ``parameters``), or one schedule per patient (a batch of different patients, compiled as one
    cohort: each patient's schedule is its own WINDOW parameters, padded with empty windows)."""
    v = _values(parameters)
    per_patient = not isinstance(schedules, DosePeriods)
    sched = list(schedules) if not isinstance(schedules, DosePeriods) else [schedules]
    n_periods = max(len(s.start_days) for s in sched)

    def column(getter: str, pad: float) -> np.ndarray:
        out = np.full((len(sched), n_periods), pad)
        for i, s in enumerate(sched):
            arr = {"start": s.start_days, "end": np.append(s.start_days[1:], np.inf), "mp": s.mp, "mtx": s.mtx}
            out[i, :len(s.start_days)] = arr[getter]
        return out

    starts, ends = column("start", 0.0), column("end", 0.0)
    mp, mtx = column("mp", 0.0), column("mtx", 0.0)

    def pick(a: np.ndarray) -> Value:
        return a if per_patient else float(a[0])

    ktr = 4.0 / np.asarray(v["mtt"])
    kde = np.asarray(v["kde"])
    circ_ss, _ = steady_state_under_first_dose(v, pick(mp[:, 0]), pick(mtx[:, 0]))
    m = Module("maintenance_kpd_friberg")
    prol = m.compartment("prol", "proliferating cells (1e9/L equivalents)", circ_ss, "marrow", "progenitor")
    transits = [m.compartment(f"transit_{i}", f"maturing cells, transit {i} (1e9/L equivalents)", circ_ss, "marrow")
                for i in (1, 2, 3)]
    circ = m.compartment("circ", "circulating neutrophils (1e9/L)", circ_ss, "blood")
    used = ("maintenance_circ0_1e9_per_L", "maintenance_mtt_days", "maintenance_gamma")
    m.signals.append(Signal("circulating", {circ: 1.0}))
    m.feedbacks.append(Feedback("friberg_feedback", FeedbackKind.POWER,
                                (_v(v["circ0"]), _v(-np.asarray(v["gamma"])), _v(1e-9 * np.asarray(v["circ0"]))),
                                signal="circulating", parameters=used))
    m.flow("prol_proliferation", "proliferation", prol, prol, _v(ktr), consume=0.0, feedbacks=("friberg_feedback",),
           parameters=used)
    chain = [prol, *transits, circ]
    for a, b in zip(chain[:-1], chain[1:], strict=True):
        m.flow(f"{a}_to_{b}", "maturation", a, b, _v(ktr), parameters=used)
    m.flow("circ_loss", "death", circ, None, _v(ktr), parameters=used)
    for drug, intensity in (("mp", mp), ("mtx", mtx)):
        eff = m.compartment(f"{drug}_effective_intensity", f"K-PD effective dose intensity of {drug} "
                            "(fraction of the protocol dose)", pick(intensity[:, 0]), "drug")
        m.signals.append(Signal(f"{drug}_effective", {eff: 1.0}))
        m.feedbacks.append(Feedback(f"{drug}_effect", FeedbackKind.LINEAR, (_v(v[f"slope_{drug}"]),),
                                    signal=f"{drug}_effective", parameters=(f"maintenance_slope_{drug}",)))
        m.flow(f"{drug}_kill", "drug_kill", prol, None, _v(ktr), feedbacks=("friberg_feedback", f"{drug}_effect"),
               parameters=(*used, f"maintenance_slope_{drug}"))
        m.flow(f"{drug}_effective_loss", "elimination", eff, None, _v(kde), parameters=("maintenance_kde_per_day",))
        for k in range(n_periods):
            m.flow(f"{drug}_dose_period_{k}", "administration", None, eff, _v(kde * pick(intensity[:, k])),
                   feedbacks=(f"dose_period_{k}",), parameters=("maintenance_kde_per_day",))
    for k in range(n_periods):
        m.feedbacks.append(Feedback(f"dose_period_{k}", FeedbackKind.WINDOW,
                                    (pick(starts[:, k]), pick(ends[:, k]))))
    m.observables += [Observable("anc_1e9_per_L", "1e9/L", "absolute neutrophil count (K-PD Friberg chain)",
                                 {circ: 1.0}),
                      Observable("maintenance_drug_effect", "1", "drug effect E on proliferation",
                                 {f"{d}_effective_intensity": _v(v[f"slope_{d}"]) for d in ("mp", "mtx")})]
    records = [_record(MAINTENANCE_PARAMETERS[_SHORT[k]], val) for k, val in v.items()]
    params = ParameterSet.from_records("maintenance", records)
    info = ModelInfo(blood_volume_L=None, parameters_used=tuple(params), aging=False)
    return Model([m], params, name="maintenance_kpd_friberg", info=info)


def _v(x: object) -> Value:
    arr = np.asarray(x, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


def _record(p: Parameter, value: Value) -> Parameter:
    """The parameter record a run lists (the median of a batch's values)."""
    from dataclasses import replace

    return replace(p, value=float(np.clip(np.median(value), *p.bounds)))
