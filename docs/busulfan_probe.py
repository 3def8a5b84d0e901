"""Probe of the baboon busulfan datum (Mahmud 2018, PLoS One 13:e0206980) in the model: busulfan alone, no graft.

docs/chimerism.md ("Busulfan's stem-cell kill"): 9.6 mg/kg IV busulfan, taken as 12 mg/kg oral (IV 0.8 = oral
1 mg/kg), in a 40-year-old man of the model; the progenitor and lymphoid survival scaled log-linearly from bu_cy's
assumed 16 mg/kg values (0.01^(12/16), 0.5^(12/16)); the HSC survival varied. Prints, for each HSC survival, the
ratio to baseline of the blood counts and marrow pools on day 90 after the dose (the baboons' last day), where the
baboons had fully recovered blood counts and 25-35% of their marrow CD34+ cells and CFU.

Then the graft's share of blood myeloid and T cells after Flu/Bu2 and a graft with no immunosuppression (so no
alloreactive kill: the validation scenario ``ric_flu_bu2`` without its ciclosporin), beside the autologous X-CGD
gene-therapy series at the same busulfan dose (Blood 2008;112(11):2349).

    PYTHONPATH=src python docs/busulfan_probe.py [HSC survival ...]
"""

from __future__ import annotations

import sys
import tempfile
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from hemasim._yaml_limits import load_yaml_text
from hemasim.assembly import run_scenario
from hemasim.scenario import parse_scenario
from hemasim.simulation import Result
from hemasim.validation.chimerism import donor_share

DOSE_DAY = 10.0  # the busulfan day of the run (10 days of steady state before it)
READ_DAY = 90.0  # days after the dose
RIC_GRAFT_DAY = 10.0  # the graft's day in ric_flu_bu2.yaml
PROGENITOR_SURVIVING = 0.01 ** (12 / 16)  # 0.032
LYMPHOID_SURVIVING = 0.5 ** (12 / 16)  # 0.59
OBSERVABLES = ("platelets_1e9_per_L", "anc_1e9_per_L", "cd34_blood_per_uL", "hsc_count_cells")
POOLS = {"marrow ST-HSPC + MPP": ("st_hspc", "mpp"),
         "committed progenitors (CFU)": ("neutrophil_progenitor", "monocyte_progenitor", "megakaryocyte_progenitor")}


def busulfan_alone(hsc_surviving: float, folder: Path) -> Result:
    """The model's run of one busulfan kill on day ``DOSE_DAY`` (no graft), 100 days after it."""
    regimen = {"title": "busulfan 9.6 mg/kg IV alone", "intensity": "reduced_intensity",
               "description": "one busulfan course, no graft (probe of Mahmud 2018)", "graft_day": 1,
               "components": [{"kind": "cell_kill", "day": 0, "agent": "busulfan 9.6 mg/kg IV (12 mg/kg oral)",
                               "surviving": {"hsc": {"value": hsc_surviving, "assumed": "varied by the probe"},
                                             "progenitor": {"value": PROGENITOR_SURVIVING, "assumed": "log-linear"},
                                             "lymphoid": {"value": LYMPHOID_SURVIVING, "assumed": "log-linear"}}}]}
    path = folder / f"busulfan_{hsc_surviving:g}.yaml"
    path.write_text(yaml.safe_dump(regimen), encoding="utf-8")
    scenario = parse_scenario({
        "name": "busulfan alone", "description": "busulfan 9.6 mg/kg IV, no graft",
        "patient": {"age_years": 40, "sex": "male", "weight_kg": 75, "height_cm": 178},
        "duration_days": DOSE_DAY + READ_DAY + 10, "aging": False, "output": {"every_days": 1},
        "interventions": [{"kind": "conditioning", "regimen": str(path), "start_day": DOSE_DAY}]}, "busulfan probe")
    return run_scenario(scenario)


def day90_ratios(result: Result) -> dict[str, float]:
    """Each read-out on day ``READ_DAY`` after the dose over its value before the dose."""
    t_read, t_base = DOSE_DAY + READ_DAY, DOSE_DAY - 5.0
    out = {}
    for name in OBSERVABLES:
        y = result.observable(name)
        out[name] = float(np.interp(t_read, result.times, y) / np.interp(t_base, result.times, y))
    states = result.values[0] if result.values.ndim == 3 else result.values
    names = list(result.model.state_names)
    for label, pools in POOLS.items():
        y = states[:, [names.index(p) for p in pools]].sum(axis=1)
        out[label] = float(np.interp(t_read, result.times, y) / np.interp(t_base, result.times, y))
    return out


def graft_share_without_alloreactivity(days: tuple[float, ...] = (17, 30, 60, 100, 200, 365)
                                       ) -> list[tuple[float, float, float]]:
    """(day after the graft, graft's myeloid share, graft's T share) after ric_flu_bu2 without its ciclosporin."""
    text = resources.files("hemasim.validation").joinpath("scenarios", "ric_flu_bu2.yaml").read_text("utf-8")
    data = load_yaml_text(text, "validation scenario ric_flu_bu2", "scenario")
    assert isinstance(data, dict)
    data["interventions"] = [i for i in data["interventions"] if i["kind"] != "immunosuppression"]
    data["duration_days"] = RIC_GRAFT_DAY + max(days) + 5
    result = run_scenario(parse_scenario(data, "ric_flu_bu2 without immunosuppression"))
    return [(d, donor_share(lambda: result, "myeloid", d, RIC_GRAFT_DAY), donor_share(lambda: result, "t", d,
                                                                                       RIC_GRAFT_DAY)) for d in days]


def main(argv: list[str]) -> None:
    survivals = [float(a) for a in argv] or [0.001 ** (12 / 16), 0.02, 0.05, 0.1, 0.3]
    columns = [*OBSERVABLES, *POOLS]
    print("| HSC surviving | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    with tempfile.TemporaryDirectory() as folder:
        for s in survivals:
            ratios = day90_ratios(busulfan_alone(s, Path(folder)))
            print(f"| {s:.4g} | " + " | ".join(f"{ratios[c]:.3g}" for c in columns) + " |")
    print("\n| day after graft | graft's myeloid share | graft's T share |\n|---|---|---|")
    for day, myeloid, t in graft_share_without_alloreactivity():
        print(f"| {day:g} | {myeloid:.3f} | {t:.3f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
