"""The Python examples in the README and docs run as written."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "docs" / "clonal.md", ROOT / "docs" / "drugs.md"]
#: pages whose examples run in a clone's root, as their commands do (`examples/...` paths)
DOCS_IN_CLONE = [ROOT / "docs" / "getting_started.md"]


def python_blocks():
    for doc in [*DOCS, *DOCS_IN_CLONE]:
        for i, block in enumerate(re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)):
            yield pytest.param(block, doc in DOCS_IN_CLONE, id=f"{doc.name}-{i}")


@pytest.mark.parametrize(("code", "in_clone"), list(python_blocks()))
@pytest.mark.slow
@pytest.mark.integration
def test_documented_example_runs(code, in_clone, tmp_path):
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT if in_clone else tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]


def test_drug_set_doc_is_generated_from_the_data():
    from hemasim.pharmacology.table import drug_sets_markdown

    assert (ROOT / "docs" / "drug_sets.md").read_text(encoding="utf-8") == drug_sets_markdown(), (
        "docs/drug_sets.md is stale: run `python -m hemasim.pharmacology.table > docs/drug_sets.md`")
