"""The documentation site: `mkdocs build --strict` succeeds with every tutorial executed, and a failing tutorial
fails the build. Needs the `docs` extra (part of the `test` extra); without it these tests skip, saying so."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from tests._scripts import load_script

REPO = Path(__file__).resolve().parents[1]
DOCS_MODULES = ("mkdocs", "material", "mkdocstrings_handlers.python", "mkdocs_jupyter", "ipykernel")
# `mkdocs` rendering the tutorials from executed notebooks (tests/_notebooks.py), their folder the first argument
MKDOCS_RENDERING_EXECUTED = (
    "-c", f"import sys; sys.path.insert(0, {str(REPO)!r}); from tests._notebooks import main; main(sys.argv[1:])")


def _missing_docs_modules() -> list[str]:
    missing = []
    for name in DOCS_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


pytestmark = pytest.mark.skipif(
    bool(_missing_docs_modules()),
    reason=f"the docs extra is not installed (missing {', '.join(_missing_docs_modules())}); "
           "`pip install -e '.[docs]'` or `make docs`")


def _mkdocs_build(config: Path, site: Path, card: Path | None = None,
                  mkdocs: tuple[str, ...] = ("-m", "mkdocs")) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` in a subprocess whose notebook kernels import this checkout's hemasim; ``card``: the
    validation card to render (else the hook computes the whole card); ``mkdocs``: how Python runs mkdocs."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1",
               PYTHONPATH=os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]))
    if card is not None:
        env["HEMASIM_VALIDATION_CARD"] = str(card)
    env.pop("MPLBACKEND", None)  # the kernels' inline backend puts the figures into the pages
    return subprocess.run([sys.executable, *mkdocs, "build", "--strict", "--config-file", str(config),
                           "--site-dir", str(site)], cwd=config.parent, env=env, capture_output=True, text=True,
                          timeout=600)


class _TagTolerantLoader(yaml.SafeLoader):
    """Reads mkdocs.yml as data: its Python tags (the toc's slugify function) become None."""


_TagTolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def _hook(name: str) -> ModuleType:
    return load_script(REPO / "docs" / "hooks" / f"{name}.py", f"docs_hook_{name}")


@pytest.mark.slow
@pytest.mark.integration
def test_site_builds_strict_with_executed_tutorials(tmp_path: Path) -> None:
    """The site's own mkdocs.yml, plugins and hooks, built with `--strict`: links and anchors resolve, the API pages
    come from the docstrings, the card page and the copied example files are there, and every tutorial executes
    without error, its page showing an executed figure (the transplant tutorial's table too).

    The tutorials run here, one after the other, each in a fresh IPython shell of this process (tests/_notebooks.py
    says what they share and what is put back between them), and mkdocs-jupyter renders their executed notebooks
    instead of executing each in a kernel of its own: the same pages (tables and figures byte for byte) for ~12 s
    less CPU (docs/performance.md, twenty-first session). `make docs` executes every tutorial in its own kernel, and
    test_a_failing_tutorial_fails_the_build runs the site's notebook settings on the real kernel."""
    import jupytext
    import nbformat

    from hemasim.validation import run_validation
    from tests._notebooks import execute_notebook

    site = tmp_path / "site"
    # the validation tests judge every group; the site renders a card of two quick ones, with passing and failing
    # targets (`aging`, 1.4 s CPU, until the eighteenth session: the same page for 0.1 s)
    card = tmp_path / "card.json"
    card.write_text(json.dumps(run_validation(["steady_state", "engraftment_and_pegfilgrastim"]).to_json()),
                    encoding="utf-8")
    tutorials = sorted(p.stem for p in (REPO / "docs" / "tutorials").glob("*.py"))
    assert {"transplant", "chemotherapy_gcsf", "cohort", "clonal_hematopoiesis", "gene_therapy", "fit"} <= set(tutorials)
    executed = tmp_path / "executed"
    executed.mkdir()
    for name in tutorials:  # in the folder a kernel of the build works in
        notebook = jupytext.read(REPO / "docs" / "tutorials" / f"{name}.py")
        nbformat.write(execute_notebook(notebook, name, cwd=str(REPO)), executed / f"{name}.ipynb")
    run = _mkdocs_build(REPO / "mkdocs.yml", site, card, mkdocs=(*MKDOCS_RENDERING_EXECUTED, str(executed)))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-6000:]
    rendered = re.findall(r"tests\._notebooks: .*/tutorials/(\w+)\.py rendered from ", run.stderr)
    assert sorted(rendered) == tutorials, run.stderr[-3000:]  # each page once, from its executed notebook
    for name in tutorials:
        html = (site / "tutorials" / f"{name}.html").read_text(encoding="utf-8")
        figures = re.findall(r'<img [^>]*src="data:image/png;base64,', html)
        assert figures, f"tutorial {name}: no executed figure in the page"
        assert f'href="{name}.py"' in html and (site / "tutorials" / f"{name}.py").is_file()  # the download link
    transplant = (site / "tutorials" / "transplant.html").read_text(encoding="utf-8")
    assert "neutrophil_engraftment_day" in transplant  # an executed cell's table, not only the source
    api = (site / "api" / "simulation.html").read_text(encoding="utf-8")
    assert "Integrate a model (one patient, or a cohort" in api  # Simulation's docstring
    card_page = (site / "validation_card.html").read_text(encoding="utf-8")
    assert "S1" in card_page and "Q6" in card_page  # the card given, both of its groups
    assert "card-pass" in card_page and "card-fail" in card_page  # Q8 fails (tests/test_validation_predictions4.py)
    assert (site / "examples" / "healthy_adult.yaml").is_file()  # links from docs/ to ../examples/ resolve


