"""A real headless Chromium for the browser tests (the report's plots, the explorer), through Playwright.

Chromium comes from the system (Debian: ``apt-get install chromium``; `make test` installs it when it can);
Playwright's own browser download is not used. Where either is missing the tests skip and say why.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def chromium_path() -> str | None:
    """The system Chromium: $HEMASIM_CHROMIUM, or chromium / chromium-browser on the PATH."""
    given = os.environ.get("HEMASIM_CHROMIUM")
    if given:
        return given if os.access(given, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


#: the running Playwright driver and its browser, while consecutive test modules use them (:func:`launch_browser`)
_SHARED: dict[str, Any] = {}


def launch_browser() -> Iterator[Any]:
    """A Chromium browser for a module's tests; skips (with the reason) where one cannot be had.

    A browser module that runs right after another (tests/test_report_figures_browser.py and
    tests/test_report_interactive.py lie next to each other) is given the same browser: tests/conftest.py closes it
    (:func:`close_shared_browser`) once the next test is in a module that does not launch one, so no other module's
    test runs while Playwright's event loop holds the thread (where ``asyncio.run`` would fail). Each test opens its
    own page (its own browser context: no cookie, storage or cache is shared between tests). A launch is ~1.7 s CPU
    (Playwright's Node driver ~0.6, Chromium ~1.1; docs/performance.md, the suite, twenty-fifth session)."""
    if "browser" not in _SHARED:
        try:
            from playwright.sync_api import Error, sync_playwright
        except ImportError:
            pytest.skip("browser tests need Playwright's Python package (pip install -e '.[test]')")
        path = chromium_path()
        if path is None:
            pytest.skip("browser tests need Chromium: apt-get install chromium (or set HEMASIM_CHROMIUM)")
        pw = sync_playwright().start()
        try:
            browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        except Error as err:
            pw.stop()
            pytest.skip(f"Chromium at {path} does not start: {str(err).splitlines()[0]}")
        _SHARED.update(playwright=pw, browser=browser)
    yield _SHARED["browser"]


def close_shared_browser() -> None:
    """Close the browser :func:`launch_browser` shares, and its Playwright driver (nothing when none runs)."""
    browser, pw = _SHARED.pop("browser", None), _SHARED.pop("playwright", None)
    if browser is not None:
        browser.close()
    if pw is not None:
        pw.stop()


class PageLog:
    """What a page reported: console errors, uncaught exceptions, the URLs it requested."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
