"""Reading user YAML within limits: data only, bounded work and memory, one-line errors with a position.

Every YAML file hemasim reads (scenarios, drug sets, conditioning regimens, validation targets) goes through
:func:`load_yaml_file` or :func:`load_yaml_text`. On top of PyYAML's safe loader (no Python tags, so data is
never code) they guarantee, before any value reaches a schema:

* only a regular file is read (a directory, FIFO, socket or device such as ``/dev/zero`` is refused from its
  ``fstat``, before a byte is read: opening is non-blocking, so a FIFO without a writer cannot hang);
* at most :data:`MAX_FILE_BYTES` are read;
* the text is UTF-8 (a BOM is allowed) without NUL bytes or other control characters YAML forbids; the error
  gives the line and column of the first bad byte;
* nesting is at most :data:`MAX_DEPTH` levels, also after aliases are expanded (so no RecursionError);
* the document, with every alias expanded, has at most :data:`MAX_NODES` nodes (a "billion laughs" alias bomb
  fails after reading its few hundred bytes, before anything is built), and no alias refers to its own
  container (no cycle);
* a mapping names each key once (PyYAML would silently keep the last value);
* integers have at most :data:`MAX_INT_DIGITS` digits; a value PyYAML cannot build (a date such as
  ``2020-13-45``) is an error at its position instead of a traceback.

Errors are :class:`YamlInputError`, one line naming the file, the line and column and what is allowed; a piece
of the input quoted in a message is cut to :data:`MAX_QUOTED_CHARS` characters.
"""

from __future__ import annotations

import codecs
import copy
import errno
import functools
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_INT_DIGITS", "MAX_NODES", "MAX_QUOTED_CHARS", "YamlInputError",
           "YamlLimits", "decode_text", "load_yaml_file", "load_yaml_text", "quoted"]

#: bytes read from one file: the largest shipped file (validation targets) is 33 kB, a scenario about 1 kB
MAX_FILE_BYTES = 1 << 20
#: levels of nested mappings and lists (a scenario uses 5, a drug set 6)
MAX_DEPTH = 40
#: nodes of the document with every alias expanded (the validation targets, the largest file, have ~4,000)
MAX_NODES = 100_000
#: digits of an integer (a seed fits in 20)
MAX_INT_DIGITS = 40
#: characters of the input quoted in an error message
MAX_QUOTED_CHARS = 60


class YamlInputError(ValueError):
    """A YAML file that cannot be read within the limits; the message is one line naming the file."""


@dataclass(frozen=True)
class YamlLimits:
    max_bytes: int = MAX_FILE_BYTES
    max_depth: int = MAX_DEPTH
    max_nodes: int = MAX_NODES


