"""The one-patient kernels compiled ahead of time (hemasim.solvers._aot, built by ``python -m hemasim.solvers.warm``)
compute what the numba kernels compute, bit for bit; arguments of other types, edited sources and HEMASIM_AOT=0 fall
back to the numba kernels; a one-patient run with the compiled module does not import numba."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hemasim.solvers import _aot
from hemasim.solvers import _kernel as facade

from .conftest import EXAMPLES

SRC = Path(__file__).resolve().parents[1] / "src"


def _compiled_or_skip() -> None:
    if _aot.load("dopri5") is None:
        pytest.skip("no ahead-of-time module for these sources (python -m hemasim.solvers.warm builds it)")


def _model(age_years: float = 60.0):
    from hemasim.biology import Covariates, healthy_human_model

    return healthy_human_model(Covariates(age_years, "female", 62.0, 165.0)).compile()


def _dopri5_args(model, fixed: bool = False) -> tuple:
    """dopri5's arguments as DormandPrince passes them, from a perturbed start (so that the run has dynamics)."""
    x0 = model.x0 * np.linspace(0.3, 1.7, model.n_states)
    t_out = np.linspace(0.0, 90.0, 91)
    atol = 1e-8 * np.maximum(np.abs(model.x0), 1.0)
    return (x0, 0.0, t_out, 1e-8, atol, 0.25 if fixed else 0.05, 30.0, fixed, 500_000, *model.kernel_arrays())


@pytest.mark.parametrize("fixed", [False, True])
def test_the_compiled_integrator_equals_numba_bit_for_bit(fixed: bool):
    _compiled_or_skip()
    from hemasim.solvers import _kernel_numba

    args = _dopri5_args(_model(), fixed)
    assert _aot.accepts("dopri5", args)
    ours, theirs = facade.dopri5(*args), _kernel_numba.dopri5(*args)
    assert ours[1:] == theirs[1:]  # steps, rejected steps, status
    np.testing.assert_array_equal(ours[0], theirs[0])


@pytest.mark.parametrize("fixed", [False, True])
def test_the_compiled_imex_integrator_equals_numba_bit_for_bit(fixed: bool):
    _compiled_or_skip()
    from hemasim.solvers import _kernel_numba
    from hemasim.solvers.split import implicit_split

    model = _model()
    x0, t0, t_out, rtol, atol, h, _, fixed, max_steps, *arrays = _dopri5_args(model, fixed)
    args = (x0, t0, t_out, rtol, atol, h, 7.0, fixed, max_steps, *implicit_split(model), *arrays)
    assert _aot.accepts("ark_imex", args)
    ours, theirs = facade.ark_imex(*args), _kernel_numba.ark_imex(*args)
    assert ours[1:] == theirs[1:]  # steps, rejected steps, status
    np.testing.assert_array_equal(ours[0], theirs[0])


def test_the_compiled_newton_equals_the_parallel_kernel_bit_for_bit():
    _compiled_or_skip()
    from dataclasses import replace

    from hemasim.solvers import _kernel_numba
    from hemasim.solvers.steady import jacobian_colouring

    model = _model(age_years=72.0)  # away from the reference point: Newton has work to do
    one = replace(model, x0=model.x0[None], rate=model.rate[None], yield_=model.yield_[None],
                  fb_params=model.fb_params[None], n_patients=1)
    args = (one.x0, 0.0, np.maximum(one.x0, 1.0), *one.kernel_arrays(), 1e-10, 60, 0.0, jacobian_colouring(one))
    ours, theirs = facade.steady_state_batch(*args), _kernel_numba.steady_state_batch(*args)
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert ours[1][0] == 0  # converged
    np.testing.assert_array_equal(ours[0], theirs[0])


def test_only_the_compiled_signature_is_accepted():
    args = _dopri5_args(_model())
    assert _aot.accepts("dopri5", args)
    read_only = args[0].copy()
    read_only.flags.writeable = False
    strided = np.empty(2 * len(args[0]))[::2]
    for position, other in ((0, read_only), (0, strided), (0, args[0].astype(np.float32)), (8, 5.0), (7, 1),
                            (1, 0)):
        changed = list(args)
        changed[position] = other
        assert not _aot.accepts("dopri5", changed), (position, other)
    assert not _aot.accepts("dopri5", args[:-1])


