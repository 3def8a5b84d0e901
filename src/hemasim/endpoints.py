"""Clinical read-outs of a simulated time series, with their standard definitions.

Each endpoint is an object (name, unit, definition) evaluated on a :class:`~hemasim.simulation.Result`.
Days are counted on the output grid: a duration is the number of output intervals whose value is
below the threshold times the interval length.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from hemasim.simulation import Result


@dataclass(frozen=True)
class EndpointValue:
    name: str
    value: float | None  # None: not reached / not applicable
    unit: str
    definition: str

    def to_json(self) -> dict[str, object]:
        return {"value": self.value, "unit": self.unit, "definition": self.definition}


@dataclass(frozen=True)
class Endpoint(ABC):
    """A clinical read-out of one observable. ``values`` works on many patients at once."""

    observable: str

    @property
    @abstractmethod
    def name(self) -> str: ...

    @property
    @abstractmethod
    def unit(self) -> str: ...

    @property
    @abstractmethod
    def definition(self) -> str: ...

    @abstractmethod
    def values(self, times: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Endpoint of each row of ``v`` (patients x times); NaN where not reached."""

    def evaluate(self, result: Result) -> EndpointValue:
        x = float(self.values(result.times, result.observable(self.observable)[None, :])[0])
        return EndpointValue(self.name, None if np.isnan(x) else x, self.unit, self.definition)


def _label(x: float) -> str:
    return f"{x:g}".replace(".", "p")


def _short(observable: str) -> str:
    return observable.rsplit("_", 3)[0]


@dataclass(frozen=True)
class Nadir(Endpoint):
    unit_: str

    @property
    def name(self) -> str:
        return f"{_short(self.observable)}_nadir"

    @property
    def unit(self) -> str:
        return self.unit_

    @property
    def definition(self) -> str:
        return f"lowest {self.observable} over the run"

    def values(self, times: np.ndarray, v: np.ndarray) -> np.ndarray:
        return v.min(axis=1)


@dataclass(frozen=True)
class DayOfNadir(Endpoint):
    @property
    def name(self) -> str:
        return f"{_short(self.observable)}_nadir_day"

    unit = "day"

    @property
    def definition(self) -> str:
        return f"first day on which {self.observable} is lowest"

    def values(self, times: np.ndarray, v: np.ndarray) -> np.ndarray:
        return times[np.argmin(v, axis=1)].astype(np.float64)


@dataclass(frozen=True)
class DaysBelow(Endpoint):
    threshold: float
    label: str  # e.g. "CTCAE grade >= 3 neutropenia"

    @property
    def name(self) -> str:
        return f"days_{_short(self.observable)}_below_{_label(self.threshold)}"

    unit = "day"

    @property
    def definition(self) -> str:
        return f"days with {self.observable} < {self.threshold:g} ({self.label})"

    def values(self, times: np.ndarray, v: np.ndarray) -> np.ndarray:
        dt = np.diff(times)
        return ((v[:, :-1] < self.threshold) * dt).sum(axis=1)


@dataclass(frozen=True)
class FirstSustainedDay(Endpoint):
    """First day of ``run_days`` consecutive days at or above ``threshold`` after the value was below it
    (engraftment-type definition). Not reached (NaN) when never below, or never recovered."""

    threshold: float
    run_days: int
    label: str

    @property
    def name(self) -> str:
        return f"{self.label}_day"

    unit = "day"

    @property
    def definition(self) -> str:
        return (f"first of {self.run_days} consecutive days with {self.observable} >= {self.threshold:g}, "
                "after it was below")

    def values(self, times: np.ndarray, v: np.ndarray) -> np.ndarray:
        first_day = np.floor(times[0] + 1e-9)
        return engraftment_days(times - first_day, v, self.threshold, self.run_days) + first_day


@dataclass(frozen=True)
class FinalValue(Endpoint):
    unit_: str

    @property
    def name(self) -> str:
        return f"{self.observable.rsplit('_per_', 1)[0]}_final"

    @property
    def unit(self) -> str:
        return self.unit_

    @property
    def definition(self) -> str:
        return f"{self.observable} at the end of the run"

    def values(self, times: np.ndarray, v: np.ndarray) -> np.ndarray:
        return v[:, -1].astype(np.float64)


