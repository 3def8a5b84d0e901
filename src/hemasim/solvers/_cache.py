"""Where numba caches the compiled kernels: beside the sources (``__pycache__``), else numba's user-wide cache
folder, else (a read-only install and no writable home, e.g. a container) a private folder under the system's
temporary folder, instead of numba's "cannot cache function ...: no locator available".

Called by the kernel modules before they define their ``cache=True`` functions (numba picks the folder then). A
``NUMBA_CACHE_DIR`` the user set is left alone.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path


def _can_write(folder: Path) -> bool:
    """What numba itself checks: the folder can be made and a file written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def _user_wide_cache() -> Path | None:
    try:
        from numba.misc.appdirs import AppDirs
    except ImportError:  # pragma: no cover - depends on numba's layout
        return None
    return Path(AppDirs(appname="numba", appauthor=False).user_cache_dir)


def _private_temporary_folder() -> Path:
    """``$TMPDIR/hemasim-numba-UID``, made private; a fresh folder if that name is someone else's or open to others
    (cached kernels are loaded as code: a folder others can write into must not be trusted)."""
    folder = Path(tempfile.gettempdir()) / f"hemasim-numba-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
        private = (stat.S_ISDIR(info.st_mode) and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
                   and (not hasattr(os, "getuid") or info.st_uid == os.getuid()))
        if private and _can_write(folder):
            return folder
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix="hemasim-numba-"))


def numba_cache_folder(source_file: str | Path, user_cache: Path | None = None) -> Path | None:
    """The folder to set as ``NUMBA_CACHE_DIR`` for kernels defined in ``source_file``: None when numba's own
    choice works (a user-set NUMBA_CACHE_DIR, the sources' ``__pycache__`` or the user-wide cache is writable)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    if _can_write(Path(source_file).resolve().parent / "__pycache__"):
        return None
    user_cache = user_cache if user_cache is not None else _user_wide_cache()
    if user_cache is not None and _can_write(user_cache):
        return None
    return _private_temporary_folder()


def ensure_numba_cache(source_file: str | Path) -> None:
    """Point numba at a writable cache folder when the default ones are not (see the module docstring)."""
    folder = numba_cache_folder(source_file)
    if folder is None:
        return
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    from numba.core import config

    config.CACHE_DIR = str(folder)  # type: ignore[attr-defined]  # numba read the environment when imported


def kernel_cache_folder(source_file: str | Path) -> Path:
    """The folder numba caches the kernels of ``source_file`` in (a user-set ``NUMBA_CACHE_DIR``, the sources'
    ``__pycache__``, numba's user-wide cache, or the private temporary folder), for files kept beside them (the
    ahead-of-time compiled integrator, :mod:`hemasim.solvers._aot`). Imports numba only in the last two cases."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    beside = Path(source_file).resolve().parent / "__pycache__"
    if _can_write(beside):
        return beside
    folder = numba_cache_folder(source_file)
    if folder is None:  # numba's user-wide cache (writable: numba_cache_folder checked it)
        user_cache = _user_wide_cache()
        assert user_cache is not None
        return user_cache
    return folder


def rebuild_when_inlined_sources_change(source_file: str | Path,
                                        inlined_sources: tuple[str | Path | bytes, ...]) -> bool:
    """Make numba rebuild the cached kernels of ``source_file`` when a module they inline has changed.

    numba's on-disk cache checks only the stamp of the file that defines a kernel, so a kernel that compiles in
    functions of other modules (``inline="always"`` helpers, the shared right-hand side) would be loaded stale after
    an edit there. A digest of those modules is kept beside the cache; when it differs, the cache indexes of
    ``source_file``'s kernels are deleted (numba then finds nothing cached and recompiles) and the file is touched.
    Touching alone no longer does it: numba 0.68's stamp is a hash of the file's contents, not its date. Returns
    whether the digest differed. A read-only install cannot be edited, so failing to write is ignored. An item of
    ``inlined_sources`` given as bytes is what the kernels take from a module rather than its file (the feedback kinds'
    numbers, :data:`hemasim.model.laws.FEEDBACK_KIND_NUMBERS`), hashed as it is.
    """
    digest = hashlib.sha256()
    for part in inlined_sources:
        digest.update(part if isinstance(part, bytes) else Path(part).read_bytes())
    source = Path(source_file).resolve()
    record = kernel_cache_folder(source) / f"{source.stem}.inlined-sources.sha256"
    try:
        if record.is_file() and record.read_text() == digest.hexdigest():
            return False
        record.parent.mkdir(parents=True, exist_ok=True)
        if record.is_file():  # a changed module: the first use (no record) has no stale cache of ours to drop
            _drop_cached_kernels(source_file)
            os.utime(source)  # older numba stamped the file's date
        record.write_text(digest.hexdigest())
    except OSError:
        return False
    return True


def _drop_cached_kernels(source_file: str | Path) -> None:
    """Delete the cache indexes of ``source_file``'s kernels (``STEM.FUNCTION-LINE.pyXY.nbi``) wherever numba keeps them:
    ``__pycache__`` beside it, or under a user-set ``NUMBA_CACHE_DIR`` or numba's user-wide cache, in the folder
    numba names after the source's folder (``_CacheLocator.get_suitable_cache_subpath``)."""
    source = Path(source_file).resolve()
    folders = {source.parent / "__pycache__"}
    for parent in {source.parent, Path(os.path.abspath(source_file)).parent}:  # numba names it by the latter
        subpath = f"{parent.name}_{hashlib.sha1(str(parent).encode()).hexdigest()}"
        for base in (os.environ.get("NUMBA_CACHE_DIR"), _user_wide_cache()):
            if base:
                folders.add(Path(base) / subpath)
    for folder in folders:
        for index in folder.glob(f"{source.stem}.*.nbi"):
            index.unlink(missing_ok=True)
