"""Random valid scenarios and the invariants every run must hold (fuzz35).

A seeded generator (numpy) writes scenario data of every intervention kind within its schema's ranges (patients,
chemotherapy of every drug set, G-CSF on a schedule or on demand, grafts, conditioning, radiation, infections,
vaccines, donations, apheresis, DLI, immunosuppression, iron, cell infusions and depletions, clones, SCID
genotypes), and each scenario is checked:

- it is refused up front with a ScenarioError naming a field, or it runs without another exception;
- every state and observable is finite and no count is below zero (beyond the solver's tolerance);
- the output grid is the one asked for (:func:`hemasim.simulation.output_times`);
- the same scenario run twice gives bit-identical results; its endpoints compute;
- without interventions (and without aging) the steady state holds;
- a run cut short before a later intervention equals the longer run's start (what lies after the end changes
  nothing before it);
- optionally (``--sbml K``): every K-th scenario's SBML, simulated by libRoadRunner, follows hemasim
  (tolerance of tests/conftest.py's assert_roadrunner_matches);
- optionally (``--arms K``, fuzz35b): the scenario with 2-4 arms, each the single run of the scenario it stands for;
  (``--population K``) a varied cohort of 4-17 patients inside its population's bounds, the same in partitions of 1
  and of 16; (``--explorer K``) uploaded to the explorer, run, downloaded and written back as YAML.

Separate modes (fuzz35b): ``--gene-therapy N`` random ``hemasim gene-therapy`` scenarios, ``--clonal N`` random
``hemasim clonal-hematopoiesis`` runs (docs/reliability.md lists what each checks).

Usage: ``PYTHONPATH=src python bench/fuzz_scenarios.py --n 200 --seed 0`` prints one line per failing case with
its seed (``--show SEED`` prints that scenario's YAML). tests/test_fuzz_scenarios.py runs a few seeds.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: a usual dose of each chemotherapy set (mg/m2) the generator scales by 0.3-1.5
CHEMO_DOSES_MG_PER_M2 = {
    "carboplatin_zandvliet2008": 400, "cyclophosphamide_ahmed2020": 600, "decitabine_han2015": 20,
    "docetaxel_friberg2002": 100, "docetaxel_kloft2006": 75, "doxorubicin_joerger2007": 60,
    "epirubicin_sandstrom2006": 90, "etoposide_toffoli2001": 100, "fluorouracil_arshad2020": 1000,
    "fluorouracil_cisplatin_arshad2020": 1000, "gemcitabine_jiang2008": 1000, "nab_paclitaxel_chen2014": 260,
    "paclitaxel_wahlby2004": 175, "pemetrexed_cao2022": 500,
    "topotecan_leger2004": 1.5, "vinflunine_schmitt2018": 320,
}
IV_ONLY = {"carboplatin_zandvliet2008", "decitabine_han2015", "etoposide_toffoli2001", "gemcitabine_jiang2008",
           "nab_paclitaxel_chen2014", "paclitaxel_wahlby2004", "pemetrexed_cao2022",
           "topotecan_leger2004", "vinflunine_schmitt2018"}
GCSF = {"filgrastim_melhem2017": (5.0, "dose_ug_per_kg"), "filgrastim_wang2001": (5.0, "dose_ug_per_kg"),
        "pegfilgrastim_melhem2017": (6.0, "dose_mg")}
CONDITIONING = ["bu_cy", "cy_atg", "cy_tbi_12gy", "flu_bu2", "flu_mel", "flu_tbi_2gy", "high_dose_melphalan",
                "tbi_2gy"]
CHEMO_REGIMENS = ["ac_docetaxel", "docetaxel_pegfilgrastim", "fac_ahmed2020"]
GROUPS = ['hsc', 'progenitor', 'precursor', 'lymphoid_progenitor', 'marrow', 'blood', 'myeloid', 'erythroid',
          'megakaryocytic', 'lymphocyte', 'b_cell', 'nk', 't_cell', 'cd4', 'cd8', 'thymus']
COMPARTMENTS = ['hsc', 'mpp', 'clp', 'neutrophil_progenitor', 'erythroid_progenitor', 'megakaryocyte_progenitor',
                'monocyte_progenitor', 'naive_cd4', 'naive_cd8', 'cm_cd4', 'em_cd4', 'memory_cd8', 'b_cells',
                'nk_cells']


def _r(rng: np.random.Generator, lo: float, hi: float, digits: int = 3) -> float:
    return float(round(rng.uniform(lo, hi), digits))


def _day(rng: np.random.Generator, duration: float) -> float:
    """A day inside the run, often a whole one (same-day events), sometimes day 0 or the last day."""
    u = rng.random()
    if u < 0.1:
        return 0.0
    if u < 0.15:
        return float(duration)
    d = rng.uniform(0, duration)
    return float(round(d)) if rng.random() < 0.6 else float(round(d, 2))


def _schedule(rng: np.random.Generator, duration: float) -> dict[str, Any]:
    start = _day(rng, max(duration - 2.0, 0.0))
    if rng.random() < 0.4:
        n = int(rng.integers(1, 4))
        return {"days": sorted({start, *[_day(rng, max(duration - 2.0, 0.0)) for _ in range(n - 1)]})}
    every = float(rng.choice([1, 7, 14, 21, 28]))
    sched: dict[str, Any] = {"start_day": start, "every_days": every}
    within = [0.0]
    if rng.random() < 0.3:
        within = sorted({0.0, *[float(rng.integers(0, 6)) for _ in range(int(rng.integers(0, 3)))]})
        if within[-1] < every:
            sched["days_in_cycle"] = within
        else:
            within = [0.0]
    room = duration - 2.0 - start - within[-1]  # the last dose and its infusion (at most 46 h) inside the run
    sched["cycles"] = int(rng.integers(1, max(2, min(6, int(room // every) + 2))))
    if start + every * (sched["cycles"] - 1) + within[-1] + 2.0 > duration:
        sched["cycles"] = 1
    return sched


def _rules(rng: np.random.Generator) -> list[dict[str, Any]]:
    if rng.random() < 0.75:
        return []
    obs = str(rng.choice(["anc", "platelets"]))
    rule: dict[str, Any] = {"observable": obs, "below": 1.5 if obs == "anc" else 100.0,
                            "action": str(rng.choice(["delay", "reduce"]))}
    if rule["action"] == "delay":
        rule["delay_days"] = float(rng.choice([3, 7]))
    return [rule]


def _chemo(rng: np.random.Generator, duration: float) -> dict[str, Any]:
    ds = str(rng.choice(sorted(CHEMO_DOSES_MG_PER_M2)))
    route = "iv_infusion" if ds in IV_ONLY or rng.random() < 0.6 else "iv_bolus"
    iv: dict[str, Any] = {"kind": "chemotherapy", "drug_set": ds,
                          "dose_mg_per_m2": float(round(CHEMO_DOSES_MG_PER_M2[ds] * rng.uniform(0.3, 1.5), 3)),
                          "route": route, "schedule": _schedule(rng, duration)}
    if route == "iv_infusion":
        iv["infusion_hours"] = float(rng.choice([0.5, 1, 3, 24, 46]))
    rules = _rules(rng)
    if rules:
        iv["rules"] = rules
    return iv


def _gcsf(rng: np.random.Generator, duration: float) -> dict[str, Any]:
    ds = str(rng.choice(sorted(GCSF)))
    dose, field_ = GCSF[ds]
    iv: dict[str, Any] = {"kind": "gcsf", "drug_set": ds, field_: float(round(dose * rng.uniform(0.5, 2), 3)),
                          "route": "subcutaneous"}
    if ds != "pegfilgrastim_melhem2017" and rng.random() < 0.3:
        iv["on_demand"] = {"start_day": _day(rng, duration * 0.8)}
    else:
        iv["schedule"] = _schedule(rng, duration)
    return iv


def _intervention(rng: np.random.Generator, duration: float, patient: dict[str, Any]) -> list[dict[str, Any]]:
    kind = str(rng.choice(["chemotherapy", "chemotherapy", "gcsf", "transplant", "conditioning+graft", "radiation",
                           "infection", "viral_infection", "vaccine", "blood_donation", "apheresis", "dli",
                           "immunosuppression", "oral_iron", "iron_balance", "cell_infusion", "cell_depletion",
                           "chemotherapy_regimen"]))
    d = _day(rng, duration)
    if kind == "chemotherapy":
        return [_chemo(rng, duration)]
    if kind == "gcsf":
        return [_gcsf(rng, duration)]
    if kind in ("transplant", "conditioning+graft"):
        source = str(rng.choice(["bone_marrow", "peripheral_blood", "cord_blood", "double_cord_blood"]))
        graft: dict[str, Any] = {"kind": "transplant", "day": d, "source": source}
        if source in ("cord_blood", "double_cord_blood") and rng.random() < 0.5:
            graft["tnc_per_kg"] = float(round(rng.uniform(1, 6) * 1e7, -3))
        else:
            graft["cd34_per_kg"] = float(round(rng.uniform(0.1, 10) * 1e6, -3))
        if source in ("bone_marrow", "peripheral_blood") and rng.random() < 0.3:
            graft["donor"] = "autologous"
        if rng.random() < 0.2:
            graft["cd3_per_kg"] = float(rng.choice([0.0, 1e5, 1e7, 3e8]))
        if rng.random() < 0.15:
            graft["stochastic_engraftment"] = True
        if kind == "transplant":
            return [graft]
        start = _day(rng, max(duration - 8, 0.0))
        graft["day"] = float(min(start + rng.integers(0, 8), duration))
        return [{"kind": "conditioning", "regimen": str(rng.choice(CONDITIONING)), "start_day": start}, graft]
    if kind == "radiation":
        fr = int(rng.choice([1, 1, 2, 4, 6]))
        d = min(d, max(duration - fr, 0.0))
        return [{"kind": "radiation", "start_day": d, "total_dose_Gy": _r(rng, 0.5, 12, 2), "fractions": fr,
                 "fractions_per_day": int(min(fr, rng.choice([1, 2])))}]
    if kind == "infection":
        return [{"kind": "infection", "day": d, "inoculum_cfu": float(10 ** rng.uniform(0, 11))}]
    if kind == "viral_infection":
        return [{"kind": "viral_infection", "day": d, "inoculum_tcid50": float(round(10 ** rng.uniform(-3, 3), 4))}]
    if kind == "vaccine":
        ag = str(rng.choice(["influenza", "tetanus", "pneumococcus"]))
        return [{"kind": "vaccine", "day": d, "antigen": ag, "dose": _r(rng, 0.1, 3)}
                for _ in range(int(rng.integers(1, 3)))]
    if kind == "blood_donation":
        return [{"kind": "blood_donation", "day": d, "volume_mL": _r(rng, 50, 1500, 0)}]
    if kind == "apheresis":
        return [{"kind": "apheresis", "day": d, "blood_volumes": _r(rng, 0.5, 4, 2)}]
    if kind == "dli":
        return [{"kind": "transplant", "day": d, "source": "peripheral_blood", "cd34_per_kg": 5e6},
                {"kind": "donor_lymphocyte_infusion", "day": float(min(duration, d + rng.integers(0, 60))),
                 "cd3_per_kg": float(rng.choice([1e5, 1e6, 1e7, 1e8]))}]
    if kind == "immunosuppression":
        s = _day(rng, duration)
        e = float(round(s + rng.uniform(1, 100), 1))
        iv = {"kind": "immunosuppression", "agent": str(rng.choice(["ciclosporin", "tacrolimus",
                                                                     "ciclosporin_mycophenolate",
                                                                     "tacrolimus_methotrexate"])),
              "start_day": s, "end_day": e, "taper_days": float(rng.choice([0, 10, 60]))}
        return [{"kind": "transplant", "day": s, "source": "bone_marrow", "cd34_per_kg": 3e6}, iv]
    if kind == "oral_iron":
        return [{"kind": "oral_iron", "day": d, "duration_days": _r(rng, 1, 120, 0) or 1.0,
                 "elemental_iron_mg_per_day": _r(rng, 10, 200, 0)}]
    if kind == "iron_balance":
        return [{"kind": "iron_balance", "storage_iron_mg": _r(rng, 10, 1500, 0)}]
    if kind == "cell_infusion":
        return [{"kind": "cell_infusion", "day": d, "compartment": str(rng.choice(COMPARTMENTS)),
                 "cells_per_kg": float(10 ** rng.uniform(3, 9))}]
    if kind == "cell_depletion":
        groups = sorted({str(g) for g in rng.choice(GROUPS, size=int(rng.integers(1, 3)))})
        iv = {"kind": "cell_depletion", "day": d, "groups": groups, "surviving_fraction": _r(rng, 0, 1),
              "applies_to": str(rng.choice(["all", "circulating"]))}
        return [iv]
    if kind == "chemotherapy_regimen":
        return [{"kind": "chemotherapy_regimen", "regimen": str(rng.choice(CHEMO_REGIMENS)),
                 "start_day": _day(rng, duration)}]
    raise AssertionError(kind)


def random_patient(rng: np.random.Generator) -> dict[str, Any]:
    age = float(rng.choice([_r(rng, 0.05, 17, 2), _r(rng, 18, 90, 1)]))
    sex = str(rng.choice(["male", "female"]))
    if age < 18:  # a rough weight and height for the age (children's plausibility is warned, not refused)
        height = 50 + 6.5 * age if age > 1 else 50 + 25 * age
        weight = max(3.0, 3.5 + 2.4 * age if age > 1 else 3.5 + 6 * age)
    else:
        height, weight = rng.uniform(150, 195), rng.uniform(45, 110)
    p: dict[str, Any] = {"age_years": age, "sex": sex, "weight_kg": round(float(weight), 1),
                         "height_cm": round(float(height), 1)}
    if rng.random() < 0.08:
        p["genotype"] = str(rng.choice(["il2rg_scid", "ada_scid", "rag_scid"]))
    if rng.random() < 0.08:
        p["clones"] = [{"label": "JAK2 V617F", "vaf": _r(rng, 0.01, 0.4),
                        "lineage_output": {"erythroid": _r(rng, 0.5, 2), "megakaryocyte": _r(rng, 0.5, 2)}}]
    return p


def random_scenario(seed: int, max_days: float = 60.0, max_interventions: int = 3, extreme: bool = False
                    ) -> dict[str, Any]:
    """Scenario data drawn from ``seed`` (the same seed, the same data)."""
    rng = np.random.default_rng(seed)
    duration = float(rng.choice([_r(rng, 1, max_days, 1), float(rng.integers(2, max_days + 1))]))
    every = float(rng.choice([0.25, 0.5, 1.0, 1.0, 3.0, 7.0, 0.7]))
    patient = random_patient(rng)
    ivs: list[dict[str, Any]] = []
    for _ in range(int(rng.integers(0, max_interventions + 1))):
        ivs += _intervention(rng, duration, patient)
    if sum(iv["kind"] == "iron_balance" for iv in ivs) > 1:  # one iron_balance block (its own check)
        first = next(i for i, iv in enumerate(ivs) if iv["kind"] == "iron_balance")
        ivs = [iv for i, iv in enumerate(ivs) if iv["kind"] != "iron_balance" or i == first]
    data: dict[str, Any] = {"name": f"fuzz {seed}", "patient": patient, "duration_days": duration,
                            "aging": bool(rng.random() < 0.3), "output": {"every_days": every},
                            "interventions": ivs, "seed": int(rng.integers(0, 1000))}
    if rng.random() < 0.15:
        data["solver"] = {"kind": "additive_runge_kutta"}
    if extreme and rng.random() < 0.5:  # the schema's edges: the youngest and oldest, a tiny run, a coarse grid
        edge = str(rng.choice(["young", "old", "short", "coarse", "light"]))
        if edge == "young":
            patient.update(age_years=0.01, weight_kg=3.0, height_cm=50.0)
        elif edge == "old":
            patient.update(age_years=120.0)
        elif edge == "short":
            data["duration_days"] = float(rng.choice([0.01, 0.1, 0.5]))
            data["interventions"] = [iv for iv in ivs if _iv_first_day(iv) <= data["duration_days"]]
        elif edge == "coarse":
            data["output"] = {"every_days": float(rng.choice([duration, duration * 0.9, 365.0]))}
        else:
            patient.update(weight_kg=float(rng.choice([0.5, 2.0, 400.0])), weight_confirmed=True)
    return data


# ------------------------------------------------------------------------------------------------ the checks
@dataclass
class Outcome:
    seed: int
    refused: str | None = None
    problems: list[str] = field(default_factory=list)


def _finite_nonneg(name: str, values: np.ndarray, names: list[str], scale: np.ndarray | None = None) -> list[str]:
    out = []
    bad = ~np.isfinite(values)
    if bad.any():
        j = int(np.argwhere(bad)[0][-1])
        out.append(f"{name}: non-finite value in {names[j]}")
    floor = -1e-6 * (scale if scale is not None else np.nanmax(np.abs(np.where(bad, 0, values)), axis=0)) - 1e-12
    neg = values < floor
    if neg.any():
        j = int(np.argwhere(neg)[0][-1])
        out.append(f"{name}: {names[j]} below zero ({float(np.min(values[..., j])):.3g})")
    return out


def check_scenario(data: dict[str, Any], seed: int, *, truncation: bool = True, sbml: bool = False,
                   cohort: bool = False, shuffle: bool = True, report: bool = False,
                   population: bool = False, arms: bool = False, explorer: bool = False,
                   cohort_cli: bool = False) -> Outcome:
    from hemasim.assembly import run_scenario
    from hemasim.scenario import ScenarioError, parse_scenario
    from hemasim.simulation import output_times

    outcome = Outcome(seed)
    try:
        scenario = parse_scenario(data, "fuzz")
    except ScenarioError as err:
        msg = str(err)
        outcome.refused = msg.splitlines()[0][:200]
        if (problem := refusal_problem(msg)) is not None:
            outcome.problems.append(problem)
        return outcome
    except Exception:  # noqa: BLE001 - the point of the fuzzer
        outcome.problems.append("parse raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-600:])
        return outcome
    try:
        r1 = run_scenario(scenario)
    except ValueError as err:  # a refusal as the events are built, naming the field (a loss of all the blood)
        if re.match(r"interventions\.\d+\.", str(err)):
            outcome.refused = f"at run: {str(err)[:200]}"
            return outcome
        outcome.problems.append("run raised ValueError: " + traceback.format_exc(limit=-3).replace("\n", " | ")[-700:])
        return outcome
    except Exception as err:  # noqa: BLE001
        from hemasim.solvers import SolverError

        kind = "SolverError" if isinstance(err, SolverError) else type(err).__name__
        outcome.problems.append(f"run raised {kind}: " + traceback.format_exc(limit=-3).replace("\n", " | ")[-700:])
        return outcome
    names = list(r1.model.state_names)
    states = r1.states
    outcome.problems += _finite_nonneg("states", states, names)
    grid = output_times(scenario.duration_days, scenario.output.every_days)
    if r1.times.shape != grid.shape or not np.array_equal(r1.times, grid):
        outcome.problems.append(f"output grid {r1.times[:3]}..{r1.times[-1]} ({len(r1.times)}) is not the one asked "
                                f"({len(grid)})")
    try:
        obs = r1.observables
        ov = obs.to_numpy(dtype=float)
        outcome.problems += _finite_nonneg("observables", ov, [str(c) for c in obs.columns])
    except Exception:  # noqa: BLE001
        outcome.problems.append("observables raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-600:])
    try:
        ends = r1.endpoints()
        for k, v in ends.items():
            if isinstance(v, float) and math.isinf(v):
                outcome.problems.append(f"endpoint {k} is infinite")
    except Exception:  # noqa: BLE001
        outcome.problems.append("endpoints raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-600:])
    if report:  # what `hemasim run` writes, in-process (the static report: no browser)
        import tempfile

        from hemasim.io import write_run_outputs

        try:
            with tempfile.TemporaryDirectory() as tmp:
                write_run_outputs(r1, tmp, static_report=True)
        except Exception:  # noqa: BLE001
            outcome.problems.append("report raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-600:])
    r2 = run_scenario(scenario)
    if not np.array_equal(r1.states, r2.states, equal_nan=True):
        outcome.problems.append("a second run of the same scenario differs")
    if not scenario.interventions and not scenario.aging:  # clones and SCID genotypes start at their steady state
        drift = np.max(np.abs(states - states[0]) / np.maximum(np.abs(states[0]), 1e-9 * np.max(np.abs(states[0]))))
        if drift > 1e-5:
            j = int(np.argmax(np.max(np.abs(states - states[0]), axis=0) / np.maximum(np.abs(states[0]), 1e-300)))
            outcome.problems.append(f"steady state not held: relative drift {drift:.3g} ({names[j]})")
    if truncation:
        outcome.problems += _check_truncation(scenario, r1)
    if shuffle and len(scenario.interventions) > 1:
        outcome.problems += _check_order(data, r1, seed)
    if sbml:
        outcome.problems += _check_sbml(scenario)
    # a stochastic graft draws from the scenario's seed in a single run, from SeedSequence(seed, (i, 1)) in a cohort
    # (hemasim.simulation.PatientGenerators): the two differ by design
    stochastic = any(getattr(iv, "stochastic_engraftment", False) for iv in scenario.interventions)
    if cohort and scenario.solver.kind != "gpu_dormand_prince" and not stochastic:
        outcome.problems += _check_cohort(scenario, r1)
    if population and scenario.solver.kind != "gpu_dormand_prince":
        outcome.problems += _check_population(scenario, seed, cli=cohort_cli)
    if arms:
        outcome.problems += check_arms(data, seed, report=report)
    if explorer:
        outcome.problems += check_explorer(data, seed)
    return outcome


#: a refusal's line: the source, then the field it names (``fuzz: interventions.0.volume_mL: ...``, ``fuzz:
#: interventions.1: ...`` for the intervention as a whole), as docs/reliability.md says the fuzzer holds them
REFUSAL_LINE = re.compile(r"fuzz: [A-Za-z_]\w*(\.\w+)*: ")


def refusal_problem(msg: str) -> str | None:
    """None when every line of a ScenarioError's message names the source and a field (:data:`REFUSAL_LINE`), else
    the problem; "fuzz: " alone was accepted before (review35e)."""
    lines = msg.splitlines() or [""]
    bad = next((line for line in lines if not REFUSAL_LINE.match(line)), None)
    return None if bad is None else f"a refusal line names no field: {bad[:200]!r} (of {msg[:200]!r})"


def _check_order(data: dict[str, Any], first: Any, seed: int) -> list[str]:
    """The interventions listed in another order give the same run, unless two events of one rank share a day
    (those fire in the order given: hemasim.events.Event.same_day_rank)."""
    from hemasim.assembly import build_events, run_scenario
    from hemasim.scenario import parse_scenario

    rng = np.random.default_rng(seed + 10**6)
    ivs = list(data["interventions"])
    order = rng.permutation(len(ivs))
    other = parse_scenario({**data, "interventions": [ivs[i] for i in order]}, "fuzz-shuffled")
    events = build_events(other)
    slots = [(round(float(e.day), 9), e.same_day_rank) for e in events]
    if len(set(slots)) < len(slots):
        return []
    second = run_scenario(other)
    a, b = first.observables, second.observables
    if list(a.columns) != list(b.columns) and set(a.columns) != set(b.columns):
        return [f"order: the shuffled scenario has other observables ({sorted(set(a.columns) ^ set(b.columns))[:5]})"]
    x, y = a.to_numpy(float), b[list(a.columns)].to_numpy(float)
    scale = np.maximum(np.abs(x), 1e-6 * np.max(np.abs(x), axis=0)) + 1e-300
    rel = np.where(np.abs(x - y) < 1e-8, 0.0, np.abs(x - y) / scale)
    if np.nanmax(rel) > 1e-5:
        i, j = np.unravel_index(int(np.nanargmax(rel)), rel.shape)
        return [f"order: interventions in order {order.tolist()} differ by {np.nanmax(rel):.3g} "
                f"({a.columns[j]} on day {first.times[i]:g}: {y[i, j]:.6g} vs {x[i, j]:.6g})"]
    return []


#: kinds whose presence changes the model from day 0, as documented: a DLI or immunosuppression adds the alloreactive
#: kill (docs/chimerism.md, "Open"), oral iron or iron_balance the opt-in iron model (docs/model.md)
MODEL_SWITCHES = ("donor_lymphocyte_infusion", "immunosuppression", "oral_iron", "iron_balance")


def _check_truncation(scenario: Any, full: Any) -> list[str]:
    """A run that ends before the last intervention day equals the full run up to its end."""
    from hemasim.assembly import run_scenario
    from hemasim.scenario import parse_scenario

    days = sorted({float(iv.day) for iv in scenario.interventions if 0 < iv.day})
    every = scenario.output.every_days
    cut = None
    for d in reversed(days):
        c = math.floor((d - 1e-6) / every) * every
        if c >= every:
            cut = c
            break
    if cut is None:
        return []
    data = scenario.model_dump(mode="json", exclude_defaults=False)
    data["duration_days"] = cut
    keep = [iv for iv in data["interventions"] if _iv_first_day(iv) <= cut]
    if any(iv["kind"] in MODEL_SWITCHES for iv in data["interventions"] if iv not in keep):
        return []
    data["interventions"] = keep
    # a dosed schedule keeps its later doses: they lie past the end and are dropped
    try:
        short_s = parse_scenario(data, "fuzz-cut")
    except Exception as err:  # noqa: BLE001 - a kind checked against the duration (taper past the end)
        return [] if "fuzz-cut" in str(err) else [f"cut scenario failed to parse: {err}"]
    short = run_scenario(short_s)
    # the cut run may lack a later kind's states (a graft makes host and donor states): compare what both observe
    so, fo = short.observables, full.observables
    cols = [c for c in so.columns if c in fo.columns]
    n = len(short.times)
    a, b = so[cols].to_numpy(dtype=float), fo[cols].to_numpy(dtype=float)[:n]
    if not np.array_equal(short.times, full.times[:n]):
        return [f"run cut at day {cut:g}: its times differ from the full run's"]
    # floored at 1e-4 of the largest value: the two runs step differently (a state at 1e-6 of its peak is held
    # to the solver's absolute scale, not to rtol)
    scale = np.maximum(np.abs(b), 1e-4 * np.maximum(np.max(np.abs(a), axis=0), np.max(np.abs(b), axis=0))) + 1e-300
    rel = np.where(np.abs(a - b) < 1e-8, 0.0, np.abs(a - b) / scale)  # 1e-8: a drug's solver noise long after a dose
    if np.nanmax(rel) > 1e-3:
        i, j = np.unravel_index(int(np.nanargmax(rel)), rel.shape)
        return [f"run cut at day {cut:g} differs from the full run's start by {np.nanmax(rel):.3g} "
                f"({cols[j]} on day {short.times[i]:g}: {a[i, j]:.6g} vs {b[i, j]:.6g})"]
    return []


def _iv_first_day(iv: dict[str, Any]) -> float:
    for k in ("day", "start_day"):
        if iv.get(k) is not None:
            return float(iv[k])
    for block in ("schedule", "on_demand"):
        s = iv.get(block)
        if isinstance(s, dict):
            if s.get("days"):
                return float(min(s["days"]))
            if s.get("start_day") is not None:
                return float(s["start_day"])
    return 0.0


def _check_cohort(scenario: Any, single: Any) -> list[str]:
    """A 1-patient cohort without variability has the single run's endpoints (tests/test_cohort.py holds it for
    three examples, to rtol 1e-4: the cohort's solver tolerance is looser)."""
    from hemasim.cohort.runner import simulate_partition
    from hemasim.endpoints import evaluate_endpoints

    data = scenario.model_dump(mode="json")
    data["population"] = {"variability": False}
    try:
        ep = simulate_partition(data, 0, 0, 1, 0, None, False).endpoints
    except Exception:  # noqa: BLE001
        return ["cohort raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-600:]]
    out = []
    for e in evaluate_endpoints(single):
        if e.name not in ep.columns:
            out.append(f"cohort: endpoint {e.name} missing from the cohort's table")
            continue
        want = np.nan if e.value is None else e.value
        try:
            want = float(want)
        except (TypeError, ValueError):
            continue
        got = float(ep[e.name].iloc[0])
        if not (np.isnan(got) and np.isnan(want)) and not np.isclose(got, want, rtol=1e-3, atol=1e-9):
            out.append(f"cohort: endpoint {e.name} {got:.6g} against the single run's {want:.6g}")
    return out


def _check_population(scenario: Any, seed: int, cli: bool = False) -> list[str]:
    """4-17 patients drawn with every variability the population block offers (fuzz35 drew 3): each patient's
    endpoints finite or missing, never infinite; every drawn covariate inside the population's declared bounds (age
    in [min, max]; weight 30-250 kg and height 120-220 cm where drawn, the patient's own where not; the one sex at a
    female fraction of 0 or 1) and every drawn parameter inside its bounds; the same cohort twice the same; and
    partitions of 1 patient against one of up to 16 (``--partition-size`` 1 and 16): the same draws bit for bit and
    endpoints within 1e-4 relative (docs/cohorts.md, Reproducibility: chunks integrate in lock-step, so the last
    digits may differ; a day-valued endpoint within one output step)."""
    from hemasim.cohort.runner import CohortError, cohort_rtol, simulate_partition
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.scenario import ScenarioError, parse_scenario

    rng = np.random.default_rng(seed + 2 * 10**6)
    data = scenario.model_dump(mode="json")
    # the solver block as the scenario gave it: a dumped rtol would be the cohort's (cohort_rtol), not COHORT_RTOL
    data["solver"] = scenario.solver.model_dump(mode="json", exclude_unset=True)
    age = float(scenario.patient.age_years)
    pop: dict[str, Any] = {"variability": bool(rng.random() < 0.8), "drug_variability": bool(rng.random() < 0.5),
                           "white_cell_baseline": str(rng.choice(["healthy", "metastatic_cancer"]))}
    if rng.random() < 0.8:
        pop["age_years"] = {"min": max(0.01, round(age * 0.8, 2)), "max": min(120.0, round(age * 1.2, 2))}
    if rng.random() < 0.6:
        pop["female_fraction"] = float(rng.choice([0.0, 0.5, 1.0, _r(rng, 0, 1)]))
    if age >= 18 and rng.random() < 0.5:
        pop["weight_kg"] = {"male": {"mean": _r(rng, 50, 120, 1), "sd": _r(rng, 0, 40, 1)},
                            "female": {"mean": _r(rng, 40, 100, 1), "sd": _r(rng, 0, 40, 1)}}
    if age >= 18 and rng.random() < 0.4:
        pop["height_cm"] = {"male": {"mean": _r(rng, 150, 200, 1), "sd": _r(rng, 0, 30, 1)},
                            "female": {"mean": _r(rng, 140, 190, 1), "sd": _r(rng, 0, 30, 1)}}
    data["population"] = pop
    n = int(rng.integers(4, 18))
    try:
        parsed = parse_scenario(data, "fuzz-population")
    except ScenarioError:
        return []

    baseline: dict[str, float] = {}

    def partitions(size: int) -> Any:
        import pandas as pd

        # at the rtol `hemasim cohort` runs this file at (the dumped scenario names its solver's rtol)
        parts = [simulate_partition(data, k, lo, min(lo + size, n), seed, None, not baseline, cohort_rtol(parsed))
                 for k, lo in enumerate(range(0, n, size))]
        if not baseline:  # each observable's largest value on day 0 (before any event: the patients' steady states)
            ts = pd.concat([p.timeseries for p in parts])
            first = ts[ts["time_days"] == ts["time_days"].min()]
            baseline.update({c: float(np.nanmax(np.abs(first[c].to_numpy(float)))) for c in first.columns})
        return pd.concat([p.endpoints for p in parts], ignore_index=True)

    try:
        try:
            a = partitions(16)
        except CohortError as err:  # drug_variability without a dosed set that publishes it: refused, named
            if not str(err).startswith("population.drug_variability: "):
                raise
            pop["drug_variability"] = False
            a = partitions(16)
    except CohortError:  # another refusal naming its field
        return []
    except ValueError as err:
        if re.match(r"interventions\.\d+\.", str(err)):
            return []
        return ["population raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-600:]]
    except Exception:  # noqa: BLE001
        return ["population raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-600:]]
    out = []
    numeric = a.select_dtypes("number")
    num = numeric.to_numpy(float)
    if np.isinf(num).any():
        out.append(f"population: infinite endpoint {list(numeric.columns[np.isinf(num).any(axis=0)])}")
    out += _population_bounds(a, parsed, healthy_adult_parameters())
    if not a.equals(partitions(16)):
        out.append("population: the same cohort twice differs")
    b = partitions(1)
    draws = ["age_years", "sex", "weight_kg", *(c for c in a.columns if c == "height_cm" or c.startswith("param_"))]
    for c in draws:
        if not a[c].equals(b[c]):
            out.append(f"population ({n} patients): {c} drawn differently in partitions of 1 than of 16")
    from hemasim.endpoints import DEFAULT_ENDPOINTS

    reads = {e.name: e.observable for e in DEFAULT_ENDPOINTS}
    every = parsed.output.every_days
    for c in numeric.columns:
        if c in draws or c in ("patient_id", "seed"):
            continue
        x, y = a[c].to_numpy(float), b[c].to_numpy(float)
        both = np.isfinite(x) & np.isfinite(y)
        if not np.array_equal(np.isnan(x), np.isnan(y)):
            out.append(f"population ({n} patients): {c} has a value in one partitioning only "
                       f"({x.tolist()} vs {y.tolist()})")
            continue
        # the solver's absolute tolerance is rtol (1e-6) times a count's healthy size: a count far below it (an ANC
        # nadir of 8e-4 after 11 Gy against 4 on day 0) differs by ~1e-6 of that size (fuzz35b seed 27: 7.5e-7)
        floor = 1e-5 * baseline.get(reads.get(c, ""), 0.0)
        tol = np.maximum(1e-4 * np.abs(x), max(floor, 1e-9))
        if c.endswith("_day") or "_day_" in c or c.startswith("days_"):
            tol = np.maximum(tol, every + 1e-9)  # a day or a count of days: a crossing may move one output
        if (np.abs(x - y)[both] > tol[both]).any():
            k = int(np.argmax(np.where(both, np.abs(x - y) / np.maximum(tol, 1e-300), 0)))
            out.append(f"population ({n} patients): {c} of patient {k} {x[k]:.6g} in partitions of 16, {y[k]:.6g} "
                       "in partitions of 1")
    if cli:
        out += _check_cohort_cli(data, n, seed, {16: a, 1: b})
    return out


def _check_cohort_cli(data: dict[str, Any], n: int, seed: int, in_process: dict[int, Any]) -> list[str]:
    """``hemasim cohort --partition-size 1`` and ``16`` (the local executor, its stages overlapped): the endpoint
    partitions, read back, are the in-process partitions' bit for bit; the summary is written."""
    import os
    import subprocess
    import tempfile
    from pathlib import Path

    import pandas as pd
    import yaml

    out = []
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cohort.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        for size, want in in_process.items():
            folder = Path(tmp) / f"p{size}"
            res = subprocess.run([sys.executable, "-m", "hemasim", "cohort", str(path), "--n", str(n), "--seed",
                                  str(seed), "--partition-size", str(size), "--out", str(folder), "--no-report"],
                                 env=env, capture_output=True, text=True, timeout=900)
            if res.returncode != 0:
                out.append(f"cohort cli (--partition-size {size}): exit {res.returncode}: {res.stderr.strip()[-300:]}")
                continue
            got = pd.concat([pd.read_parquet(f) for f in sorted((folder / "endpoints").glob("part-*.parquet"))],
                            ignore_index=True)
            if len(got) != n or not (folder / "summary.json").is_file():
                out.append(f"cohort cli (--partition-size {size}): {len(got)} patients, summary "
                           f"{(folder / 'summary.json').is_file()}")
                continue
            for c in want.columns:
                x, y = want[c].to_numpy(), got[c].to_numpy() if c in got else None
                same = y is not None and (np.array_equal(x.astype(float), y.astype(float), equal_nan=True)
                                          if np.issubdtype(x.dtype, np.number) else list(x) == list(y))
                if not same:
                    out.append(f"cohort cli (--partition-size {size}): column {c} is not the in-process partitions'")
                    break
    return out


def _population_bounds(frame: Any, scenario: Any, params: Any) -> list[str]:
    """Every patient's drawn values inside what the scenario's population declares (:func:`_check_population`)."""
    pop, base = scenario.population, scenario.patient
    out = []
    age = frame["age_years"].to_numpy(float)
    lo, hi = (pop.age_years.min, pop.age_years.max) if pop.age_years else (base.age_years, base.age_years)
    if ((age < lo) | (age > hi)).any():
        out.append(f"population: an age {age[(age < lo) | (age > hi)][0]:g} outside [{lo:g}, {hi:g}]")
    sex = frame["sex"].astype(str).to_numpy()
    if pop.female_fraction in (0.0, 1.0) or pop.female_fraction is None:
        one = base.sex if pop.female_fraction is None else "female" if pop.female_fraction == 1 else "male"
        if (sex != one).any():
            out.append(f"population: a {sex[sex != one][0]} patient where every patient is {one}")
    for col, block, (low, high), own in (("weight_kg", pop.weight_kg, (30.0, 250.0), base.weight_kg),
                                         ("height_cm", pop.height_cm, (120.0, 220.0), base.height_cm)):
        if col not in frame:
            if block is not None or own is not None:
                out.append(f"population: no {col} column")
            continue
        v = frame[col].to_numpy(float)
        if block is None:
            bad = ~((v == own) | (np.isnan(v) & (own is None)))
        else:
            bad = (v < low) | (v > high) | ~np.isfinite(v)
        if bad.any():
            out.append(f"population: {col} {v[bad][0]:g} outside what the population declares")
    from hemasim.cohort.sampling import NEUTROPHIL_TRANSITS

    # a drug set's draws are not clipped (docs/cohorts.md, hemasim.cohort.sampling.draw_patients): its own values
    # (param_SET__path) and the healthy-model values it varies (the ANC chain's transit times and set point: a
    # nab-paclitaxel cohort's transit of 2.8 days, below the parameter's bounds of 4-8; fuzz35b seed 12016)
    drug_drawn = {*NEUTROPHIL_TRANSITS, "anc_setpoint_1e9_per_L"} if pop.drug_variability else set()
    for c in frame.columns:
        name = c[len("param_"):] if c.startswith("param_") else None
        if name is None or "__" in name or name not in params or name in drug_drawn:
            continue
        lo_p, hi_p = params[name].bounds
        v = frame[c].to_numpy(float)
        bad = ~np.isfinite(v) | (v < lo_p) | (v > hi_p)
        if bad.any():
            out.append(f"population: {c} {v[bad][0]:g} outside its bounds [{lo_p:g}, {hi_p:g}]")
    return out


def random_arms(rng: np.random.Generator, data: dict[str, Any]) -> list[dict[str, Any]]:
    """2-4 arms of ``data``: the base as it is, another patient (age, sex, a SCID genotype, a weight), other
    interventions, a parameter changed (the IgG half-life, docs/scenarios.md's example)."""
    arms: list[dict[str, Any]] = [{"name": "base"}]
    for k in range(int(rng.integers(1, 4))):
        arm: dict[str, Any] = {"name": f"arm{k}.{str(rng.choice(['a', 'b+', 'c_d', 'e-f']))}"}
        what = str(rng.choice(["patient", "interventions", "parameters", "none"]))
        if what == "patient":
            arm["patient"] = {k: v for k, v in random_patient(rng).items() if rng.random() < 0.6}
        elif what == "interventions":
            ivs: list[dict[str, Any]] = []
            for _ in range(int(rng.integers(0, 3))):
                ivs += _intervention(rng, data["duration_days"], data["patient"])
            if sum(iv["kind"] == "iron_balance" for iv in ivs) > 1:
                ivs = [iv for iv in ivs if iv["kind"] != "iron_balance"]
            arm["interventions"] = ivs
        elif what == "parameters":
            arm["parameters"] = {"igg_half_life_days": _r(rng, 15, 30, 1)}
        if rng.random() < 0.3:
            arm["description"] = "a fuzzed arm"
        arms.append(arm)
    rng.shuffle(arms)
    return arms


def _arm_alone(data: dict[str, Any], arm: dict[str, Any]) -> dict[str, Any]:
    """The scenario an arm stands for, written out without ``arms:`` (docs/scenarios.md: the base scenario with the
    arm's patient fields changed, its interventions in place of the base's, its parameters merged over the base's)."""
    alone = {k: v for k, v in data.items() if k != "arms"}
    alone["name"] = f"{data['name']}: {arm['name']}"
    alone["patient"] = {**data["patient"], **arm.get("patient", {})}
    if "interventions" in arm:
        alone["interventions"] = arm["interventions"]
    if "parameters" in arm:
        alone["parameters"] = {**data.get("parameters", {}), **arm["parameters"]}
    return alone


def check_arms(data: dict[str, Any], seed: int, report: bool = False) -> list[str]:
    """``data`` with :func:`random_arms`: refused naming an arm's field, or each arm run holds what a single run
    holds (finite, non-negative, the grid asked for), equals the single run of the scenario it stands for bit for
    bit, and the written endpoints.json has per arm the single run's entries, timeseries.csv per arm its rows."""
    import json
    import tempfile
    from pathlib import Path

    import pandas as pd

    from hemasim.arms import run_arms, write_arm_outputs
    from hemasim.assembly import run_scenario
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.scenario import ScenarioError, parse_scenario
    from hemasim.simulation import output_times

    rng = np.random.default_rng(seed + 3 * 10**6)
    data = {**data, "arms": random_arms(rng, data)}
    try:
        scenario = parse_scenario(data, "fuzz")
        runs = run_arms(scenario, source="fuzz")
    except ScenarioError as err:
        lines = str(err).splitlines()
        if not all(re.match(r"fuzz: (arms\.\d+: )?[a-z_]", line) for line in lines):
            return [f"arms: a refusal that names no field: {str(err)[:300]}"]
        return []
    except ValueError as err:  # refused as an arm's events are built, naming the field
        if re.match(r"interventions\.\d+\.", str(err)):
            return []
        return ["arms raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-600:]]
    except Exception:  # noqa: BLE001
        return ["arms raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-600:]]
    out: list[str] = []
    names = [a["name"] for a in data["arms"]]
    if [r.name for r in runs] != names:
        return [f"arms: ran {[r.name for r in runs]} for {names}"]
    singles = {}
    for arm, run in zip(data["arms"], runs, strict=True):
        r = run.result
        out += [f"arm {arm['name']}: {p}" for p in _finite_nonneg("states", r.states, list(r.model.state_names))]
        grid = output_times(data["duration_days"], data["output"]["every_days"])
        if not np.array_equal(r.times, grid):
            out.append(f"arm {arm['name']}: output grid of {len(r.times)} points, not the {len(grid)} asked")
        try:
            single = run_scenario(parse_scenario(_arm_alone(data, arm), "fuzz-arm"))
        except (ScenarioError, ValueError) as err:
            out.append(f"arm {arm['name']}: runs as an arm, but alone it is refused: {str(err)[:300]}")
            continue
        singles[arm["name"]] = single
        if not np.array_equal(single.states, r.states, equal_nan=True) or single.model.state_names != \
                r.model.state_names:
            out.append(f"arm {arm['name']}: differs from the single run of its scenario")
    if len(singles) != len(runs):
        return out
    with tempfile.TemporaryDirectory() as tmp:
        try:
            write_arm_outputs(scenario, runs, tmp, static_report=bool(rng.random() < 0.5), report=report)
        except Exception:  # noqa: BLE001
            return [*out, "arms: writing raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-600:]]
        ends = json.loads((Path(tmp) / "endpoints.json").read_text())
        table = pd.read_csv(Path(tmp) / "timeseries.csv")
    if list(ends) != names:
        out.append(f"arms: endpoints.json has arms {list(ends)}, the scenario {names}")
        return out
    for name, single in singles.items():
        want = json.loads(json.dumps({e.name: e.to_json() for e in evaluate_endpoints(single)}))
        if ends[name] != want:
            diff = sorted(k for k in set(want) | set(ends[name]) if want.get(k) != ends[name].get(k))
            out.append(f"arms: endpoints.json of arm {name} is not its single run's ({diff[:4]})")
        rows = table[table["arm"] == name]
        obs = single.observables
        if len(rows) != len(single.times):
            out.append(f"arms: timeseries.csv has {len(rows)} rows of arm {name}, its run {len(single.times)}")
            continue
        for c in obs.columns:
            if c not in rows or not np.allclose(rows[c].to_numpy(float), obs[c].to_numpy(float), rtol=1e-9,
                                                atol=1e-300, equal_nan=True):
                out.append(f"arms: timeseries.csv column {c} of arm {name} is not its single run's")
                break
    return out


def check_explorer(data: dict[str, Any], seed: int) -> list[str]:
    """The explorer's inputs (``hemasim explore``, in-process: :class:`hemasim.explore.service.Explorer`): the
    scenario, with arms half the time, uploaded as YAML is refused in an ExploreError or gives the page's arms; a run
    of them answers JSON without NaN or infinity (the server's ``allow_nan=False``: a 500 otherwise) whose endpoint
    values are each arm's single run's; the CSV and JSON downloads write; the scenario YAML it writes, read back,
    runs each arm to the same endpoints."""
    import json

    import yaml

    from hemasim.assembly import run_scenario
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.explore.service import ExploreError, Explorer
    from hemasim.scenario import parse_scenario
    from hemasim.scenario.arms import arm_scenarios

    rng = np.random.default_rng(seed + 4 * 10**6)
    if rng.random() < 0.5:
        data = {**data, "arms": random_arms(rng, data)}
    explorer = Explorer(examples_folder=None)
    try:
        page = explorer.upload(yaml.safe_dump(data, sort_keys=False), "fuzz.yaml")
    except ExploreError as err:
        lines = str(err).splitlines()
        if not all(line.startswith("fuzz.yaml: ") for line in lines):
            return [f"explorer: an upload refused without naming the file: {str(err)[:300]}"]
        return []
    except Exception:  # noqa: BLE001
        return ["explorer: upload raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-600:]]
    request = {"arms": page["arms"]}
    try:
        answer = explorer.run(request)
    except ExploreError as err:
        if re.match(r"(simulation: interventions\.\d+\.|arm [A-Za-z0-9_.+-]+: )", str(err)):
            return []
        return [f"explorer: a refusal that names no field: {str(err)[:300]}"]
    except Exception:  # noqa: BLE001
        return ["explorer: run raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-600:]]
    out: list[str] = []
    try:
        json.dumps(answer, allow_nan=False)
    except ValueError as err:
        out.append(f"explorer: the answer is not JSON the page can read ({err})")
    singles = {name: run_scenario(sc) for name, sc in (arm_scenarios(parse_scenario(data, "fuzz"), "fuzz")[:2]
                                                       if data.get("arms") else [("A", parse_scenario(data, "fuzz"))])}
    for arm, name in zip(answer["arms"], singles, strict=False):
        want = {e.name: e.value for e in evaluate_endpoints(singles[name])}
        got = {e["name"]: e["value"] for e in arm["endpoints"]}
        if got != want:
            diff = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
            out.append(f"explorer: arm {arm['name']}'s endpoints are not its single run's ({diff[:4]})")
    for kind in ("csv", "json"):
        try:
            explorer.download(request, kind)
        except Exception:  # noqa: BLE001
            out.append(f"explorer: the {kind} download raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-400:])
    try:
        text = explorer.scenario_yaml(request)
    except ExploreError as err:  # two arms that differ in more than patient, interventions and parameters
        return out if "arms may differ only" in str(err) else [*out, f"explorer: scenario_yaml refused: {err}"]
    back = parse_scenario(yaml.safe_load(text), "explorer.yaml")
    again = ([run_scenario(sc) for _, sc in arm_scenarios(back, "explorer.yaml")] if back.arms
             else [run_scenario(back)])
    for arm, result in zip(answer["arms"], again, strict=False):
        want = {e["name"]: e["value"] for e in arm["endpoints"]}
        got = {e.name: e.value for e in evaluate_endpoints(result)}
        if got != want:
            diff = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
            out.append(f"explorer: its scenario YAML, read back, runs arm {arm['name']} otherwise ({diff[:4]})")
    if len(again) != len(answer["arms"]):
        out.append(f"explorer: its scenario YAML has {len(again)} arms, the page {len(answer['arms'])}")
    return out


# ------------------------------------------------------------------------------------------- gene therapy
def random_gene_therapy(seed: int) -> dict[str, Any]:
    """A gene-therapy scenario (hemasim gene-therapy's schema, within its ranges) drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    age = float(rng.choice([_r(rng, 0.1, 17, 2), _r(rng, 18, 70, 1)]))
    weight = max(3.0, 3.5 + 2.4 * age) if age < 18 else _r(rng, 45, 110, 1)
    data: dict[str, Any] = {
        "name": f"gt fuzz {seed}", "patient": {"age_years": age, "sex": str(rng.choice(["male", "female"])),
                                               "weight_kg": round(float(weight), 1)},
        "gene_therapy": {"cd34_per_kg": float(round(10 ** rng.uniform(5, 7.5), -2)),
                         "transduction_efficiency": float(rng.choice([0.0, 1.0, _r(rng, 0, 1)])),
                         "mean_vcn": float(rng.choice([1.0, _r(rng, 1, 8), 20.0]))},
        "horizon_months": int(rng.choice([1, 6, 24, 60, int(rng.integers(1, 121))])),
        "markers": sorted({str(m) for m in rng.choice(["CD15", "CD3", "CD19", "CD56", "CD14"],
                                                      size=int(rng.integers(1, 4)))}),
        "cells_per_sample": int(rng.choice([1, 100, 20000, int(rng.integers(1, 50000))])),
        "seed": int(rng.integers(0, 2**31))}
    if rng.random() < 0.5:
        data["gene_therapy"]["corrected_advantage"] = float(rng.choice([0.0, _r(rng, 0, 1), 1.0]))
    if rng.random() < 0.6:
        data["gene_therapy"]["disease"] = str(rng.choice(["x_scid", "ada_scid", "rag_scid"]))
    if rng.random() < 0.4:
        data["conditioning"] = {"regimen": str(rng.choice(CONDITIONING))}
    else:
        data["conditioning"] = {"host_surviving_fraction": float(rng.choice([0.0, 1.0, _r(rng, 0, 1)]))}
    h = data["horizon_months"]
    if rng.random() < 0.6:
        data["sample_months"] = sorted({int(m) for m in rng.integers(1, h + 1, size=int(rng.integers(1, 5)))})
    return data


def check_gene_therapy(data: dict[str, Any], folder: Any, write: bool = True) -> list[str]:
    """A gene-therapy scenario: refused naming a field, or run; then every vector-marked fraction (sample and HSC) in
    [0, 1], vector copies per cell non-negative, integration-site read counts and clone ids non-negative integers,
    the diversity indices finite, and the run bit-identical twice; its files written."""
    from pathlib import Path

    import yaml

    from hemasim.clonal.gene_therapy_report import (
        GeneTherapyScenarioError,
        load_gene_therapy_scenario,
        run_gene_therapy,
        samples_frame,
        write_gene_therapy_outputs,
    )

    path = Path(folder) / "gt.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    try:
        spec = load_gene_therapy_scenario(path)
        run = run_gene_therapy(spec)
    except GeneTherapyScenarioError as err:
        msg = str(err)
        if not re.match(rf"({re.escape(str(path))}: )?[a-z_]+(\.[a-z_0-9]+)*: ", msg):
            return [f"gene therapy: a refusal naming no field: {msg[:300]}"]
        return []
    except Exception:  # noqa: BLE001
        return ["gene therapy raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-700:]]
    out: list[str] = []
    frame = samples_frame(run)
    from hemasim.clonal.gene_therapy import DISEASE_BLOCKED_MARKERS

    blocked = set(DISEASE_BLOCKED_MARKERS[spec.gene_therapy.disease] if spec.gene_therapy.disease else ())
    # no value (docs/clonal.md): the marked share of a sample without cells (a lineage the disease blocks, once no
    # corrected clone is left), the clonality of a sample without sites
    no_cells = frame["marker"].isin(blocked).to_numpy() & (frame["hsc_vector_marked_fraction"].to_numpy(float) == 0)
    no_sites = frame["integration_sites"].to_numpy(float) == 0
    for c in ("vector_marked_fraction", "hsc_vector_marked_fraction"):
        v = frame[c].to_numpy(float)
        bad = ~((v >= 0) & (v <= 1)) & ~(np.isnan(v) & no_cells if c == "vector_marked_fraction" else False)
        if bad.any():
            out.append(f"gene therapy: {c} {v[bad][0]!r} outside [0, 1] ({frame[bad].iloc[0].to_dict()})")
    v = frame["vector_copies_per_cell"].to_numpy(float)
    if (~np.isfinite(v) | (v < 0)).any():
        out.append(f"gene therapy: vector_copies_per_cell {v[~np.isfinite(v) | (v < 0)][0]!r}")
    for c in ("integration_sites", "shannon_nats", "clonality", "largest_site_fraction"):
        v = frame[c].to_numpy(float)
        bad = (~np.isfinite(v) | (v < 0)) & ~(np.isnan(v) & no_sites if c == "clonality" else False)
        if bad.any():
            out.append(f"gene therapy: {c} {v[bad][0]!r} (a sample of {frame[bad].iloc[0].to_dict()})")
    table = run.result.is_table
    for c in [c for c in table.columns if c.startswith("SIM_")] + ["clone_id"]:
        col = table[c]
        if not np.issubdtype(col.dtype, np.integer) or (col < 0).any():
            out.append(f"gene therapy: integration-site column {c} is not non-negative integers ({col.dtype})")
    again = run_gene_therapy(spec)
    if not (frame.equals(samples_frame(again)) and table.equals(again.result.is_table)):
        out.append("gene therapy: the same scenario twice differs")
    if write:
        try:
            write_gene_therapy_outputs(run, Path(folder) / "out", report=True)
        except Exception:  # noqa: BLE001
            out.append("gene therapy: writing raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-600:])
    return out


# ------------------------------------------------------------------------------------- clonal haematopoiesis
def random_clonal(seed: int) -> dict[str, Any]:
    """Arguments of ``hemasim clonal-hematopoiesis`` (small: lifespans and the example pool are costly)."""
    rng = np.random.default_rng(seed)
    return {"n_people": int(rng.choice([1, 2, int(rng.integers(1, 40))])), "seed": int(rng.integers(0, 2**31)),
            "max_age_years": float(rng.choice([1.0, 120.0, _r(rng, 1, 120, 1), float(rng.integers(1, 101))])),
            "example_pool_size": int(rng.choice([100, int(rng.integers(100, 5000))]))}


def check_clonal(args: dict[str, Any]) -> list[str]:
    """The clonal command's run (:func:`hemasim.clonal.report.run_ch_population`): bit-identical twice and with
    another number of worker threads (its docstring: the output does not depend on it); per person and age the VAFs
    in [0, 0.5] (a heterozygous driver: half its clone's share), the panel VAF at most the all-driver one, the
    driver share in [0, 1], clone counts non-negative integers; the snapshots' VAFs in [0, 0.5]; the example
    lifespan's pool the sum of its clones (tracked clone sizes non-negative integers that add up to at most the
    pool), the largest clone's share and driver share in [0, 1], its panel VAF in [0, 0.5]."""
    from hemasim.clonal.report import run_ch_population

    try:
        run = run_ch_population(**args, workers=1)
    except Exception:  # noqa: BLE001
        return ["clonal raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-700:]]
    out: list[str] = []
    c = run.cohort
    for name, hi in (("max_panel_vaf", 0.5), ("max_driver_vaf", 0.5), ("driver_share", 1.0)):
        v = np.asarray(getattr(c, name), dtype=float)
        bad = ~((v >= 0) & (v <= hi))
        if bad.any():
            out.append(f"clonal: {name} {v[bad][0]!r} outside [0, {hi:g}]")
    if (np.asarray(c.max_panel_vaf) > np.asarray(c.max_driver_vaf) + 1e-15).any():
        out.append("clonal: a panel driver's VAF above the largest driver VAF")
    k = np.asarray(c.clones_above_threshold)
    if not (np.issubdtype(k.dtype, np.integer) or np.array_equal(k, np.round(k))) or (k < 0).any():
        out.append(f"clonal: clones_above_threshold not non-negative integers ({k.dtype})")
    for key, v in c.snapshots.items():
        if "vaf" in key:
            v = np.asarray(v, dtype=float)
            if (~((v >= 0) & (v <= 0.5))).any():
                out.append(f"clonal: snapshot {key} {v[~((v >= 0) & (v <= 0.5))][0]!r} outside [0, 0.5]")
    h = run.example
    pool = np.asarray(h.pool_size)
    if not np.issubdtype(pool.dtype, np.integer) or (pool < 0).any():
        out.append("clonal: the example's pool sizes are not non-negative integers")
    for name, hi in (("largest_clone_fraction", 1.0), ("driver_share", 1.0), ("max_panel_vaf", 0.5)):
        v = np.asarray(getattr(h, name), dtype=float)
        if (~((v >= 0) & (v <= hi))).any():
            out.append(f"clonal: the example's {name} outside [0, {hi:g}]")
    if h.tracked:
        sizes = np.array([h.tracked[k] for k in sorted(h.tracked)])
        if not np.issubdtype(sizes.dtype, np.integer) or (sizes < 0).any():
            out.append("clonal: tracked clone sizes are not non-negative integers")
        elif (sizes.sum(axis=0) > pool[-sizes.shape[1]:]).any():
            out.append("clonal: the tracked clones hold more cells than the pool")
    again = run_ch_population(**args, workers=2)
    for name in ("max_panel_vaf", "max_driver_vaf", "driver_share", "clones_above_threshold"):
        if not np.array_equal(getattr(c, name), getattr(again.cohort, name), equal_nan=True):
            out.append(f"clonal: {name} differs run twice (1 worker, then 2)")
    if set(c.snapshots) != set(again.cohort.snapshots) or not all(
            np.array_equal(c.snapshots[k], again.cohort.snapshots[k]) for k in c.snapshots):
        out.append("clonal: the snapshots differ run twice")
    if h.to_frame().equals(again.example.to_frame()) is False or h.tracked != again.example.tracked:
        out.append("clonal: the example lifespan differs run twice")
    out += _check_displace(args)
    import tempfile

    from hemasim.clonal.report import write_ch_outputs

    with tempfile.TemporaryDirectory() as tmp:  # what `hemasim clonal-hematopoiesis` writes
        try:
            write_ch_outputs(run, tmp, report=args["seed"] % 4 == 0)
        except Exception:  # noqa: BLE001
            out.append("clonal: writing raised " + traceback.format_exc(limit=-3).replace("\n", " | ")[-600:])
    return out


def _check_displace(args: dict[str, Any]) -> list[str]:
    """docs/clonal.md: ``add_clones(..., displace=True)`` starts a mutant clone inside the pool: the same number of
    cells leaves it (the pool's total kept), every size a non-negative integer."""
    from hemasim.clonal.engine import NeutralHSCPool

    rng = np.random.default_rng(args["seed"])
    pool = NeutralHSCPool(args["example_pool_size"], seed=args["seed"])
    pool.run(float(rng.uniform(0, 30)))
    before = pool.pool_size
    sizes = rng.integers(1, max(2, before // 3), size=int(rng.integers(1, 4)))
    if sizes.sum() > before:
        return []
    pool.add_clones(sizes, advantage=float(rng.uniform(0, 0.1)), displace=True)
    out = []
    if pool.pool_size != before:
        out.append(f"clonal: add_clones(displace=True) of {sizes.tolist()} made the pool {pool.pool_size}, not {before}")
    if (pool.sizes < 0).any() or not np.issubdtype(pool.sizes.dtype, np.integer):
        out.append("clonal: a clone size below zero after add_clones(displace=True)")
    return out


def _check_sbml(scenario: Any) -> list[str]:
    from hemasim.assembly import assemble
    from hemasim.model.sbml import to_sbml
    from hemasim.simulation import Simulation, steady_state
    from hemasim.solvers import DormandPrince

    try:
        parts = assemble(scenario)
        model = parts.model.compile()
        events = [e for ev in parts.events for e in ev.expand()]
        x0 = steady_state(model)
        text = to_sbml(model, events, initial_state=x0)
    except ValueError as err:  # a documented refusal names what cannot be exported (rules: no fixed schedule)
        return [] if "export" in str(err) else [f"SBML export raised ValueError: {str(err)[:300]}"]
    except Exception as err:  # noqa: BLE001
        return [f"SBML export raised {type(err).__name__}: {str(err)[:300]}"]
    import roadrunner

    options = roadrunner.LoadSBMLOptions()
    options.mutableInitialConditions = False
    options.readOnly = True
    rr = roadrunner.RoadRunner(text, options)
    rr.integrator.relative_tolerance = 1e-10
    # 1e-12, not the suite's 1e-8: at 1e-8 libRoadRunner's infected cells of a cleared influenza swing around zero
    # and its CD8 effectors drift 0.2% from hemasim's by day 134; at 1e-12 they agree to 1e-5 (seed 10288)
    rr.integrator.absolute_tolerance = 1e-12
    days = scenario.duration_days
    points = max(int(days) + 1, 2)
    res = np.array(rr.simulate(0, days, points, selections=["time", *model.state_names]))
    ours = Simulation(model, solver=DormandPrince(rtol=1e-10), events=events, seed=scenario.seed).run(
        days, days / (points - 1), x0=x0)
    rr_states, hs = res[:, 1:], ours.states
    if rr_states.shape != hs.shape:
        return [f"SBML: libRoadRunner gave {rr_states.shape}, hemasim {hs.shape}"]
    # floored at 1e-4 of each state's largest value (tests/conftest.py: 1e-6, on scenarios without days-old drug
    # masses) and at 1e-4 absolute: libRoadRunner leaves a drug's amount days after a 4e5-ug dose at +-1e-3 where
    # hemasim's is below 1e-8 (seed 3036), influenza states at 1e-9 (seed 8010), gemcitabine at -5e-8 (seed 20030);
    # a lost or misplaced event is far above this
    scale = np.maximum(np.maximum(np.abs(hs), 1e-4 * np.max(np.abs(hs), axis=0)), 1e-4)
    err = np.abs(rr_states - hs) / scale
    if np.max(err) > 1e-3:
        i, j = np.unravel_index(int(np.argmax(err)), err.shape)
        return [f"SBML: libRoadRunner differs by {np.max(err):.3g} at day {ours.times[i]:g} in "
                f"{model.state_names[j]} ({rr_states[i, j]:.6g} vs {hs[i, j]:.6g})"]
    return []


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0, help="first seed; case i uses seed + i")
    ap.add_argument("--max-days", type=float, default=60.0)
    ap.add_argument("--max-interventions", type=int, default=3)
    ap.add_argument("--extreme", action="store_true", help="half the scenarios at the schema's edges")
    ap.add_argument("--sbml", type=int, default=0, help="check every K-th scenario's SBML with libRoadRunner")
    ap.add_argument("--cohort", type=int, default=0, help="check every K-th scenario as a 1-patient cohort")
    ap.add_argument("--cli", type=int, default=0, help="run every K-th scenario through `hemasim run`, killed once")
    ap.add_argument("--report", type=int, default=0, help="write every K-th scenario's outputs and report.html")
    ap.add_argument("--population", type=int, default=0, help="run every K-th scenario as a varied 3-patient cohort")
    ap.add_argument("--arms", type=int, default=0, help="check every K-th scenario with 2-4 arms")
    ap.add_argument("--cohort-cli", action="store_true", help="with --population: also `hemasim cohort` with "
                    "--partition-size 1 and 16")
    ap.add_argument("--explorer", type=int, default=0, help="check every K-th scenario through the explorer")
    ap.add_argument("--gene-therapy", type=int, default=0, help="check N gene-therapy scenarios (and stop)")
    ap.add_argument("--clonal", type=int, default=0, help="check N clonal-hematopoiesis runs (and stop)")
    ap.add_argument("--no-truncation", action="store_true")
    ap.add_argument("--show", type=int, help="print this seed's scenario as YAML and stop")
    args = ap.parse_args(argv)
    import warnings

    warnings.simplefilter("ignore")
    if args.show is not None:
        import yaml

        if args.gene_therapy:
            print(yaml.safe_dump(random_gene_therapy(args.show), sort_keys=False))
        elif args.clonal:
            print(random_clonal(args.show))
        else:
            data = random_scenario(args.show, args.max_days, args.max_interventions, args.extreme)
            if args.arms:
                data["arms"] = random_arms(np.random.default_rng(args.show + 3 * 10**6), data)
            print(yaml.safe_dump(data, sort_keys=False))
        return 0
    if args.gene_therapy or args.clonal:
        import tempfile

        failed = 0
        for i in range(args.gene_therapy or args.clonal):
            seed = args.seed + i
            if args.gene_therapy:
                with tempfile.TemporaryDirectory() as tmp:
                    problems = check_gene_therapy(random_gene_therapy(seed), tmp, write=i % 5 == 0)
            else:
                problems = check_clonal(random_clonal(seed))
            for p in problems:
                print(f"seed {seed}: FAIL {p}", flush=True)
            failed += bool(problems)
        print(f"{args.gene_therapy or args.clonal} cases: {failed} failing")
        return 1 if failed else 0
    failed = refused = 0
    for i in range(args.n):
        seed = args.seed + i
        data = random_scenario(seed, args.max_days, args.max_interventions, args.extreme)
        out = check_scenario(data, seed, truncation=not args.no_truncation,
                             sbml=args.sbml > 0 and i % args.sbml == 0,
                             cohort=args.cohort > 0 and i % args.cohort == 0,
                             report=args.report > 0 and i % args.report == 0,
                             population=args.population > 0 and i % args.population == 0,
                             arms=args.arms > 0 and i % args.arms == 0,
                             explorer=args.explorer > 0 and i % args.explorer == 0, cohort_cli=args.cohort_cli)
        if args.cli > 0 and i % args.cli == 0 and not out.refused:
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                out.problems += check_cli(data, tmp, kill_after_s=float(np.random.default_rng(seed).uniform(0.5, 4)))
        if out.refused:
            refused += 1
            print(f"seed {seed}: refused: {out.refused}", flush=True)
        for p in out.problems:
            print(f"seed {seed}: FAIL {p}", flush=True)
        failed += bool(out.problems)
    print(f"{args.n} scenarios: {failed} failing, {refused} refused")
    return 1 if failed else 0



# ------------------------------------------------------------------------------------------------ the command
def changed_scenario(data: dict[str, Any]) -> dict[str, Any]:
    """The scenario of :func:`check_cli`'s killed run: ``data`` renamed and one output step longer where the schema
    allows it (else renamed alone), so that its files differ from the first run's (run.json records the scenario,
    timeseries.csv gains a row): two runs of one scenario are byte-identical, so a folder holding a mix of the two
    looked whole (review35e)."""
    from hemasim.scenario import ScenarioError, parse_scenario

    renamed = {**data, "name": f"{data.get('name', 'fuzz')} (changed)"}
    every = float((data.get("output") or {}).get("every_days", 1.0))
    longer = {**renamed, "duration_days": float(data["duration_days"]) + every}
    try:
        parse_scenario(longer, "fuzz")
    except ScenarioError:
        return renamed
    return longer


def torn_output(now: dict[str, bytes], before: dict[str, bytes], after: dict[str, bytes]) -> str | None:
    """None when a folder killed over an earlier output (``before``, each file's bytes) holds it whole or the new
    one whole (``after``: what the killed run writes when let finish), every file compared; else what it holds. The
    two outputs must differ (:func:`changed_scenario`): identical ones would hide a mix."""
    if before == after:
        return "the changed scenario wrote the same files as the first: a mix of the two would not show"
    if now in (before, after):
        return None
    old = sorted(k for k in now if now[k] == before.get(k) != after.get(k))
    new = sorted(k for k in now if now[k] == after.get(k) != before.get(k))
    neither = sorted(k for k in now if now[k] not in (before.get(k), after.get(k)))
    missing = sorted(set(before) - set(now))
    return (f"the folder is neither output whole: earlier files {old}, new files {new}, files of neither {neither}, "
            f"missing {missing}")


def check_cli(data: dict[str, Any], folder: Any, kill_after_s: float | None = None) -> list[str]:
    """``hemasim run`` of the scenario into ``folder``/out: the files docs/scenarios.md lists, endpoints.json's
    entries ``{value, unit, definition}`` (and ``note``), timeseries.csv on the asked grid. With ``kill_after_s``
    a run of the scenario changed (:func:`changed_scenario`) is first killed (SIGKILL) that long after it starts,
    over the scenario's complete output: the folder then holds the earlier output whole, or the new one whole (the
    changed scenario's, as its complete run then writes it), every file's bytes compared, never a mix
    (:func:`torn_output`); that complete run succeeds."""
    import json
    import os
    import signal
    import subprocess
    from pathlib import Path

    import yaml

    from hemasim.scenario import ScenarioError, parse_scenario
    from hemasim.simulation import output_times

    try:
        scenario = parse_scenario(data, "fuzz")
    except ScenarioError:
        return []
    folder = Path(folder)
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = folder / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}

    def cmd(scenario_path: Path) -> list[str]:
        return [sys.executable, "-m", "hemasim", "run", str(scenario_path), "--out", str(out), "--no-report"]

    problems: list[str] = []

    def files() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(out.iterdir())} if out.is_dir() else {}

    before = now = None
    if kill_after_s is not None:
        (out).mkdir(exist_ok=True)
        first = subprocess.run(cmd(path), env=env, capture_output=True, text=True, timeout=600)
        if first.returncode != 0:
            return [f"cli: hemasim run failed ({first.returncode}): {first.stderr.strip()[-300:]}"]
        before = files()
        changed = changed_scenario(data)
        path = folder / "changed.yaml"  # the killed run's scenario, and the complete run's below
        path.write_text(yaml.safe_dump(changed, sort_keys=False))
        scenario = parse_scenario(changed, "fuzz")
        proc = subprocess.Popen(cmd(path), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=kill_after_s)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        now = files()
    res = subprocess.run(cmd(path), env=env, capture_output=True, text=True, timeout=600)
    if res.returncode != 0:
        return [*problems, f"cli: hemasim run failed ({res.returncode}): {res.stderr.strip()[-400:]}"]
    if before is not None and now is not None and (torn := torn_output(now, before, files())) is not None:
        problems.append(f"cli: killed after {kill_after_s:g} s, {torn}")
    names = set(files())
    if names != {"timeseries.csv", "endpoints.json", "run.json"}:
        problems.append(f"cli: --no-report wrote {sorted(names)}")
        return problems
    ends = json.loads((out / "endpoints.json").read_text())
    for k, v in ends.items():
        # docs/scenarios.md: value, unit, definition and a note; docs/getting_started.md: at_run_end and a caveat for
        # a value the run's end cut short, fell_below_again_day for a recovery that did not hold
        if not isinstance(v, dict) or not {"value", "unit", "definition"} <= set(v) or set(v) - {
                "value", "unit", "definition", "note", "at_run_end", "caveat", "fell_below_again_day"}:
            problems.append(f"cli: endpoints.json {k}: {v!r:.200}")
            break
    import pandas as pd

    ts = pd.read_csv(out / "timeseries.csv")
    grid = output_times(scenario.duration_days, scenario.output.every_days)
    if len(ts) != len(grid) or not np.allclose(ts.iloc[:, 0].to_numpy(float), grid, rtol=0, atol=1e-9):
        problems.append(f"cli: timeseries.csv has {len(ts)} rows, the grid {len(grid)}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