@pytest.mark.slow
@pytest.mark.integration
def test_a_failing_tutorial_fails_the_build(tmp_path: Path) -> None:
    """The site's own notebook settings, on a one-page site whose tutorial raises."""
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_TagTolerantLoader)
    jupyter = next(p["mkdocs-jupyter"] for p in config["plugins"] if isinstance(p, dict) and "mkdocs-jupyter" in p)
    docs = tmp_path / "docs"
    (docs / "tutorials").mkdir(parents=True)
    (docs / "index.md").write_text("# home\n", encoding="utf-8")
    (docs / "tutorials" / "broken.py").write_text(
        "# %% [markdown]\n# # Broken\n\n# %%\nraise RuntimeError('tutorial cell failed on purpose')\n",
        encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump({
        "site_name": "broken", "docs_dir": "docs", "plugins": [{"mkdocs-jupyter": jupyter}],
        "nav": [{"Home": "index.md"}, {"Broken": "tutorials/broken.py"}]}), encoding="utf-8")
    run = _mkdocs_build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert run.returncode != 0
    assert "tutorial cell failed on purpose" in run.stdout + run.stderr


def test_the_in_process_runner_stops_at_a_failing_cell_and_puts_the_process_back(tmp_path: Path) -> None:
    """What test_site_builds_strict_with_executed_tutorials runs the tutorials with fails where a kernel would, naming
    the cell, and leaves this process as it found it: no IPython shell, the same folder and matplotlib backend."""
    import builtins

    import matplotlib
    from IPython.core.interactiveshell import InteractiveShell
    from nbformat.v4 import new_code_cell, new_notebook

    from tests._notebooks import TutorialFailed, execute_notebook

    backend, cwd = matplotlib.get_backend(), os.getcwd()
    notebook = new_notebook(cells=[new_code_cell("%matplotlib inline\nimport os\nos.chdir('..')"),
                                   new_code_cell("raise RuntimeError('tutorial cell failed on purpose')")])
    with pytest.raises(TutorialFailed, match=r"broken: cell 1 raised[\s\S]*tutorial cell failed on purpose"):
        execute_notebook(notebook, "broken", cwd=str(tmp_path))
    assert matplotlib.get_backend() == backend and os.getcwd() == cwd
    assert not InteractiveShell.initialized() and not hasattr(builtins, "__IPYTHON__")


def test_validation_card_page_lists_every_target_with_its_status() -> None:
    card = {"ok": False, "counts": {"pass": 1, "fail": 1, "not covered": 1}, "summary": "predictions: 0 pass / 1",
            "targets": [
                {"id": "S1", "group": "steady_state", "quantity": "ANC", "published": "1.8-7.7", "pass": "in range",
                 "source": "Merck | textbook", "status": "pass", "class": "consistency", "calibrated_on": False, "not_covered": "",
                 "note": "", "checks": [{"readout": "anc_1e9_per_L", "patient": "reference_male",
                                         "band": [1.8, 7.7], "value": 4.75, "status": "pass", "why": ""}]},
                {"id": "X9", "group": "new_group", "quantity": "Q", "published": "1", "pass": "in range",
                 "source": "s", "status": "fail", "near_edge": True, "calibrated_on": True, "not_covered": "", "note": "n",
                 "checks": [{"readout": "q", "patient": "p", "band": [0.5, 1.5], "value": 3.0, "status": "fail",
                             "why": ""}]},
                {"id": "A4", "group": "aging", "quantity": "subsets", "published": "-", "pass": "-", "source": "s",
                 "status": "not covered", "calibrated_on": False, "not_covered": "needs age effects", "note": "",
                 "checks": []}]}
    page = _hook("validation_card").card_markdown(card, "9.9")
    assert "hemasim 9.9" in page and "predictions: 0 pass / 1" in page
    assert '| S1 | consistency | ANC | 1.8-7.7 | <span class="card-status card-pass">pass</span> | `anc_1e9_per_L` (reference_male) = 4.75 in [1.8, 7.7] | Merck \\| textbook |' \
        in page
    assert "`q` (p) = 3 in [0.5, 1.5] **FAIL**" in page and "fail</span> (near an edge)" in page and "calibrated on this target" in page
    assert "## New group" in page and "not yet covered: needs age effects" in page


def test_a_reading_with_no_value_is_not_computed_on_the_card_page_not_not_covered() -> None:
    """The JSON card writes a reading with no value (NaN) as null, as it writes a check not covered: the page tells
    them apart by status, and a failing reading with no value stays a FAIL."""
    line = _hook("validation_card")._check_line

    def check(status: str) -> dict:
        return {"readout": "q", "patient": "p", "band": [1.0, 2.0], "value": None, "status": status, "why": "did not fall"}

    assert line(check("not covered")) == "`q` (p): not covered (did not fall)"
    assert line(check("fail")) == "`q` (p) not computed, against [1, 2] (did not fall) **FAIL**"
    assert line(check("info")) == "reported, not judged: `q` (p) not computed vs [1, 2]: did not fall"


def test_links_that_leave_docs_point_at_published_copies() -> None:
    hook = _hook("repository_files")
    assert hook._outside_target("scenarios.md", "../examples/a.yaml") == "examples/a.yaml"
    assert hook._outside_target("tutorials/x.md", "../../src/hemasim/io.py") == "src/hemasim/io.py"
    assert hook._outside_target("scenarios.md", "model.md") is None
    assert hook._outside_target("scenarios.md", "https://example.org/x") is None
    assert hook._outside_target("scenarios.md", "../../outside.txt") is None  # beyond the repository
