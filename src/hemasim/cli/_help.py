"""Help screens in the conventional style whatever the Typer release: ``Usage: hemasim run [OPTIONS] SCENARIO``,
types in capitals (PATH, INTEGER RANGE), none for on/off flags. Typer 0.2x writes ``{scenario}`` and ``<bool>``
instead, which read as artefacts.

:class:`ConventionalHelpGroup` is the app's group class; it gives every command's parameters these two display
methods (on releases without them nothing changes), and refuses an empty path (``--out ""``) in every command.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from hemasim.cli._pipe import ReaderClosed, stdout_is_the_product

try:  # Typer 0.2x carries its own copy of click
    from typer._click.exceptions import BadParameter as _BadParameter
    from typer._click.exceptions import UsageError as _UsageError
except ImportError:  # pragma: no cover - earlier Typer releases use click itself
    from click.exceptions import BadParameter as _BadParameter  # type: ignore[assignment]
    from click.exceptions import UsageError as _UsageError  # type: ignore[assignment]

_TYPE_NAMES = {"int": "INTEGER", "str": "TEXT", "float": "FLOAT", "bool": "BOOLEAN", "path": "PATH",
               "file": "FILENAME", "uuid": "UUID", "datetime": "DATETIME"}
_BRACKETED = re.compile(r"^<(.*)>$")


def _conventional_type(label: str | None) -> str | None:
    """``<int range>`` -> ``INTEGER RANGE``, ``<path>`` -> ``PATH``, ``<list[str]>`` -> ``TEXT``, ``<a|b>`` ->
    ``[a|b]``."""
    if label is None:
        return None
    m = _BRACKETED.match(label)
    if m is None:
        return label
    inner = m.group(1)
    if inner.startswith("list[") and inner.endswith("]"):  # a repeatable option: the type of one value
        inner = inner[len("list["):-1]
    if "|" in inner:
        return f"[{inner}]"
    words = inner.split(" ")
    return " ".join(_TYPE_NAMES.get(w, w.upper()) for w in words)


#: why an empty path is refused: Path("") is Path("."), so `--out ""` wrote into the current folder (harden14)
EMPTY_PATH = "an empty name: give a file or folder name (an empty one would be read as the current folder)"


def _refuse_empty_path(param: Any, ctx: Any, value: Any) -> None:
    """Every path option and argument of every command: an empty value given (the raw text, before it becomes
    Path(".")) is a usage error, reported in one line by :meth:`ConventionalHelpGroup.invoke`."""
    if value != "":
        return
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)  # Typer 0.2x
    if annotation is Path or type(getattr(param, "type", None)).__name__ == "Path":  # earlier: click.Path
        raise _BadParameter(EMPTY_PATH, ctx=ctx, param=param)


class _ConventionalArgument(TyperArgument):
    def process_value(self, ctx: Any, value: Any) -> Any:
        _refuse_empty_path(self, ctx, value)
        return super().process_value(ctx, value)

    def _usage_display_name(self) -> str:
        # a metavar as written ("SCENARIO.yaml", the argument panel's form): upper-cased, the usage line read
        # "SCENARIO.YAML" above it (firsthour29)
        name = self.metavar or (self.name or "").upper()
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    def display_type_rich(self, ctx: Any) -> str | None:
        return _conventional_type(super().display_type_rich(ctx))


class _ConventionalOption(TyperOption):
    def process_value(self, ctx: Any, value: Any) -> Any:
        _refuse_empty_path(self, ctx, value)
        return super().process_value(ctx, value)

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag:
            return None
        return _conventional_type(super().display_type_rich(ctx))


def _conventional(params: list[Any]) -> list[Any]:
    for param in params:
        if type(param) is TyperArgument:
            param.__class__ = _ConventionalArgument
        elif type(param) is TyperOption:
            param.__class__ = _ConventionalOption
    return params


#: parts of an option's help known only by loading something (``hemasim validate --group``'s groups: the targets
#: file, ~1 s to import and parse, which every command would pay at start-up if the help were built then): the
#: help holds ``{NAME}``, replaced by ``DEFERRED_HELP[NAME]()`` when the command's help is shown
DEFERRED_HELP: dict[str, Callable[[], str]] = {}


def deferred_help(name: str, text: Callable[[], str]) -> str:
    """The placeholder of ``text()`` in an option's help (see :data:`DEFERRED_HELP`)."""
    DEFERRED_HELP[name] = text
    return "{" + name + "}"


def rewrapped(text: str | None) -> str | None:
    """A docstring's paragraphs each on one line, for the help to wrap at the terminal's width: Typer 0.29 keeps the
    source's line breaks ("... fitting files are" at 80 columns, then the rest on a line of its own; in `hemasim
    --help`'s list of commands, a summary broken after "values outside their"). A text holding ``\\b`` (click's mark
    of a paragraph laid out by hand) is kept as it is."""
    if not text or "\b" in text:
        return text
    return "\n\n".join(" ".join(p.split()) for p in inspect.cleandoc(text).split("\n\n"))


class _ConventionalCommand(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:  # the command's own and --help, made on demand
        return _conventional(super().get_params(ctx))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        stdout_is_the_product()  # a help screen, the whole of what the command prints
        self.help = rewrapped(self.help)
        for holder in (self, *self.get_params(ctx)):  # the command's own text, then its options'
            for name, text in DEFERRED_HELP.items():
                if "{" + name + "}" in (getattr(holder, "help", None) or ""):
                    holder.help = holder.help.replace("{" + name + "}", text())
        super().format_help(ctx, formatter)


class ConventionalHelpGroup(TyperGroup):
    """The app's group: its own and its commands' parameters display in the conventional style (see the module
    docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for command in self.commands.values():
            if type(command) is TyperCommand:
                command.__class__ = _ConventionalCommand

    def get_params(self, ctx: Any) -> list[Any]:
        return _conventional(super().get_params(ctx))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        stdout_is_the_product()  # a help screen, the whole of what the command prints
        for command in self.commands.values():  # the list of commands shows each one's first paragraph
            command.help = rewrapped(command.help)
        super().format_help(ctx, formatter)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        """The group's own help (``hemasim --help``) is written here: a closed reader, :class:`ReaderClosed`."""
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError as err:
            raise ReaderClosed from err

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """``hemasim --bogus``: the group's own refused option, in the same one line as a command's."""
        try:
            return super().parse_args(ctx, args)
        except _UsageError as err:
            if type(err).__name__ == "NoArgsIsHelpError":
                raise
            from hemasim.cli._errors import fail, option_problem

            raise fail(option_problem(err, args)) from None

    def invoke(self, ctx: Any) -> Any:
        """A command's refused option (out of range, not a number, missing, unknown) as one ``hemasim: error:``
        line naming the option, the allowed values and the value given, exit 2 (:func:`option_problem`)."""
        # the command's words (click 8.2 renamed protected_args, with a deprecation warning)
        args = [*(getattr(ctx, "_protected_args", None) or getattr(ctx, "protected_args", [])), *ctx.args]
        try:
            return super().invoke(ctx)
        except BrokenPipeError as err:  # a command's output or help into a reader that closed
            raise ReaderClosed from err
        except _UsageError as err:
            if type(err).__name__ == "NoArgsIsHelpError":  # a command's help, shown for no arguments
                raise
            from hemasim.cli._errors import fail, option_problem

            raise fail(option_problem(err, args)) from None