#: Endpoints computed for every run (CTCAE v5 grade thresholds; engraftment per EBMT/CIBMTR).
DEFAULT_ENDPOINTS: tuple[Endpoint, ...] = (
    Nadir("anc_1e9_per_L", "1e9/L"),
    DayOfNadir("anc_1e9_per_L"),
    DaysBelow("anc_1e9_per_L", 1.0, "CTCAE grade >= 3 neutropenia"),
    DaysBelow("anc_1e9_per_L", 0.5, "CTCAE grade 4 neutropenia; febrile-neutropenia risk window"),
    FirstSustainedDay("anc_1e9_per_L", 0.5, 3, "neutrophil_recovery"),
    Nadir("platelets_1e9_per_L", "1e9/L"),
    DayOfNadir("platelets_1e9_per_L"),
    DaysBelow("platelets_1e9_per_L", 50.0, "CTCAE grade >= 3 thrombocytopenia"),
    DaysBelow("platelets_1e9_per_L", 25.0, "CTCAE grade 4 thrombocytopenia"),
    FirstSustainedDay("platelets_1e9_per_L", 20.0, 7, "platelet_recovery"),
    Nadir("hemoglobin_g_per_dL", "g/dL"),
    DaysBelow("hemoglobin_g_per_dL", 8.0, "CTCAE grade >= 3 anaemia"),
    Nadir("lymphocytes_1e9_per_L", "1e9/L"),
    FinalValue("cd4_per_uL", "cells/uL"),
    FinalValue("cd8_per_uL", "cells/uL"),
    FinalValue("b_cells_per_uL", "cells/uL"),
    FinalValue("nk_cells_per_uL", "cells/uL"),
)


def evaluate_endpoints(result: Result, endpoints: tuple[Endpoint, ...] = DEFAULT_ENDPOINTS) -> list[EndpointValue]:
    """``endpoints`` (the observables a model lacks are skipped), the drug endpoints of a run with drugs, and
    the endpoints its scenario's transplants, vaccines and infections call for."""
    names = set(result.model.observable_names)
    scenario = result.metadata.get("scenario")
    wanted = scenario_endpoint_observables(scenario, result.model.observable_names)
    obs = {name: result.observable(name)[None, :] for name in wanted}
    extra = [EndpointValue(name, None if np.isnan(v[0]) else float(v[0]), unit, definition)
             for name, unit, definition, v in scenario_endpoint_values(scenario, result.times, obs,
                                                                       result.model.parameters)]
    return [e.evaluate(result) for e in endpoints if e.observable in names] + drug_endpoints(result) + extra


