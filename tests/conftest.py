from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def reference_model():
    from hemasim.biology import healthy_human_model

    return healthy_human_model().compile()


@pytest.fixture(scope="session")
def static_reference_model():
    from hemasim.biology import healthy_human_model

    return healthy_human_model(aging=False).compile()