def quoted(value: object, limit: int = MAX_QUOTED_CHARS) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters (input is never echoed at unbounded size).
    Containers are summarised, not printed (their repr could be exponential in an alias-expanded document)."""
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key(s)"
    if isinstance(value, list | tuple | set):
        return f"a list of {len(value)} item(s)"
    text = repr(value if not isinstance(value, str) else value[: limit + 1])
    return text if len(text) <= limit else text[: limit - 3] + "..."


_FILE_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def _nearby_files_hint(path: Path) -> str | None:
    """For a YAML file that does not exist: the YAML files of its folder it was probably meant to be
    (``examples/marrow.yaml``: did you mean examples/marrow_depletion.yaml?), or None (branch ux33: a misspelt
    example's name was refused with "No such file or directory" alone)."""
    from hemasim._schema import suggestions

    folder = path.parent
    try:
        names = sorted(p.name for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    except OSError:
        return None
    close = suggestions(path.name, names)
    return f"did you mean {' or '.join(str(folder / c) for c in close)}?" if close else None


def _read_regular_file(path: Path, what: str, max_bytes: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``max_bytes``; refused before reading otherwise."""
    try:  # non-blocking: opening a FIFO for reading must not wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as err:
        hint = None
        if err.errno == errno.ENOENT:  # `hemasim run examples/X.yaml` where the package's examples were not copied
            from hemasim._examples import missing_example_hint

            hint = missing_example_hint(path) or _nearby_files_hint(path)
        raise YamlInputError(f"{path}: cannot read the {what} ({err.strerror or err})"
                             + (f"; {hint}" if hint else "")) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
            raise YamlInputError(f"{path}: is {kind}; the {what} must be a regular YAML file")
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 16, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise YamlInputError(f"{path}: cannot read the {what} ({err.strerror or err})") from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise YamlInputError(f"{path}: the {what} is larger than {max_bytes:,} bytes (the limit of a YAML input)")
    return b"".join(chunks)


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte ``offset``."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def _decode(data: bytes, source: str, what: str) -> str:
    """UTF-8 text without NUL bytes; the error names the position of the first bad byte."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    nul = data.find(b"\0")
    if nul >= 0:
        line, col = _line_column(data, nul)
        raise YamlInputError(f"{source}: line {line}, column {col}: a NUL byte; a {what} is UTF-8 text "
                             "(is this a binary file?)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line, col = _line_column(data, err.start)
        raise YamlInputError(f"{source}: line {line}, column {col}: byte 0x{data[err.start]:02x} is not UTF-8; "
                             f"save the {what} as UTF-8 text") from None


def decode_text(data: bytes, source: str, what: str) -> str:
    """Text input that is not YAML (a measurement CSV, an allMT record) decoded as a YAML input is: UTF-8, a BOM
    dropped, no NUL byte; a :class:`YamlInputError` (a ValueError) names the first bad byte's line and column."""
    return _decode(data, source, what)


def _check_printable(text: str, source: str) -> None:
    import yaml

    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad is not None:
        offset = bad.start()
        line = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise YamlInputError(f"{source}: line {line}, column {col}: control character U+{ord(bad.group()):04X} "
                             "is not allowed in YAML (only tab, newline and printable characters)")


def _mark(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "somewhere"


class _LimitError(Exception):
    """Raised inside the loader; turned into a :class:`YamlInputError` with the file name."""

    def __init__(self, mark: Any, problem: str) -> None:
        super().__init__(problem)
        self.mark, self.problem = mark, problem


def _limited_loader(limits: YamlLimits) -> type[yaml.SafeLoader]:
    import yaml

    merge_tag = "tag:yaml.org,2002:merge"

    class LimitedLoader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self.depth += 1
            try:
                if self.depth > limits.max_depth:
                    raise _LimitError(self.peek_event().start_mark,
                                      f"nested deeper than {limits.max_depth} levels (the limit)")
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def get_single_data(self) -> Any:
            node = self.get_single_node()
            if node is None:
                return None
            _check_expanded_size(node, limits)
            return self.construct_document(node)

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)
            except (yaml.YAMLError, _LimitError):
                raise
            except Exception as err:  # PyYAML's own constructors fail on e.g. a date 2020-13-45 or "!!int ''"
                raise _LimitError(node.start_mark, f"cannot read this value ({quoted(str(err), 80)[1:-1]})"
                                  ) from None

        def compose_mapping_node(self, anchor: Any) -> Any:
            # checked on the composed node, before merge keys (<<) are flattened into it
            node = super().compose_mapping_node(anchor)
            seen: dict[tuple[str, str], Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == merge_tag:
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _LimitError(key_node.start_mark, "a key must be a plain value, not a list or mapping")
                first = seen.setdefault((key_node.tag, key_node.value), key_node.start_mark)
                if first is not key_node.start_mark:
                    raise _LimitError(key_node.start_mark, f"duplicate key {quoted(key_node.value)} (first given "
                                      f"at {_mark(first)}); each key may appear once in a mapping")
            return node

    def construct_int(loader: yaml.SafeLoader, node: Any) -> Any:
        text = str(node.value).replace("_", "").lstrip("+-")
        digits = len(text[2:] if text[:2].lower() in ("0x", "0b", "0o") else text)  # hex has no Python limit
        if digits > MAX_INT_DIGITS:
            raise _LimitError(node.start_mark, f"an integer of {digits} digits (at most {MAX_INT_DIGITS})")
        return yaml.SafeLoader.construct_yaml_int(loader, node)

    LimitedLoader.add_constructor("tag:yaml.org,2002:int", construct_int)
    return LimitedLoader


def _children(node: Any) -> Iterator[Any]:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value


def _check_expanded_size(root: Any, limits: YamlLimits) -> None:
    """Nodes and depth of the document as if every alias were expanded, computed on the composed graph
    (where an alias is a shared node) in time proportional to the file, without expanding anything."""
    size: dict[int, int] = {}  # id(node) -> nodes below and including it, capped at max_nodes + 1
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            kids = list(_children(node))
            size[key] = min(1 + sum(size[id(k)] for k in kids), limits.max_nodes + 1)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[key] > limits.max_nodes:
                raise _LimitError(node.start_mark, f"more than {limits.max_nodes:,} values once aliases are "
                                  "expanded (the limit; is this an alias bomb?)")
            if depth[key] > limits.max_depth:
                raise _LimitError(node.start_mark, f"nested deeper than {limits.max_depth} levels once aliases "
                                  "are expanded (the limit)")
            continue
        if key in size:
            continue
        if key in on_path:
            raise _LimitError(node.start_mark, "an alias refers to a mapping or list that contains it (a cycle)")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)


def load_yaml_text(text: str, source: str, what: str = "file", limits: YamlLimits | None = None) -> Any:
    """Parse YAML ``text`` (from ``source``, named in errors) within ``limits``; data only."""
    import yaml

    limits = limits or YamlLimits()
    if len(text) > limits.max_bytes:
        raise YamlInputError(f"{source}: the {what} is larger than {limits.max_bytes:,} bytes (the limit of a "
                             "YAML input)")
    if "\0" in text:
        raise _nul_in_text(text, source, what)
    _check_printable(text, source)
    try:
        # a text read before is not parsed again; the caller gets a copy of its own to change
        return copy.deepcopy(_parsed(text, limits) if len(text) <= MEMO_MAX_CHARS else _parse(text, limits))
    except _LimitError as err:
        raise YamlInputError(f"{source}: {_mark(err.mark)}: {err.problem}") from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f" at {_mark(mark)}" if mark is not None else ""
        said = ", ".join(str(part) for part in (err.context, err.problem) if part) or "invalid YAML"
        problem = " ".join(said.split())[:200]
        raise YamlInputError(f"{source}: malformed YAML{where}: {problem}{_yaml_hint(said)}") from None
    except yaml.YAMLError as err:
        raise YamlInputError(f"{source}: malformed YAML: {quoted(str(err), 200)[1:-1]}") from None


def _parse(text: str, limits: YamlLimits) -> Any:
    """The data of ``text``; :class:`_LimitError` or PyYAML's errors, without the source (the caller names it)."""
    loader = _limited_loader(limits)(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


#: texts of at most this many characters are parsed once a process (:func:`_parsed`): a scenario is ~1-3 kB, a drug
#: set ~2-5 kB, the validation targets ~33 kB
MEMO_MAX_CHARS = 64 * 1024
#: texts :func:`_parsed` keeps: the shipped examples, drug sets and regimens a process reads, and a few of the user's
MEMO_TEXTS = 128


@functools.lru_cache(maxsize=MEMO_TEXTS)
def _parsed(text: str, limits: YamlLimits) -> Any:
    """:func:`_parse`, once for each text and limits (errors are not kept: a bad text is parsed again and fails the
    same way). The pure-Python loader of the limits takes 1-4 ms for a scenario or drug set, a copy of what it built
    ~10-30 us; the examples, the shipped drug sets and regimens and the validation's scenarios are read many times
    by the example listing, fits, sweeps and the suite (docs/performance.md, the suite's nineteenth session). What
    is kept is never handed out (:func:`load_yaml_text` copies it), so no caller sees another's changes."""
    return _parse(text, limits)


def _yaml_hint(said: str) -> str:
    """What to do about the YAML mistakes a new user makes first (PyYAML's words name only the token)."""
    if "'\\t'" in said:
        return "; indent with spaces, not tabs"
    if "flow mapping" in said or "flow sequence" in said:
        return "; a comma missing inside { } or [ ], or a { or [ not closed on its line?"
    return ""


def _nul_in_text(text: str, source: str, what: str) -> YamlInputError:
    offset = text.index("\0")
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return YamlInputError(f"{source}: line {line}, column {col}: a NUL byte; a {what} is UTF-8 text "
                          "(is this a binary file?)")


def load_yaml_file(path: str | Path, what: str = "file", limits: YamlLimits | None = None) -> Any:
    """Read and parse the YAML file ``path`` within ``limits`` (see the module docstring); ``what`` names the
    file's role in messages (``scenario``, ``drug set``)."""
    limits = limits or YamlLimits()
    p = Path(path)
    data = _read_regular_file(p, what, limits.max_bytes)
    return load_yaml_text(_decode(data, str(p), what), str(p), what, limits)
