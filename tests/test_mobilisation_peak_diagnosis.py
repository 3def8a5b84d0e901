"""The late CD34+ peak under filgrastim, diagnosed (docs/mobilisation_peak_diagnosis.py; docs/mobilisation.md, "The
late CD34+ peak: diagnosis"): the script's patches leave the shipped model as it was, its exhaustion variant keeps
the resting count, and its objective is docs/fit_mobilisation.py's (the table's first row is the shipped fit)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest

from hemasim.parameters import healthy_adult_parameters
from tests._scripts import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "mobilisation_peak_diagnosis.py"


@pytest.fixture(scope="module")
def diag() -> ModuleType:
    return load_script(SCRIPT)


def test_a_patch_is_undone_even_when_the_block_fails(diag: ModuleType) -> None:
    owner = SimpleNamespace(f=len)
    with pytest.raises(RuntimeError), diag.patched(owner, "f", abs):
        assert owner.f is abs
        raise RuntimeError
    assert owner.f is len


@pytest.mark.slow
def test_the_exhaustion_variant_rests_until_the_first_dose_and_is_undone(diag: ModuleType) -> None:
    base = healthy_adult_parameters()
    before = diag.marrow._circulating_hspc
    with diag.patched(diag.marrow, "_circulating_hspc", diag.exhaustion_circulation(30.0)):
        r = diag.run(base.with_values(hspc_blood_residence_days=0.1, hspc_blood_share_of_mpp=0.01), (3.0,), 3.0)
        assert "homed_hspc_reserve" in r.model.state_names
    cd34 = r.observable("cd34_blood_per_uL")
    resting = base.value("cd34_blood_baseline_per_uL")
    # the rerouted homing keeps the resting count (the run starts at the model's fixed point): flat until the dose
    assert np.allclose(cd34[r.times < 3.0], resting, rtol=1e-6)
    assert diag.marrow._circulating_hspc is before
    assert "homed_hspc_reserve" not in diag.run(base, (0.0,), 1.0).model.state_names


@pytest.mark.slow
def test_the_diagnosis_objective_is_the_shipped_fit(diag: ModuleType) -> None:
    base = healthy_adult_parameters()
    delay = base.value("gcsf_mobilisation_delay_days")
    emax, held, _ = diag.fit(base, (50.0,), delay)
    assert held == delay
    assert emax == pytest.approx(base.value("gcsf_mobilisation_max_fold"), rel=0.02)
