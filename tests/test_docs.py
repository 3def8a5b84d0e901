"""The Python examples in the README and docs run as written."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "docs" / "clonal.md", ROOT / "docs" / "drugs.md"]


def python_blocks():
    for doc in DOCS:
        for i, block in enumerate(re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)):
            yield pytest.param(block, id=f"{doc.name}-{i}")


@pytest.mark.parametrize("code", list(python_blocks()))
@pytest.mark.slow
@pytest.mark.integration
def test_documented_example_runs(code, tmp_path):
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]


def test_drug_set_doc_is_generated_from_the_data():
    from hemasim.pharmacology.table import drug_sets_markdown

    assert (ROOT / "docs" / "drug_sets.md").read_text(encoding="utf-8") == drug_sets_markdown(), (
        "docs/drug_sets.md is stale: run `python -m hemasim.pharmacology.table > docs/drug_sets.md`")
