"""numba's kernel cache falls back to a private temporary folder when neither the sources' ``__pycache__`` nor the
user-wide cache can be written (a read-only install without a writable home), instead of failing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hemasim.solvers._cache import numba_cache_folder, rebuild_when_inlined_sources_change

SRC = Path(__file__).resolve().parents[1] / "src"


def test_the_default_locations_are_kept_when_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    source = tmp_path / "pkg" / "kernel.py"
    source.parent.mkdir()
    source.write_text("")
    assert numba_cache_folder(source, user_cache=tmp_path / "user") is None  # __pycache__ beside it is writable
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert numba_cache_folder(Path("/proc/no/kernel.py")) is None  # the user's choice is left alone


def test_a_private_temporary_folder_when_nothing_else_is_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    folder = numba_cache_folder(Path("/proc/no-such/kernel.py"), user_cache=Path("/proc/no-such-cache"))
    assert folder is not None and folder.parent == tmp_path and folder.name.startswith("hemasim-numba-")
    assert folder.stat().st_mode & 0o077 == 0
    folder.chmod(0o777)  # opened to others: not trusted again, a fresh private folder instead
    again = numba_cache_folder(Path("/proc/no-such/kernel.py"), user_cache=Path("/proc/no-such-cache"))
    assert again is not None and again != folder and again.stat().st_mode & 0o077 == 0


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
@pytest.mark.skipif(sys.platform != "linux", reason="uses a file as HOME to make every default cache unwritable")
def test_the_kernels_import_and_compile_from_a_read_only_install(tmp_path: Path):
    """A copy of the package whose __pycache__ folders cannot be made (a file in their place) and a HOME under
    which nothing can be made: numba alone fails there with "no locator available"."""
    copy = tmp_path / "site"
    shutil.copytree(SRC / "hemasim", copy / "hemasim", ignore=shutil.ignore_patterns("__pycache__"))
    for folder in (copy / "hemasim").rglob("*"):
        if folder.is_dir():
            (folder / "__pycache__").write_text("not a folder")
    (copy / "hemasim" / "__pycache__").write_text("not a folder")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_") and k != "XDG_CACHE_HOME"}
    env.update(PYTHONPATH=str(copy), HOME="/dev/null", TMPDIR=str(tmp_path), PYTHONDONTWRITEBYTECODE="1")
    code = ("import numba, numpy as np; from numba.core import config; import hemasim.solvers._kernel_numba as k\n"
            "print(config.CACHE_DIR)\n")
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip().startswith(str(tmp_path / "hemasim-numba-"))
    without = ("import hemasim.solvers._cache as c; c.ensure_numba_cache = lambda source: None\n"
               "import hemasim.solvers._kernel_numba\n")
    plain = subprocess.run([sys.executable, "-c", without], env=env, capture_output=True, text=True, timeout=120)
    assert plain.returncode != 0 and "no locator available" in plain.stderr  # what the fallback avoids


def test_a_kernel_is_rebuilt_when_a_module_it_inlines_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """numba checks only the defining file's stamp: after an edit of the module whose helper a cached kernel inlines,
    the kernel computes with the new helper, not the cached code (numba 0.68 stamps the file's contents, so touching
    the file, as before, left the stale kernel loaded). Each load is a fresh import of both files, as in a new
    process: a new dispatcher, which looks in the cache before compiling."""
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    helper, kernel = tmp_path / "helper_inlined.py", tmp_path / "kernel_inlining.py"
    helper.write_text("from numba import njit\n\n\n@njit(inline='always')\ndef f(x):\n    return x + 1.0\n")
    kernel.write_text("from numba import njit\n\nimport helper_inlined\n\n\n@njit(cache=True)\ndef kernel(x):\n"
                      "    return helper_inlined.f(x)\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    def load() -> tuple[bool, float, bool]:
        """(whether the digest differed, the kernel's value, whether it was loaded from the cache)"""
        for name in ("helper_inlined", "kernel_inlining"):
            sys.modules.pop(name, None)
        import helper_inlined
        differed = rebuild_when_inlined_sources_change(kernel, (helper_inlined.__file__,))
        import kernel_inlining
        value = kernel_inlining.kernel(1.0)
        return differed, value, bool(kernel_inlining.kernel.stats.cache_hits)

    assert load() == (True, 2.0, False)  # the digest recorded; nothing cached before it, compiled
    assert list((tmp_path / "__pycache__").glob("kernel_inlining.kernel-*.nbi"))  # and cached
    assert load() == (False, 2.0, True)  # unchanged helper: loaded from the cache
    helper.write_text(helper.read_text().replace("x + 1.0", "x + 100.0"))
    assert load() == (True, 101.0, False)  # rebuilt with the edited helper
    assert load() == (False, 101.0, True)


def test_a_kernel_is_rebuilt_when_the_numbers_it_folds_in_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """What a kernel takes from a module but its file (the feedback kinds' numbers, hemasim.model.laws.KERNEL_SOURCES)
    is hashed as bytes: the same bytes keep the cached kernels, other bytes drop them."""
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    kernel = tmp_path / "kernel_folding.py"
    kernel.write_text("x = 1\n")
    assert rebuild_when_inlined_sources_change(kernel, (b"[('HILL_RATIO', 0)]",))  # recorded
    assert not rebuild_when_inlined_sources_change(kernel, (b"[('HILL_RATIO', 0)]",))
    assert rebuild_when_inlined_sources_change(kernel, (b"[('HILL_RATIO', 1)]",))
