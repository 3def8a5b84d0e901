"""Two slow swings a clinician would notice, diagnosed (fourteenth session, branch `hbovershoot`; the findings are in
docs/transplant.md, "Haemoglobin overshoot after an allogeneic graft", and docs/chemotherapy_full_model.md,
"Platelets over many docetaxel cycles"). Nothing here is fitted or chosen; no model value is changed.

1. After a myeloablative allogeneic graft (examples/allo_hsct_pbsc.yaml, allo_hsct_bone_marrow.yaml,
   ric_allo_hsct.yaml) haemoglobin rises past its set point around day 150 and swings back: the healthy erythroid
   loop's own damped oscillation (a complex pair of the linearised healthy model, period ~150 days), excited by the
   deep post-transplant deficit.
2. On docetaxel 100 mg/m2 q3w (examples/docetaxel_q3w.yaml run for 8 cycles) the platelet count falls from cycle to
   cycle and returns only months after the last dose: the megakaryocyte lineage's slowest mode is a real one (no
   oscillation) with a decay time several times the 21-day cycle, so each dose's loss is only partly made up before
   the next.

Run: PYTHONPATH=src python docs/overshoot_diagnosis.py (prints the tables the two pages quote; a few minutes of CPU).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

import hemasim as hs
from hemasim.assembly import assemble
from hemasim.scenario import parse_scenario
from hemasim.simulation import Result, steady_state
from hemasim.solvers import AdditiveRungeKutta, DormandPrince, ScipyReference, Solver

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
HB = "hemoglobin_g_per_dL"
PLT = "platelets_1e9_per_L"
ALLO = ("allo_hsct_pbsc", "allo_hsct_bone_marrow", "ric_allo_hsct")
#: assumed erythroid values swept one at a time (each over values inside its parameter record's bounds)
ERYTHROID_SWEEP: tuple[tuple[str, tuple[float, ...]], ...] = (
    ("erythroid_feedback_log_slope", (1.57, 2.0, 2.5, 3.0, 3.5)),
    ("erythroid_progenitor_exit_rate_per_day", (0.2, 0.3, 0.4, 0.5, 4.07)),
    ("erythroid_production_max_fold", (1.55, 3.0)),
    ("rbc_age_stages", (1, 2, 8, 16)),
)
HEALTHY_MAN: dict[str, Any] = {"age_years": 40, "sex": "male", "weight_kg": 75, "height_cm": 178}


def scenario_data(name: str) -> dict[str, Any]:
    """An example scenario's data, without its arms (the first arm is the scenario's own interventions)."""
    data: dict[str, Any] = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text())
    data.pop("arms", None)
    return data


def run(data: dict[str, Any], parameters: dict[str, float] | None = None, solver: Solver | None = None) -> Result:
    data = {**data, "parameters": parameters} if parameters else data
    return hs.run_scenario(parse_scenario(data), solver)


def hb_swing(times: np.ndarray, hb: np.ndarray) -> dict[str, float]:
    """The lowest Hb, the highest after it and the last value, each over the first value (the set point of a run
    that starts healthy), with their days."""
    low = int(np.argmin(hb))
    high = low + int(np.argmax(hb[low:]))
    return {"lowest": hb[low] / hb[0], "lowest_day": float(times[low]), "peak": hb[high] / hb[0],
            "peak_day": float(times[high]), "peak_g_per_dL": float(hb[high]), "end": hb[-1] / hb[0]}


def erythroid_balance(result: Result) -> list[dict[str, float]]:
    """Every 24 days: Hb, the EPO-like feedback, MPP input, progenitor pool, red cells released and red cells
    dying (each over its healthy steady value), and the four red-cell age stages over theirs."""
    m, x, t = result.model, result.states, result.times
    x0 = steady_state(m)

    def total(prefix: str, states: np.ndarray) -> np.ndarray:
        idx = [m.index(n) for n in m.state_names if n.startswith(prefix)]
        return states[..., idx].sum(axis=-1)

    def flux(prefix: str, states: np.ndarray) -> np.ndarray:
        f = m.fluxes(t if states.ndim == 2 else np.zeros(1), np.atleast_2d(states))
        return f[:, [j for j, n in enumerate(m.flow_names) if n.startswith(prefix)]].sum(axis=1)

    epo = m.feedback_values(t, x)[:, m.feedback_names.index("epo_like")]
    hb = result.observable(HB)
    rows = []
    series = {"mpp_input": "mpp_to_erythroid_progenitor", "released": "erythroid_maturing_3_out",
              "dying": "erythroid_blood_4_out"}
    fluxes = {k: flux(p, x) / flux(p, x0)[0] for k, p in series.items()}
    pool = total("erythroid_progenitor", x) / total("erythroid_progenitor", x0)
    ages = [total(f"erythroid_blood_{i}_", x) / total(f"erythroid_blood_{i}_", x0) for i in (1, 2, 3, 4)]
    for i in range(0, len(t), 24):
        rows.append({"day": float(t[i]), "hb": float(hb[i]), "epo_like": float(epo[i]), "pool": float(pool[i]),
                     **{k: float(v[i]) for k, v in fluxes.items()}, **{f"age_{j + 1}": float(a[i])
                                                                    for j, a in enumerate(ages)}})
    return rows


def linear_modes(prefix: str, parameters: dict[str, float] | None = None,
                 patient: dict[str, Any] | None = None) -> list[tuple[complex, float]]:
    """The slowest eigenvalues (1/day) of the healthy model linearised at its steady state whose eigenvectors lie
    mostly (> 50%, in relative deviations) on the states named ``prefix*``, slowest first, one of each complex pair;
    with the share of the eigenvector on those states. Central differences of the reference right-hand side."""
    data: dict[str, Any] = {"name": "healthy", "patient": patient or HEALTHY_MAN, "duration_days": 1, "aging": False,
                            "interventions": []}
    if parameters:
        data["parameters"] = parameters
    m = assemble(parse_scenario(data)).model.compile()
    x0 = steady_state(m)
    scale = np.maximum(np.abs(x0), 1.0)
    jac = np.empty((m.n_states, m.n_states))
    for j in range(m.n_states):
        step = np.zeros(m.n_states)
        step[j] = 1e-6 * scale[j]
        jac[:, j] = (m.rhs(0.0, x0 + step) - m.rhs(0.0, x0 - step)) / (2e-6 * scale[j])
    values, vectors = np.linalg.eig(jac * scale[None, :] / scale[:, None])
    mine = [i for i, n in enumerate(m.state_names) if n.startswith(prefix)]
    modes = []
    for k in range(len(values)):
        share = float(np.abs(vectors[mine, k]).sum() / np.abs(vectors[:, k]).sum())
        if share > 0.5 and values[k].imag >= 0.0:
            modes.append((complex(values[k]), share))
    return sorted(modes, key=lambda mode: -mode[0].real)


def describe_mode(value: complex) -> str:
    if abs(value.imag) < 1e-9:
        return f"real, decay time {-1.0 / value.real:.0f} d"
    period = 2.0 * np.pi / value.imag
    return (f"period {period:.0f} d, decay time {-1.0 / value.real:.0f} d, amplitude x{np.exp(value.real * period / 2):.2f}"
            " per half period")


def docetaxel_data(cycles: int = 8, days: float = 252.0, drug_set: str = "docetaxel_kloft2006") -> dict[str, Any]:
    data = scenario_data("docetaxel_q3w")
    chemo = dict(data["interventions"][0])
    chemo["schedule"] = {**chemo["schedule"], "cycles": cycles}
    chemo["drug_set"] = drug_set
    return {**data, "interventions": [chemo], "duration_days": days, "output": {"every_days": 0.25}}


def platelet_cycles(result: Result) -> dict[str, list[float]]:
    """Platelets on each dose day and 21 days after the last (1e9/L), and each cycle's lowest count."""
    t, plt = result.times, result.observable(PLT)
    doses = sorted({float(e["day"]) for e in result.record.administrations if e.get("action") == "given"})
    edges = [*doses, doses[-1] + 21.0]
    return {"dose_days": doses, "on_dose_days": [float(np.interp(d, t, plt)) for d in edges],
            "lowest": [float(plt[(t >= a) & (t < b)].min()) for a, b in zip(edges[:-1], edges[1:], strict=True)]}


