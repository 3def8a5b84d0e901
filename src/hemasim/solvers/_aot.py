"""The single-patient integrator compiled ahead of time: :func:`hemasim.solvers._kernel_numba.dopri5`, built by
numba's AOT compiler (``numba.pycc``) into a plain extension module when the kernels are warmed at install
(``python -m hemasim.solvers.warm``). A one-patient run then needs neither numba's import (~0.15 s of a fresh
process) nor numba's loading of its cached kernel (~0.35 s: numba sets up its compiler, which imports scipy.linalg),
about half of what ``hemasim run`` cost.

The module's exported functions call the JIT kernels, whose compiled code numba links in: the same code, no
fast-math, the same IEEE arithmetic as the JIT kernel (a test holds the two equal bit for bit), each kernel's body
compiled once for both. The module's name carries a fingerprint of what its code is made of (the kernel sources, the
signature, the Python and numpy versions): after an edit to any of them no module answers to the new name, and the
JIT kernel serves until the next warm-up builds one. Arguments of other types than the compiled signature (a
read-only or strided array, another dtype) go to the JIT kernel too, which compiles for them as before.
``HEMASIM_AOT=0`` turns the compiled copy off (benchmarks, comparisons).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hemasim.model import laws
from hemasim.solvers._cache import kernel_cache_folder

_HERE = Path(__file__).resolve().parent
#: everything the compiled code is made of (numba's own cache looks only at the kernel file's date): the kernels,
#: the Dormand-Prince steps, the feedback laws and the FeedbackKind numbers they branch on (bytes: those numbers
#: alone, not model/core.py, whose other edits change no kernel but cost a rebuild; docs/performance.md, the suite's
#: twenty-sixth session); the laws' part spliced from laws.KERNEL_SOURCES (its file, then those numbers: the same
#: bytes in the same order as when they were listed here, so the same fingerprint)
KERNEL_SOURCES: tuple[Path | bytes, ...] = (
    _HERE / "_kernel_numba.py", _HERE / "_dopri.py", _HERE / "_ark.py", _HERE / "split.py",
    *(s if isinstance(s, bytes) else Path(s) for s in laws.KERNEL_SOURCES))
MODULE_PREFIX = "_kernels_aot_"

_F8 = ("scalar", "float64", 0)
_I8 = ("scalar", "int64", 0)
_BOOL = ("scalar", "bool", 0)
_F8_1D = ("array", "float64", 1)
_F8_2D = ("array", "float64", 2)
_I8_1D = ("array", "int64", 1)
_I8_2D = ("array", "int64", 2)
_COLOURING = ("tuple4", "int64", 1)  # jacobian_colouring's four int64 arrays
#: one patient's model arrays, CompiledModel.kernel_arrays(): src, dst, rate, consume, yield, flow_fb, sig_ptr,
#: sig_idx, sig_w, fb_kind, fb_signal, fb_params, fb_offset, fb_scale
_MODEL = (_I8_1D, _I8_1D, _F8_1D, _F8_1D, _F8_1D, _I8_2D, _I8_1D, _I8_1D, _F8_1D, _I8_1D, _I8_1D, _F8_2D, _F8_1D,
          _F8_1D)
#: name -> (the arguments as the library passes them: arrays C-ordered and writable; the return type). dopri5
#: (x0, t0, t_out, rtol, atol, h_init, max_step, fixed_step, max_steps, *model) as DormandPrince calls it;
#: _steady_state_patient (x0, x, t, scale, *model, tol, max_iter, first_step_days, colouring): one patient of
#: steady_state_batch, which runs it for each patient in parallel; ark_imex: dopri5's arguments with the implicit
#: split's arrays (ImplicitSplit: nine int64, one float64, three int64, one float64) before the model's
#: (AdditiveRungeKutta)
EXPORTS = {
    "dopri5": ((_F8_1D, _F8, _F8_1D, _F8, _F8_1D, _F8, _F8, _BOOL, _I8, *_MODEL),
               "Tuple((float64[:, ::1], int64, int64, int64))"),
    "ark_imex": ((_F8_1D, _F8, _F8_1D, _F8, _F8_1D, _F8, _F8, _BOOL, _I8, *([_I8_1D] * 9), _F8_1D, *([_I8_1D] * 3),
                  _F8_1D, *_MODEL),
                 "Tuple((float64[:, ::1], int64, int64, int64))"),
    "_steady_state_patient": ((_F8_1D, _F8_1D, _F8, _F8_1D, *_MODEL, _F8, _I8, _F8, _COLOURING), "int64"),
}


def _numba_type(kind: str, dtype: str, ndim: int) -> str:
    if kind == "scalar":
        return "boolean" if dtype == "bool" else dtype
    array = f"{dtype}[{', '.join([':'] * (ndim - 1) + ['::1'])}]"
    return f"UniTuple({array}, 4)" if kind == "tuple4" else array


def numba_signature(name: str) -> str:
    """The signature ``name`` is compiled for, in numba's notation."""
    arguments, returns = EXPORTS[name]
    return f"{returns}({', '.join(_numba_type(*a) for a in arguments)})"


