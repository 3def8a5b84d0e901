"""``python -m hemasim.solvers.warm`` (``make demo`` runs it after installing): compile every numba kernel into
its on-disk cache once, so that no user's first run waits 10-30 s for the compiler.

The kernels are compiled by running what users run, at toy size: a two-patient cohort partition (the
lock-step kernel) and the two cohort Newton steady states (the moving states', the block-eliminated one), the IMEX
solver's two kernels (a two-patient cohort, one patient), one patient (the Dormand-Prince kernel), the dense Newton steady state of one patient, so each kernel
is compiled for exactly the argument types the library passes (``python -m hemasim.solvers.warm STEP ...`` runs
the steps named, :data:`STEPS`: ``make test`` runs them in two processes). The cache folder is the one :mod:`hemasim.solvers._cache`
picks (beside the sources, else numba's user-wide cache, else a private temporary folder), as for any run. Then the
one-patient kernels are compiled ahead of time into an extension module beside them (:mod:`hemasim.solvers._aot`:
a one-patient run then starts without numba; without a C compiler the numba kernels serve, as before), and the
package's bytecode is written (an install that did not write it, or ``PYTHONDONTWRITEBYTECODE``, would otherwise
compile ~130 modules on every start: ~0.2 s).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

#: a healthy adult for a month, as a scenario mapping (the package's data, no file needed)
_WARM_SCENARIO = {"name": "warm the kernel cache", "patient": {"age_years": 35, "sex": "male", "weight_kg": 70,
                                                             "height_cm": 175},
                  "duration_days": 30, "aging": False, "seed": 0, "output": {"every_days": 1}}


def _one_patient_dopri5() -> None:
    from hemasim.assembly import run_scenario
    from hemasim.scenario import parse_scenario

    with _numba_kernels_only():
        run_scenario(parse_scenario(dict(_WARM_SCENARIO), source="warm"))


def _cohort_partition() -> None:
    import numpy as np

    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.cohort.runner import COHORT_RTOL, simulate_partition
    from hemasim.solvers.steady import NewtonSteadyState

    simulate_partition(dict(_WARM_SCENARIO), 0, 0, 2, 0, None, False, COHORT_RTOL)
    # both cohort steady states: the moving states' Newton (the 60-year-old's T-cell pools move) and the
    # block-eliminated Newton of every state, which serves the patients the first does not converge
    two = healthy_human_model(Covariates(np.array([35.0, 60.0]), np.array(["male", "female"]), np.array([70.0, 60.0]),
                                         np.array([175.0, 165.0]))).compile()
    NewtonSteadyState().states(two)
    NewtonSteadyState(hold_balanced=False).states(two)


@contextmanager
def _numba_kernels_only() -> Iterator[None]:
    """Runs inside use numba's kernels even where the ahead-of-time module would serve them, so that those are
    compiled too (arguments of other types go to them; tests compare the two)."""
    from hemasim.solvers import _aot

    before = os.environ.get("HEMASIM_AOT")
    os.environ["HEMASIM_AOT"] = "0"
    _aot._module.cache_clear()
    try:
        yield
    finally:
        if before is None:
            del os.environ["HEMASIM_AOT"]
        else:
            os.environ["HEMASIM_AOT"] = before
        _aot._module.cache_clear()


def _one_patient_kernels_ahead_of_time() -> bool:
    """Build the ahead-of-time module unless a current one is there; False (and why, on stderr) when it cannot be
    built (no C compiler, numba without numba.pycc): one-patient runs then load the numba kernels."""
    import sys

    from hemasim.solvers import _aot

    if _aot.module_path().is_file():
        return True
    try:
        _aot.build()
    except Exception as err:  # noqa: BLE001 - any failure leaves the numba kernels serving, which is correct
        print(f"hemasim: one-patient kernels not compiled ahead of time ({type(err).__name__}: {err}); "
              "runs use the numba kernels", file=sys.stderr)
        return False
    return True


def _bytecode() -> None:
    """Write the package's bytecode beside its sources, where they can be written."""
    import compileall
    from pathlib import Path

    import hemasim

    compileall.compile_dir(Path(hemasim.__file__).parent, quiet=2)


def _clonal_kernels() -> None:
    """A tiny clone-engine run and a two-person CH cohort: compiles hemasim.clonal._kernels (6-12 s when cold)."""
    from hemasim.clonal import NeutralHSCPool
    from hemasim.clonal.ch import simulate_ch_cohort

    NeutralHSCPool(100, seed=0).run(0.1)
    simulate_ch_cohort(2, max_age_years=1.0)


def imex_one_patient_kernel() -> None:
    """The IMEX solver's one-patient numba kernel."""
    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.simulation import Simulation
    from hemasim.solvers import AdditiveRungeKutta

    with _numba_kernels_only():
        one = healthy_human_model(Covariates(35.0, "male", 70.0, 175.0)).compile()
        Simulation(one, AdditiveRungeKutta()).run(5.0, 1.0)


