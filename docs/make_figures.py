"""Regenerate the figures used in the README and docs: `python docs/make_figures.py`."""

from pathlib import Path

from hemasim.report.plots import lineage_figure
from hemasim.scenario import load_scenario
from hemasim.simulation import run_scenario

ROOT = Path(__file__).resolve().parents[1]

from hemasim.clonal import NeutralHSCPool
from hemasim.report.clonal_plots import clone_history_figure

history = NeutralHSCPool(2_000, seed=5).run(80, sample_every_years=1, track_top=15)
clone_history_figure(history, "largest clones of a 2,000-HSC pool").savefig(ROOT / "docs" / "images" / "clonal_history.png",
                                                                            dpi=60)

for name in ("healthy_adult", "marrow_depletion"):
    result = run_scenario(load_scenario(ROOT / "examples" / f"{name}.yaml"))
    lineage_figure(result).savefig(ROOT / "docs" / "images" / f"{name}.png", dpi=60)
    print("wrote", ROOT / "docs" / "images" / f"{name}.png")
