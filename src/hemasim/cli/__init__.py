"""Command-line interface: one command per file, each a thin wrapper over a library call."""
