"""The documentation site's tutorials executed in the test's own process instead of one Jupyter kernel each, for
tests/test_docs_build.py.

:func:`execute_notebook` runs a notebook cell by cell in a fresh IPython shell of this process and returns it with
the outputs a kernel would have sent (printed text, ``display``, the inline backend's PNG figures, each cell's last
value with every format IPython computes: the tables' HTML). ``main([FOLDER, "build", "--strict", ...])`` is
``mkdocs build`` with the site's own configuration, plugins and hooks, except that where mkdocs-jupyter would start
a kernel to execute a tutorial (``execute: true``), it renders FOLDER/NAME.ipynb, the executed notebook, instead.
The tutorials then share the test's import of hemasim, numpy, pandas and matplotlib and its compiled kernels instead
of six kernel start-ups (the documentation test took 39-42 s, most of it there: docs/performance.md). For all six
tutorials the HTML tables and PNG figures were byte for byte those of nbclient's kernels; only the plain-text
forms of wide tables differ (pandas sizes them for a terminal here), which the pages do not show beside the HTML.

What a kernel gives each tutorial and this does not: a process of its own. Between tutorials the runner puts back
what a tutorial can change in the process (working folder, environment, ``__main__``, builtins, warning filters,
matplotlib's settings, backend, inline-backend state and figures, pandas' display options (to their defaults: the
suite sets none), numpy's print options, the global random states); state inside imported modules is shared, and
a warning goes where this process sends it (under pytest, the run's warning summary instead of the page).
``make docs`` (plain ``mkdocs build --strict``) still executes every tutorial in a kernel of its own.
"""

from __future__ import annotations

import atexit
import base64
import builtins
import contextlib
import io
import os
import random
import sys
import traceback
import warnings
from collections.abc import Iterator
from typing import Any

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from nbformat import NotebookNode
from traitlets import Type
from traitlets.config import Config


class TutorialFailed(RuntimeError):
    """A cell of a tutorial raised (what mkdocs-jupyter's ``allow_errors: false`` turns into a failed build)."""


def _mime_bundle(data: dict[str, Any]) -> dict[str, Any]:
    """A display's data as a notebook stores it: binary payloads (images) base64-encoded, as the kernel sends them."""
    return {mime: base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
            for mime, value in data.items()}


class _ResultHook(DisplayHook):
    """A cell's last expression: an ``execute_result`` (every format IPython computes: the tables' HTML too)."""

    shell: _Shell

    def write_output_prompt(self) -> None:
        pass  # no "Out[n]:" text: the page shows the prompt from the execution count

    def write_format_data(self, format_dict: dict[str, Any], md_dict: dict[str, Any] | None = None) -> None:
        self.shell.outputs.append(nbformat.v4.new_output(
            "execute_result", data=_mime_bundle(format_dict), metadata=md_dict or {},
            execution_count=self.shell.execution_count))


class _DisplayOutputs(DisplayPublisher):
    """``display(...)`` and the inline backend's figures: ``display_data`` outputs."""

    shell: _Shell

    def publish(self, data: dict[str, Any], metadata: dict[str, Any] | None = None, source: Any = None, *,
                transient: Any = None, update: bool = False, **kwargs: Any) -> None:
        self.shell.outputs.append(nbformat.v4.new_output("display_data", data=_mime_bundle(data),
                                                         metadata=metadata or {}))

    def clear_output(self, wait: bool = False) -> None:
        self.shell.outputs.clear()


class _Shell(InteractiveShell):
    """An IPython shell whose results, displays and printed text become the current cell's notebook outputs."""

    displayhook_class = Type(_ResultHook)
    display_pub_class = Type(_DisplayOutputs)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outputs: list[NotebookNode] = []

    def enable_gui(self, gui: str | None = None) -> None:
        """``%matplotlib inline`` needs no event loop (a kernel's shell has one for the other backends)."""
        if gui not in (None, "inline"):
            raise NotImplementedError(f"tests._notebooks: no GUI event loop for {gui!r}; tutorials draw inline")

    def write_stream(self, name: str, text: str) -> None:
        if not text:
            return
        if self.outputs and self.outputs[-1].output_type == "stream" and self.outputs[-1].name == name:
            self.outputs[-1].text += text  # consecutive writes are one output, as the kernel's stream sends them
        else:
            self.outputs.append(nbformat.v4.new_output("stream", name=name, text=text))


class _Stream(io.TextIOBase):
    """``sys.stdout`` / ``sys.stderr`` while a cell runs: what it prints becomes a stream output."""

    def __init__(self, shell: _Shell, name: str) -> None:
        self._shell, self._name = shell, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._shell.write_stream(self._name, text)
        return len(text)