def _imex_cohort_kernel() -> None:
    import numpy as np

    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.simulation import Simulation
    from hemasim.solvers import AdditiveRungeKutta

    two = Covariates(np.array([35.0, 60.0]), np.array(["male", "female"]), np.array([70.0, 60.0]),
                     np.array([175.0, 165.0]))
    model = healthy_human_model(two).compile()
    Simulation(model, AdditiveRungeKutta(rtol=1e-6)).run(5.0, 1.0, observe=model.observable_names[:2])


def _dense_newton_kernel() -> None:
    """The dense Newton steady state (numba's steady_state_batch): one patient away from the reference point, whose
    steady state the ahead-of-time module solves in a run; without that module (no C compiler) and for a cohort's
    patients whose block elimination is unsafe, the numba kernel serves (same argument types)."""
    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.simulation import steady_state

    with _numba_kernels_only():
        steady_state(healthy_human_model(Covariates(72.0, "female", 62.0, 165.0)).compile())


def _cohort_full_states() -> None:
    """A two-patient cohort run keeping every state (the lock-step kernel with identity weights)."""
    import numpy as np

    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.simulation import Simulation

    two = Covariates(np.array([35.0, 60.0]), np.array(["male", "female"]), np.array([70.0, 60.0]),
                     np.array([175.0, 165.0]))
    Simulation(healthy_human_model(two).compile()).run(5.0, 1.0)


#: the steps, by name (``python -m hemasim.solvers.warm NAME ...`` runs those alone): what each compiles, and the
#: function that does it. The cohort kernels come first: they share their helpers (the block-eliminated steady state,
#: the lock-step right-hand side; ~35 s of the IMEX cohort kernel's compile when cold), so one process builds them
#: one after the other; the clonal, one-patient, dense-Newton and ahead-of-time steps share little with them, and
#: ``make test`` builds those in a second process meanwhile (they are found in the cache here when it was first)
STEPS: dict[str, tuple[str, Callable[[], object]]] = {
    "cohort": ("cohort (steady state, lock-step)", _cohort_partition),
    "cohort-states": ("cohort, every state kept (lock-step)", _cohort_full_states),
    "imex-cohort": ("IMEX solver, a cohort (lock-step)", _imex_cohort_kernel),
    "clonal": ("clone engine and CH cohort step", _clonal_kernels),
    "one-patient": ("one patient (dopri5)", _one_patient_dopri5),
    "imex-one-patient": ("IMEX solver, one patient (ark_imex)", imex_one_patient_kernel),
    "dense-newton": ("dense Newton steady state (numba)", _dense_newton_kernel),
    "ahead-of-time": ("one patient, ahead of time (dopri5, ark_imex, Newton)",
                      _one_patient_kernels_ahead_of_time),
    "bytecode": ("bytecode of the package", _bytecode),
}


def warm_kernels(steps: Sequence[str] | None = None,
                 done: Callable[[str, float], object] | None = None) -> dict[str, float]:
    """Compile (or load from the cache) the kernels of ``steps`` (names of :data:`STEPS`; all when None), in the
    order of STEPS; seconds each step took, also given to ``done(what, seconds)`` as each step ends."""
    unknown = set(steps or ()) - set(STEPS)
    if unknown:
        raise ValueError(f"unknown warm-up step(s) {', '.join(sorted(unknown))}; known: {', '.join(STEPS)}")
    took: dict[str, float] = {}
    for name, (what, build) in STEPS.items():
        if steps is not None and name not in steps:
            continue
        start = time.perf_counter()
        if build() is False:  # the ahead-of-time module could not be built (said why on stderr)
            continue
        took[what] = time.perf_counter() - start
        if done is not None:
            done(what, took[what])
    return took


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m hemasim.solvers.warm [STEP ...]``: every step, or those named."""
    import sys

    from hemasim._gc import tune_for_command

    # the collector's first threshold as a hemasim command has it: numba's compiler makes and drops millions of
    # container objects (IR, types), and at Python's 700 the collector ran ~4,000 times in the clone engine's step
    # alone (3.4 of its 24.2 s CPU; 1.0 s in 25 collections so: docs/performance.md, the suite, eighteenth session)
    tune_for_command()
    names = list(sys.argv[1:] if argv is None else argv)
    # each line as its step ends, flushed: `make demo`'s first minutes otherwise show nothing (the lines came all at
    # once at the end, and a piped stdout held them in its buffer), where the README promises one line per group
    warm_kernels(names or None, lambda step, seconds: print(f"hemasim kernels ready: {step} in {seconds:.1f} s",
                                                            flush=True))


if __name__ == "__main__":
    import sys

    main()
    # leave without the interpreter's teardown, which frees every compiled kernel's LLVM objects one by one: 0.6-1.5 s
    # after a run from the cache, 3-5 s after compiling (clean clones, load 2-8), while `make -j2 test` waits for this
    # process before it starts the suite. Nothing is left to write: numba saved each kernel when it compiled it, and
    # the ahead-of-time module and the bytecode files are closed
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