def test_edited_sources_or_hemasim_aot_0_leave_the_numba_kernels_serving(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch):
    copies: list[Path | bytes] = []
    for source in _aot.KERNEL_SOURCES:
        if isinstance(source, bytes):  # the feedback kinds' numbers
            copies.append(source)
            continue
        copy = tmp_path / source.name
        copy.write_bytes(source.read_bytes())
        copies.append(copy)
    monkeypatch.setattr(_aot, "KERNEL_SOURCES", tuple(copies))
    before = _aot.module_path(tmp_path)
    edited = copies[1]
    assert isinstance(edited, Path)
    edited.write_text(edited.read_text() + "\n# an edit\n")
    assert _aot.module_path(tmp_path) != before  # another name: the module built from the old sources is not found

    monkeypatch.setenv("HEMASIM_AOT", "0")
    _aot._module.cache_clear()
    try:
        assert _aot.load("dopri5") is None
    finally:
        monkeypatch.delenv("HEMASIM_AOT")
        _aot._module.cache_clear()


def test_the_module_name_follows_the_feedback_kind_numbers_not_the_rest_of_model_core(monkeypatch: pytest.MonkeyPatch):
    """The kernels take from model/core.py only FeedbackKind's numbers (folded in as constants): those are hashed,
    not the file, so an edit elsewhere in it (a docstring, Model's checks) keeps the ahead-of-time module and numba's
    cached kernels (hemasim.model.laws.KERNEL_SOURCES); a changed kind number still renames the module, and numba's
    caches are dropped the same way (tests/test_reliability_numba_cache.py)."""
    from enum import IntEnum

    from hemasim.model import laws
    from hemasim.model.core import FeedbackKind

    hashed_files = [s for s in (*_aot.KERNEL_SOURCES, *laws.KERNEL_SOURCES) if not isinstance(s, bytes)]
    assert not [s for s in hashed_files if Path(s).name == "core.py"]
    assert laws.FEEDBACK_KIND_NUMBERS in _aot.KERNEL_SOURCES and laws.FEEDBACK_KIND_NUMBERS in laws.KERNEL_SOURCES
    before = _aot.fingerprint()
    renumbered = IntEnum("FeedbackKind", {kind.name: (int(kind) + 1) % len(FeedbackKind) for kind in FeedbackKind})
    numbers = repr([(kind.name, int(kind)) for kind in renumbered]).encode()
    monkeypatch.setattr(_aot, "KERNEL_SOURCES", tuple(numbers if s == laws.FEEDBACK_KIND_NUMBERS else s
                                                      for s in _aot.KERNEL_SOURCES))
    assert _aot.fingerprint() != before


def test_warm_reports_a_module_it_cannot_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]):
    from hemasim.solvers import warm

    def no_compiler(folder: Path | None = None) -> Path:
        raise OSError("no C compiler")

    monkeypatch.setattr(_aot, "module_path", lambda folder=None: tmp_path / "absent.so")
    monkeypatch.setattr(_aot, "build", no_compiler)
    assert warm._one_patient_kernels_ahead_of_time() is False
    assert "no C compiler" in capsys.readouterr().err


@pytest.mark.slow
def test_a_one_patient_run_imports_no_numba():  # a fresh interpreter, two short runs (< 1 s)
    _compiled_or_skip()
    code = ("import sys\nfrom hemasim.assembly import run_scenario\nfrom hemasim.scenario import load_scenario\n"
            f"for name in ('healthy_adult', 'docetaxel_q3w'):\n"
            f"    run_scenario(load_scenario({str(EXAMPLES)!r} + '/' + name + '.yaml'))\n"
            "print('numba' in sys.modules)\n")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "False"  # docetaxel_q3w's 55-year-old needs the Newton steady state too
