"""Command-line interface: one command per file, each a thin wrapper over a library call.

Each command imports the library it wraps inside its function, on purpose: every invocation (even
``hemasim --help``) imports all command modules, and importing the library at module level makes that
1.6 s instead of 0.27 s (measured; scipy, pydantic, numba-backed modules). Cheap hemasim modules
(``hemasim.cli._errors``, ``hemasim.__version__``) are imported at module level."""