def _numba_version_file() -> Path | None:
    """numba's ``_version.py``, found without importing numba (~0.15 s)."""
    spec = importlib.util.find_spec("numba")
    if spec is None or spec.origin is None:
        return None
    version = Path(spec.origin).parent / "_version.py"
    return version if version.is_file() else None


def fingerprint() -> str:
    """What the compiled code depends on, hashed: kernel sources, signatures, the numba that compiled them (the JIT
    kernels they must equal come from the installed one), Python, numpy and the machine."""
    digest = hashlib.sha256()
    numba_version = _numba_version_file()
    for source in (*KERNEL_SOURCES, *([numba_version] if numba_version is not None else [])):
        digest.update(source if isinstance(source, bytes) else source.read_bytes())
    for part in (*map(numba_signature, EXPORTS), sys.version, np.__version__, platform.machine()):
        digest.update(part.encode())
    return digest.hexdigest()[:20]


def module_path(folder: Path | None = None) -> Path:
    """Where the compiled module for the current sources lives (or would)."""
    folder = folder if folder is not None else kernel_cache_folder(_HERE / "_kernel_numba.py")
    return folder / f"{MODULE_PREFIX}{fingerprint()}{importlib.machinery.EXTENSION_SUFFIXES[0]}"


@functools.cache
def _module() -> Any:
    """The compiled module for the current sources, or None (not built, out of date, turned off, unloadable)."""
    if os.environ.get("HEMASIM_AOT", "1") == "0":
        return None
    try:
        path = module_path()
    except OSError:
        return None
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(path.name.split(".")[0], path)
    if spec is None or spec.loader is None:
        return None
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except (ImportError, OSError):  # another numpy ABI, a truncated file: the JIT kernels serve
        return None
    return module


def load(name: str) -> Callable[..., Any] | None:
    """The compiled kernel ``name`` (a key of :data:`EXPORTS`) for the current sources, or None."""
    module = _module()
    return None if module is None else getattr(module, name)


def _fits(value: object, kind: str, dtype: str, ndim: int) -> bool:
    if kind == "tuple4":
        return (isinstance(value, tuple) and len(value) == 4
                and all(_fits(v, "array", dtype, ndim) for v in value))
    if kind == "array":
        return (isinstance(value, np.ndarray) and value.dtype == np.dtype(dtype) and value.ndim == ndim
                and value.flags.c_contiguous and value.flags.writeable and value.flags.aligned)
    if dtype == "bool":
        return isinstance(value, bool | np.bool_)
    if dtype == "int64":
        return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)
    return isinstance(value, float)  # np.float64 is a float


def accepts(name: str, args: Sequence[object]) -> bool:
    """Whether ``args`` have exactly the types ``name`` is compiled for (else the JIT kernel takes them)."""
    arguments = EXPORTS[name][0]
    return len(args) == len(arguments) and all(_fits(a, *spec) for a, spec in zip(args, arguments, strict=True))


def _entry(kernel: Any, n_arguments: int) -> Callable[..., Any]:
    """A function of ``n_arguments`` that returns ``kernel(*arguments)``: what the module exports for ``kernel`` (a
    numba dispatcher). numba compiles it as a call of the JIT kernel for the exported signature and links in that
    kernel's compiled code (the LLVM bitcode numba keeps with each kernel, in its cache too), so the kernel's body is
    compiled once, for both, not again by numba.pycc from its Python source (~4.5 s of the ~7 s a build took)."""
    names = ", ".join(f"a{i}" for i in range(n_arguments))
    namespace = {"kernel": kernel}
    exec(f"def entry({names}):\n    return kernel({names})\n", namespace)
    entry: Callable[..., Any] = namespace["entry"]
    return entry


def build(folder: Path | None = None) -> Path:
    """Compile the module for the current sources into ``folder`` (the kernels' cache folder by default), replacing
    modules built from other sources there. Needs numba and a C compiler; raises what the build raises. The JIT
    kernels of :data:`EXPORTS` are compiled for the exported signatures first where the cache does not hold them
    (the warm-up's one-patient steps have)."""
    from numba.core.errors import NumbaPendingDeprecationWarning

    from hemasim.solvers import _kernel_numba

    target = module_path(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumbaPendingDeprecationWarning)  # numba.pycc: deprecated, still shipped
        from numba.pycc import CC

        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".aot-build-") as scratch:
            compiler = CC(target.name.split(".")[0])
            compiler.output_dir = scratch
            # numba's C mixins (its helper library, the module's set-up) at -O1 without debug information, after the
            # interpreter's own -O3 -g: the kernels' arithmetic is numba's LLVM object, not these; gcc took ~2.0 s CPU
            # of the build at -O3 -g, ~1.0 at -O1 -g0 (docs/performance.md, the suite, eighteenth session)
            compiler._extra_cflags = {"posix": ["-O1", "-g0"]}
            for name, (arguments, _) in EXPORTS.items():
                compiler.export(name, numba_signature(name))(_entry(getattr(_kernel_numba, name), len(arguments)))
            compiler.compile()
            os.replace(Path(scratch) / target.name, target)  # whole or not at all: no run loads a half-written file
    for stale in target.parent.glob(f"{MODULE_PREFIX}*"):
        if stale != target and stale.is_file():
            stale.unlink(missing_ok=True)
    _module.cache_clear()
    return target
