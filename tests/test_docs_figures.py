"""The figures the docs show are what the code draws now (docs/make_figures.py regenerates them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests._scripts import load_script

ROOT = Path(__file__).resolve().parents[1]


def _pixels(png: bytes | Path) -> np.ndarray:
    from io import BytesIO

    from matplotlib.image import imread

    return imread(BytesIO(png) if isinstance(png, bytes) else png, format="png")


def _software(path: Path) -> str:
    from PIL import Image

    with Image.open(path) as image:
        return str(image.info.get("Software", ""))


def test_the_clonal_history_image_is_the_plot_the_code_draws():
    """docs/images/clonal_history.png kept the title "(109 clones)" after the plot's became "109 clones ever among
    the largest" (harden11): the committed image is compared pixel for pixel with the figure drawn now, under the
    matplotlib version that wrote it (another version may lay text out a pixel apart)."""
    from io import BytesIO

    import matplotlib

    script = load_script(ROOT / "docs" / "clonal_history_figure.py")
    if f"Matplotlib version{matplotlib.__version__}," not in _software(script.OUTPUT):
        pytest.skip(f"the image was written by another matplotlib ({_software(script.OUTPUT)})")
    drawn = BytesIO()
    script.figure().savefig(drawn, format="png", dpi=script.DPI)
    now, committed = _pixels(drawn.getvalue()), _pixels(script.OUTPUT)
    assert now.shape == committed.shape
    assert np.array_equal(now, committed), "docs/images/clonal_history.png is out of date: python docs/make_figures.py"
