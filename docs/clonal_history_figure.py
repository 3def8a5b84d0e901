"""docs/images/clonal_history.png (docs/clonal.md): the largest clones of a neutral 2,000-HSC pool over 80 years, drawn
by the package's own ``clone_history_figure``, so the page shows the plot a user gets. `python docs/make_figures.py`
runs it; tests/test_docs_figures.py checks that the committed image is what this draws now (its title had stayed
"(109 clones)" after the plot's became "109 clones ever among the largest")."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hemasim.clonal import NeutralHSCPool
from hemasim.report.clonal_plots import clone_history_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

OUTPUT = Path(__file__).resolve().parent / "images" / "clonal_history.png"
DPI = 60


def figure() -> Figure:
    history = NeutralHSCPool(2_000, seed=5).run(80, sample_every_years=1, track_top=15)
    return clone_history_figure(history, "largest clones of a 2,000-HSC pool")


def main() -> None:
    figure().savefig(OUTPUT, dpi=DPI)
    print("wrote", OUTPUT)


if __name__ == "__main__":
    main()