@contextlib.contextmanager
def _isolated(cwd: str) -> Iterator[None]:
    """Runs a tutorial in ``cwd`` and puts back afterwards what it can change in this process."""
    import matplotlib
    import numpy as np
    from matplotlib import pyplot as plt
    from matplotlib_inline.backend_inline import configure_inline_support
    from matplotlib_inline.config import InlineBackend

    saved_cwd, environ, main = os.getcwd(), dict(os.environ), sys.modules.get("__main__")
    saved_builtins = dict(vars(builtins))
    backend, interactive, draw_if_interactive = matplotlib.get_backend(), matplotlib.is_interactive(), \
        plt.draw_if_interactive
    py_random, np_random, np_print = random.getstate(), np.random.get_state(), np.get_printoptions()
    # the inline backend sets a shell's figure formats (PNG) only when its remembered backend changes
    inline_backend = dict(vars(configure_inline_support))
    try:
        os.chdir(cwd)
        with warnings.catch_warnings(), matplotlib.rc_context():
            yield
    finally:
        _Shell.clear_instance()
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(environ)
        if main is not None:
            sys.modules["__main__"] = main  # IPython puts its namespace there
        for name in set(vars(builtins)) - set(saved_builtins):
            delattr(builtins, name)  # IPython's `display` and `__IPYTHON__`
        vars(builtins).update(saved_builtins)
        plt.close("all")
        plt.switch_backend(backend)  # `%matplotlib inline` switched it
        matplotlib.interactive(interactive)
        plt.draw_if_interactive = draw_if_interactive  # which `%matplotlib` wraps
        vars(configure_inline_support).clear()
        vars(configure_inline_support).update(inline_backend)
        InlineBackend.clear_instance()  # its settings, made for the shell gone
        random.setstate(py_random)
        np.random.set_state(np_random)
        np.set_printoptions(**np_print)
        if "pandas" in sys.modules:  # e.g. the transplant tutorial's float format
            import pandas as pd

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # deprecated options warn when reset
                pd.reset_option("all")


def execute_notebook(notebook: NotebookNode, name: str, cwd: str | None = None) -> NotebookNode:
    """``notebook`` with every code cell executed in order, in a fresh IPython shell of this process (working in
    ``cwd``, default the current folder), its outputs in the cells; raises :class:`TutorialFailed` naming the cell
    when one raises."""
    notebook = nbformat.from_dict(notebook)
    config = Config()
    config.HistoryManager.enabled = False  # no history database
    config.InteractiveShell.colors = "nocolor"
    with _isolated(cwd or os.getcwd()):
        shell = _Shell.instance(config=config)
        try:
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                shell.outputs = []
                with contextlib.redirect_stdout(_Stream(shell, "stdout")), \
                        contextlib.redirect_stderr(_Stream(shell, "stderr")):
                    result = shell.run_cell(cell.source, store_history=True)
                cell.outputs, cell.execution_count = shell.outputs, result.execution_count
                error = result.error_before_exec or result.error_in_exec
                if error is not None:
                    raise TutorialFailed(f"{name}: cell {index} raised\n{cell.source}\n"
                                         + "".join(traceback.format_exception(error)))
        finally:
            shell.atexit_operations()  # the namespace goes now, not when the process ends
            atexit.unregister(shell.atexit_operations)
    nbformat.validate(notebook)
    return notebook


def _render_executed(folder: str) -> None:
    """mkdocs-jupyter's conversion, but a tutorial it would execute is rendered unexecuted from ``folder/NAME.ipynb``
    (the notebook :func:`execute_notebook` executed); one it does not find there fails the build."""
    import jupytext
    from mkdocs_jupyter import convert

    nb2html, read = convert.nb2html, jupytext.read
    serving: dict[str, NotebookNode] = {}

    def read_executed(source: Any, *args: Any, **kwargs: Any) -> NotebookNode:
        if isinstance(source, (str, os.PathLike)) and os.path.abspath(source) in serving:
            return serving[os.path.abspath(source)]
        return read(source, *args, **kwargs)

    def nb2html_executed(nb_path: str, execute: bool = False, **kwargs: Any) -> str:
        if not execute:
            return nb2html(nb_path, execute=False, **kwargs)
        if kwargs.get("allow_errors", True) or kwargs.get("kernel_name"):
            raise RuntimeError("tests._notebooks stands in only for the site's settings: allow_errors false, the "
                               f"default kernel (got {kwargs})")
        executed = os.path.join(folder, os.path.splitext(os.path.basename(nb_path))[0] + ".ipynb")
        serving[os.path.abspath(nb_path)] = nbformat.read(executed, as_version=nbformat.NO_CONVERT)
        print(f"tests._notebooks: {nb_path} rendered from {executed}", file=sys.stderr)
        try:
            return nb2html(nb_path, execute=False, **kwargs)
        finally:
            serving.clear()  # the page's table of contents reads the source, as in the real build

    convert.nb2html = nb2html_executed
    jupytext.read = read_executed


def main(argv: list[str]) -> None:
    """``main([FOLDER, "build", ...])``: mkdocs's own command line, the tutorials' pages rendered from the executed
    notebooks in FOLDER. The build's process collects its garbage as a ``hemasim`` command does (first threshold
    :data:`hemasim._gc.GC_THRESHOLD`, not Python's 700): the Markdown trees, griffe's model of the package and the
    notebooks' pages are long-lived, and at 700 the collector examined them again and again (~0.7 s of the build's
    ~9 s CPU; docs/performance.md, the suite's twenty-fourth session). The pages are the same."""
    from mkdocs.__main__ import cli

    from hemasim._gc import tune_for_command

    tune_for_command()
    _render_executed(argv[0])
    cli(argv[1:], prog_name="mkdocs")