def _daily(days: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Per patient and whole day from day 0: True when every output of that day is ``ok``. A day without
    outputs (output coarser than daily) is judged by the last output before it, so "3 consecutive days" does
    not fail for want of samples; days before the first output are False. ``days`` (T,), ``ok`` (N, T) -> (N, D)."""
    idx = np.floor(days + 1e-9).astype(np.int64)
    n_days = int(idx[-1]) + 1
    out = np.ones((ok.shape[0], n_days), dtype=bool)
    has = np.zeros(n_days, dtype=bool)
    np.logical_and.at(out.T, idx, ok.T)
    has[idx] = True
    # index of the last day with an output at or before each day (-1 before the first)
    last = np.maximum.accumulate(np.where(has, np.arange(n_days), -1))
    return np.where(last >= 0, out[:, np.maximum(last, 0)], False)


def _first_run(day_ok: np.ndarray, run: int) -> np.ndarray:
    """First day starting ``run`` consecutive True days, per patient (NaN if none)."""
    if day_ok.shape[1] < run:
        return np.full(day_ok.shape[0], np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(day_ok, run, axis=1).all(axis=2)
    first = np.argmax(windows, axis=1).astype(np.float64)
    return np.where(windows.any(axis=1), first, np.nan)


def engraftment_days(days: np.ndarray, v: np.ndarray, threshold: float, run: int) -> np.ndarray:
    """First of ``run`` consecutive days at or above ``threshold`` after the first day below it (NaN when never
    below, or not recovered). ``days`` (T,) from the graft, ``v`` (N, T)."""
    below = v < threshold
    day_ok = _daily(days, ~below)
    first_below = np.where(below.any(axis=1), np.floor(days[np.argmax(below, axis=1)] + 1e-9), np.inf)
    day_ok &= np.arange(day_ok.shape[1])[None, :] >= first_below[:, None]
    return _first_run(day_ok, run)


#: (observable, reference parameter, label) for immune recovery.
RECOVERY_LINEAGES = (("nk_cells_per_uL", "nk_reference_per_uL", "nk"), ("cd8_per_uL", "cd8_reference_per_uL", "cd8"),
                     ("b_cells_per_uL", "b_reference_per_uL", "b"), ("cd4_per_uL", "cd4_reference_per_uL", "cd4"))
CHIMERISM_LINEAGES = ("anc_1e9_per_L", "monocytes_1e9_per_L", "platelets_1e9_per_L", "cd4_per_uL", "cd8_per_uL",
                      "b_cells_per_uL", "nk_cells_per_uL")
CHIMERISM_DAYS = (28, 60, 100, 365)
TRANSPLANT_OBSERVABLES = tuple(dict.fromkeys([
    "anc_1e9_per_L", "platelets_1e9_per_L", *(o for o, _, _ in RECOVERY_LINEAGES), *CHIMERISM_LINEAGES,
    *(f"{o}__donor" for o in CHIMERISM_LINEAGES)]))


def transplant_endpoint_values(days: np.ndarray, obs: dict[str, np.ndarray], references: dict[str, float]
                               ) -> list[tuple[str, str, str, np.ndarray]]:
    """Engraftment, immune recovery and chimerism for many patients: ``days`` (T,) from the graft (>= 0),
    ``obs`` name -> (N, T) for :data:`TRANSPLANT_OBSERVABLES`; returns (name, unit, definition, values (N,))."""
    n = next(iter(obs.values())).shape[0]
    unit = "day after graft"
    anc_day = engraftment_days(days, obs["anc_1e9_per_L"], 0.5, 3)
    out = [("neutrophil_engraftment_day", unit, "first of 3 consecutive days with ANC >= 0.5e9/L after the "
            "post-graft fall below it (not reached: never below, or not recovered)", anc_day),
           ("platelet_engraftment_day", unit, "first of 7 consecutive days with platelets >= 20e9/L after the "
            "post-graft fall below it", engraftment_days(days, obs["platelets_1e9_per_L"], 20.0, 7))]
    aplasia = (obs["anc_1e9_per_L"] < 0.5).any(axis=1)
    failed = aplasia & ~(anc_day <= 28)
    known = failed | ~aplasia | np.isfinite(anc_day) | (days[-1] >= 28)
    out.append(("primary_graft_failure", "flag", "1 if ANC fell below 0.5e9/L and had not engrafted by day 28 "
                "after the graft", np.where(known, failed.astype(np.float64), np.nan)))
    for name, ref, label in RECOVERY_LINEAGES:
        half = 0.5 * np.broadcast_to(np.asarray(references[ref], dtype=np.float64), (n,))
        out.append((f"{label}_50pct_normal_day", unit, f"first day {name} reaches half the reference count for the "
                    f"patient's age ({np.median(half):g}/uL)", _first_run(_daily(days, obs[name] >= half[:, None]), 1)))
    out.append(("cd4_200_day", unit, "first day with CD4 >= 200/uL after the graft",
                _first_run(_daily(days, obs["cd4_per_uL"] >= 200.0), 1)))
    for name in CHIMERISM_LINEAGES:
        for d in CHIMERISM_DAYS:
            if d > days[-1] + 1e-9:
                continue
            i = int(np.argmin(np.abs(days - d)))
            total = obs[name][:, i]
            share = np.divide(obs[f"{name}__donor"][:, i], total, out=np.full(n, np.nan), where=total > 0)
            out.append((f"donor_chimerism_{name.split('_per_')[0]}_day{d}", "fraction",
                        f"donor share of {name} on day {d} after the graft", share))
    return out


def graft_day(scenario: dict | None) -> float | None:
    """Day of the first transplant of a scenario (as dumped to JSON), or None."""
    ivs = [iv for iv in (scenario or {}).get("interventions", []) if iv.get("kind") == "transplant"]
    return float(ivs[0]["day"]) if ivs else None


def dose_endpoint_values(log: list[dict[str, Any]], n: int, drugs: list[str] | None = None
                         ) -> list[tuple[str, str, str, np.ndarray]]:
    """Per drug (those of the log unless ``drugs`` is given) and patient, from an administration log
    (entries hold one value, or one per patient of a cohort): mg delivered, the fraction of the full doses
    delivered (reductions) and the cycles a dose rule delayed."""
    out = []
    for drug in drugs if drugs is not None else list(dict.fromkeys(e["drug"] for e in log)):
        mine = [e for e in log if e["drug"] == drug]
        given, full, delays = np.zeros(n), np.zeros(n), np.zeros(n)
        for e in mine:
            planned = np.broadcast_to(np.asarray(e["planned_ug"], dtype=np.float64), (n,))
            if e["action"] == "given":
                given += np.broadcast_to(np.asarray(e["given_ug"], dtype=np.float64), (n,))
                full += planned
            elif str(e["action"]).startswith("delayed"):
                delays += planned > 0
        out += [(f"{drug}_delivered_mg", "mg", f"total {drug} given (after reductions)", given / 1000.0),
                (f"{drug}_fraction_of_planned_dose", "1", f"{drug} given / full doses of the administrations made "
                 "(dose reductions lower it; delays are counted separately)",
                 np.divide(given, full, out=np.full(n, np.nan), where=full > 0)),
                (f"{drug}_cycle_delays", "count", f"{drug} cycles delayed by a dose rule", delays)]
    return out


def drug_endpoints(result: Result) -> list[EndpointValue]:
    """Per drug: cumulative exposure (AUC from the start) and the dose endpoints of
    :func:`dose_endpoint_values`, read from the exposure observable and the run's administration log."""
    out: list[EndpointValue] = []
    log = result.metadata.get("administrations", [])
    for obs in result.model.observable_names:
        if not obs.endswith("_auc_ng_h_per_mL"):
            continue
        drug = obs.removesuffix("_auc_ng_h_per_mL")
        out.append(EndpointValue(f"{drug}_cumulative_auc", float(result.observable(obs)[-1]), "ng*h/mL",
                                 f"area under the {drug} plasma concentration curve from day 0 to the end of the run"))
        out += [EndpointValue(name, None if np.isnan(v[0]) else float(v[0]), unit, definition)
                for name, unit, definition, v in dose_endpoint_values(log, 1, [drug])]
    return out


def endpoint_observables(endpoints: tuple[Endpoint, ...] = DEFAULT_ENDPOINTS) -> list[str]:
    """The observables the endpoints read, in first-use order."""
    return list(dict.fromkeys(e.observable for e in endpoints))



#: A vaccinee "responds" when IgG 28 days after the last dose is at least this share of a healthy
#: reference adult's after the same schedule (a relative criterion: antibody units are arbitrary).
RESPONDER_SHARE = 0.25


@functools.cache  # the same schedule's reference is asked for by every run and cohort partition
def _reference_igg_day28(antigen: str, doses: tuple[tuple[float, float], ...]) -> float:
    from hemasim.biology import REFERENCE_ADULT, healthy_human_model
    from hemasim.biology.vaccine import VaccineResponse, antigen_state
    from hemasim.events import CellInfusion
    from hemasim.simulation import Simulation

    model = healthy_human_model(REFERENCE_ADULT, aging=False, extensions=[VaccineResponse(antigen)])
    events = [CellInfusion(day, antigen_state(antigen), dose) for day, dose in doses]
    r = Simulation(model, events=events).run(max(d for d, _ in doses) + 28.0, 1.0)
    return float(r.observable(f"{antigen}_igg_au")[-1])


def vaccine_schedules(scenario: dict | None) -> dict[str, tuple[tuple[float, float], ...]]:
    """Antigen -> its (day, dose) pairs, from a scenario as dumped to JSON."""
    ivs = [iv for iv in (scenario or {}).get("interventions", []) if iv.get("kind") == "vaccine"]
    return {a: tuple((float(iv["day"]), float(iv.get("dose", 1.0))) for iv in ivs if iv["antigen"] == a)
            for a in dict.fromkeys(iv["antigen"] for iv in ivs)}


def vaccine_observables(schedules: dict[str, tuple[tuple[float, float], ...]]) -> list[str]:
    return [f"{a}_{k}" for a in schedules for k in ("plasmablasts_au", "igg_au")]


def vaccine_endpoint_values(times: np.ndarray, obs: dict[str, np.ndarray],
                            schedules: dict[str, tuple[tuple[float, float], ...]]
                            ) -> list[tuple[str, str, str, np.ndarray]]:
    """Per antigen, for many patients (``obs``: name -> (N, T)): plasmablast peak day and IgG peak after the
    first dose, IgG 28 days after the last dose, that IgG relative to a healthy 35-year-old given the same
    doses, and the responder flag (relative response at least :data:`RESPONDER_SHARE`)."""
    out = []
    for antigen, doses in schedules.items():
        first, last = min(d for d, _ in doses), max(d for d, _ in doses)
        pb, igg = obs[f"{antigen}_plasmablasts_au"], obs[f"{antigen}_igg_au"]
        later = [d for d, _ in doses if d > first]
        window = (times >= first) & (times <= (min(later) if later else np.inf))
        out.append((f"{antigen}_plasmablast_peak_day", "day after first dose", "day of the plasmablast peak after "
                    "the first dose", times[window][np.argmax(pb[:, window], axis=1)] - first))
        out.append((f"{antigen}_igg_peak_au", "AU", f"highest {antigen} IgG", igg.max(axis=1)))
        if times[-1] < last + 28.0 - 1e-9:
            continue
        d28 = np.array([np.interp(last + 28.0, times, row) for row in igg])
        rel = d28 / _reference_igg_day28(antigen, doses)
        out += [(f"{antigen}_igg_day28_au", "AU", f"{antigen} IgG 28 days after the last dose", d28),
                (f"{antigen}_relative_response", "1", "day-28 IgG relative to a healthy 35-year-old given the same "
                 "doses", rel),
                (f"{antigen}_responder", "flag", f"1 if the relative response is at least {RESPONDER_SHARE:g}",
                 (rel >= RESPONDER_SHARE).astype(np.float64))]
    return out


def _first_days(scenario: dict | None, kind: str, key: str, default: str) -> dict[str, float]:
    """Name (``key`` of each ``kind`` intervention) -> the day of its first one, from a scenario dumped to JSON."""
    out: dict[str, float] = {}
    for iv in (scenario or {}).get("interventions", []):
        if iv.get("kind") == kind:
            out.setdefault(iv.get(key, default), float(iv["day"]))
    return out


def infection_days(scenario: dict | None) -> dict[str, float]:
    """Pathogen -> the day of its (first) bacterial infection."""
    return _first_days(scenario, "infection", "pathogen", "bacteria")


def infection_observables(days: dict[str, float]) -> list[str]:
    return [*(f"{n}_cfu" for n in days), "wbc_1e9_per_L", "anc_1e9_per_L", "cd34_blood_per_uL"] if days else []


def infection_endpoint_values(times: np.ndarray, obs: dict[str, np.ndarray], days: dict[str, float]
                              ) -> list[tuple[str, str, str, np.ndarray]]:
    """Per pathogen, for many patients: cleared (below 1 CFU by the end), days to clearance, peak load, and
    the peak WBC and ANC after the infection."""
    out = []
    for n, day0 in days.items():
        after = times >= day0 - 1e-9
        cfu = obs[f"{n}_cfu"][:, after]
        t = times[after] - day0
        gone = cfu < 1.0
        cleared = gone[:, -1]
        first = np.where(gone.any(axis=1), t[np.argmax(gone, axis=1)], np.nan)
        out += [(f"{n}_cleared", "flag", f"1 if {n} fell below 1 CFU by the end of the run", cleared.astype(float)),
                (f"{n}_clearance_day", "day after infection", f"first day {n} is below 1 CFU",
                 np.where(cleared, first, np.nan)),
                (f"{n}_peak_cfu", "CFU", f"highest {n} load", cfu.max(axis=1)),
                (f"{n}_peak_wbc", "1e9/L", "highest WBC after the infection", obs["wbc_1e9_per_L"][:, after].max(axis=1)),
                (f"{n}_peak_anc", "1e9/L", "highest ANC after the infection",
                 obs["anc_1e9_per_L"][:, after].max(axis=1)),
                (f"{n}_peak_cd34_blood", "cells/uL",
                 "highest circulating CD34+ count after the infection (mobilisation)",
                 obs["cd34_blood_per_uL"][:, after].max(axis=1))]
    return out


#: free virus below this (TCID50/mL, about the detection limit of culture from nasal wash) counts as cleared
VIRUS_DETECTION_TCID50 = 1.0


def viral_infection_days(scenario: dict | None) -> dict[str, float]:
    """Virus -> the day of its (first) infection."""
    return _first_days(scenario, "viral_infection", "virus", "influenza")


def viral_observables(days: dict[str, float]) -> list[str]:
    names = [f"{v}_{o}" for v in days for o in ("viral_load", "cd8_effectors_au", "igg_au")]
    return [*names, "wbc_1e9_per_L", "anc_1e9_per_L", "lymphocytes_1e9_per_L"] if days else []


def viral_endpoint_values(times: np.ndarray, obs: dict[str, np.ndarray], days: dict[str, float]
                          ) -> list[tuple[str, str, str, np.ndarray]]:
    """Per virus, for many patients: cleared (below the detection limit from some day to the end), the first
    such day, the peak load, the peak of virus-specific CD8 effectors and virus-specific IgG 28 days on."""
    out = []
    for v, day0 in days.items():
        after = times >= day0 - 1e-9
        load = obs[f"{v}_viral_load"][:, after]
        t = times[after] - day0
        below = load < VIRUS_DETECTION_TCID50
        # last time at or above the limit; cleared from the next output on
        above_any = (~below).any(axis=1)
        last_above = np.where(above_any, below.shape[1] - 1 - np.argmax((~below)[:, ::-1], axis=1), -1)
        cleared = below[:, -1]
        nxt = np.minimum(last_above + 1, len(t) - 1)
        igg = obs[f"{v}_igg_au"][:, after]
        out += [(f"{v}_cleared", "flag",
                 f"1 if {v} is below {VIRUS_DETECTION_TCID50:g} TCID50/mL at the end of the run", cleared.astype(float)),
                (f"{v}_clearance_day", "day after infection",
                 f"first day from which {v} stays below {VIRUS_DETECTION_TCID50:g} TCID50/mL",
                 np.where(cleared, t[nxt], np.nan)),
                (f"{v}_peak_viral_load", "TCID50/mL", f"highest {v} load", load.max(axis=1)),
                (f"{v}_peak_cd8_effectors", "AU", f"highest {v}-specific effector CD8 count",
                 obs[f"{v}_cd8_effectors_au"][:, after].max(axis=1)),
                (f"{v}_igg_day28", "AU", f"{v}-specific IgG 28 days after infection",
                 np.array([np.interp(28.0, t, row) for row in igg])),
                (f"{v}_peak_wbc", "1e9/L", "highest WBC after the infection", obs["wbc_1e9_per_L"][:, after].max(axis=1)),
                (f"{v}_peak_anc", "1e9/L", "highest ANC after the infection", obs["anc_1e9_per_L"][:, after].max(axis=1)),
                (f"{v}_lowest_lymphocytes", "1e9/L", "lowest lymphocyte count after the infection",
                 obs["lymphocytes_1e9_per_L"][:, after].min(axis=1))]
    return out


# ------------------------------------------------------------------ endpoints a scenario calls for
# Each family reads the scenario (as dumped to JSON), names the observables it needs, and computes its
# endpoints for many patients at once, so single runs and cohorts share one implementation.
def scenario_endpoint_observables(scenario: dict | None, available: list[str]) -> list[str]:
    """The observables the scenario's transplant, vaccine and infection endpoints read."""
    names: list[str] = []
    if graft_day(scenario) is not None and "anc_1e9_per_L__donor" in available:
        names += TRANSPLANT_OBSERVABLES
    names += vaccine_observables(vaccine_schedules(scenario))
    names += infection_observables(infection_days(scenario))
    names += viral_observables(viral_infection_days(scenario))
    return list(dict.fromkeys(names))


def scenario_endpoint_values(scenario: dict | None, times: np.ndarray, obs: dict[str, np.ndarray],
                             parameters: Any, ages_years: Any = None) -> list[tuple[str, str, str, np.ndarray]]:
    """(name, unit, definition, values per patient) of the transplant, vaccine and infection endpoints;
    ``obs`` maps each name of :func:`scenario_endpoint_observables` to (patients, times) values; ``ages_years``
    (per patient; default the scenario patient's) sets the age-specific lymphocyte references."""
    from hemasim.biology.lymphoid import child_lymphocyte_factor

    out: list[tuple[str, str, str, np.ndarray]] = []
    day0 = graft_day(scenario)
    if day0 is not None and "anc_1e9_per_L__donor" in obs:
        after = times >= day0 - 1e-9
        age = scenario["patient"]["age_years"] if ages_years is None else ages_years  # type: ignore[index]
        refs = {ref: parameters.value(ref) * child_lymphocyte_factor(parameters.value, label, age)
                for _, ref, label in RECOVERY_LINEAGES}
        out += transplant_endpoint_values(times[after] - day0, {n: obs[n][:, after] for n in TRANSPLANT_OBSERVABLES},
                                          refs)
    out += vaccine_endpoint_values(times, obs, vaccine_schedules(scenario))
    out += infection_endpoint_values(times, obs, infection_days(scenario))
    out += viral_endpoint_values(times, obs, viral_infection_days(scenario))
    return out