def patched_drug_set(folder: Path, lineages: Sequence[str] | None = None, stages: Sequence[str] | None = None) -> str:
    """The shipped docetaxel_kloft2006 set with its full-model kill reaching fewer lineages or stages, written to
    ``folder`` (an exploration: the slope is not refitted)."""
    from hemasim.pharmacology.drug_sets import _shipped_dir

    text = (_shipped_dir() / "docetaxel_kloft2006.yaml").read_text()
    if lineages is not None:
        text = text.replace("lineages: [neutrophil, monocyte, erythroid, megakaryocyte]", f"lineages: [{', '.join(lineages)}]")
    if stages is not None:
        text = text.replace("stages: [committed_progenitors, dividing_precursors, multipotent_progenitors, short_term_stem, "
                            "long_term_stem]", f"stages: [{', '.join(stages)}]")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "docetaxel_kloft2006.yaml"
    path.write_text(text)
    return str(path)


def main() -> None:  # pragma: no cover - prints the pages' tables
    import tempfile

    print("## 1. Hb after an allogeneic graft\n")
    for name in ALLO:
        s = hb_swing(*(lambda r: (r.times, r.observable(HB)))(run(scenario_data(name))))
        print(f"{name}: lowest {s['lowest']:.3f} (day {s['lowest_day']:.0f}), peak {s['peak']:.4f} "
              f"({s['peak_g_per_dL']:.2f} g/dL, day {s['peak_day']:.0f}), end {s['end']:.4f}")
    print("\nsolvers, allo_hsct_pbsc peak Hb (g/dL):")
    for solver in (DormandPrince(), DormandPrince(rtol=1e-11), AdditiveRungeKutta(), AdditiveRungeKutta(rtol=1e-10),
                   ScipyReference(method="Radau", rtol=1e-9)):
        r = run(scenario_data("allo_hsct_pbsc"), solver=solver)
        print(f"  {type(solver).__name__} rtol {solver.rtol:g}: {r.observable(HB).max():.10f}")
    print("\nallo_hsct_pbsc, every 24 days (ratios to the healthy steady state):")
    rows = erythroid_balance(run(scenario_data("allo_hsct_pbsc")))
    print("| " + " | ".join(rows[0]) + " |")
    for row in rows:
        print("| " + " | ".join(f"{v:.0f}" if k == "day" else f"{v:.2f}" for k, v in row.items()) + " |")
    print("\nassumed erythroid values, one at a time (peak Hb over the set point, its day):")
    for name in ALLO:
        for param, values in ERYTHROID_SWEEP:
            cells = []
            for v in values:
                s = hb_swing(*(lambda r: (r.times, r.observable(HB)))(run(scenario_data(name), {param: v})))
                cells.append(f"{v:g}: {s['peak']:.3f} (d {s['peak_day']:.0f})")
            print(f"  {name} {param}: " + "; ".join(cells))
    print("\nhealthy man, slowest erythroid modes:")
    for label, params in (("shipped", None), ("log slope 1.57", {"erythroid_feedback_log_slope": 1.57}),
                          ("exit 0.5/day", {"erythroid_progenitor_exit_rate_per_day": 0.5}),
                          ("1 age stage", {"rbc_age_stages": 1}), ("16 age stages", {"rbc_age_stages": 16})):
        print(f"  {label}: " + "; ".join(describe_mode(v) for v, _ in linear_modes("erythroid", params)[:2]))

    print("\n## 2. Platelets over 8 cycles of docetaxel 100 mg/m2 q3w\n")
    folder = Path(tempfile.mkdtemp())
    variants: list[tuple[str, dict[str, Any], dict[str, float] | None]] = [
        ("shipped", docetaxel_data(), None),
        ("no kill on the stem stages", docetaxel_data(drug_set=patched_drug_set(
            folder / "a", stages=["committed_progenitors", "dividing_precursors", "multipotent_progenitors"])), None),
        ("no kill on MPP and stem stages", docetaxel_data(drug_set=patched_drug_set(
            folder / "b", stages=["committed_progenitors", "dividing_precursors"])), None),
        ("no kill on the megakaryocyte lineage", docetaxel_data(drug_set=patched_drug_set(
            folder / "c", lineages=["neutrophil", "monocyte", "erythroid"])), None)]
    variants += [(f"megakaryocyte exit {k}/day", docetaxel_data(), {"megakaryocyte_progenitor_exit_rate_per_day": k})
                 for k in (0.05, 0.1, 0.2, 0.586)]
    for label, data, params in variants:
        c = platelet_cycles(run(data, params))
        print(f"{label}: on dose days {[round(v) for v in c['on_dose_days']]}; lowest {[round(v) for v in c['lowest']]}")
    long = run(docetaxel_data(days=900.0), None)
    plt = long.observable(PLT)
    print("after the last dose (day 147):", {d: round(float(np.interp(d, long.times, plt)), 1) for d in (168, 252, 400, 900)})
    print("healthy woman, slowest megakaryocyte modes:")
    woman = {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165}
    for label, params in (("shipped", None), ("exit 0.2/day", {"megakaryocyte_progenitor_exit_rate_per_day": 0.2})):
        print(f"  {label}: " + "; ".join(describe_mode(v) for v, _ in linear_modes("megakaryocyte", params, woman)[:2]))


if __name__ == "__main__":
    main()
