"""MkDocs hook: repository files that the pages link (example scenarios, a source file) published with the site.

The pages of docs/ link files beside docs/, such as ``../examples/NAME.yaml`` (right on GitHub, where docs/ sits
beside examples/). The site has no parent folder, so every file under examples/ (browsable from the site), and
any other repository file a page links, is added to the site under its repository path, and the links that
leave docs/ are rewritten to point at those copies. A link to a file that does not exist is left alone, so
MkDocs reports it and a strict build fails.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

PUBLISHED_FOLDERS = ("examples",)
LINK = re.compile(r"(\]\()([^)\s#]+)([^)]*\))")
_published: set[str] = set()  # repository paths added to this build


def _outside_target(page_uri: str, target: str) -> str | None:
    """The repository path a link from a docs page points at, if it leaves docs/ (None otherwise)."""
    if "://" in target or target.startswith(("/", "mailto:")):
        return None
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page_uri), target))
    return resolved[3:] if resolved.startswith("../") and not resolved.startswith("../../") else None


def on_files(files: Files, config: MkDocsConfig) -> Files:
    repo = Path(config["docs_dir"]).resolve().parent
    wanted = {p.relative_to(repo).as_posix() for folder in PUBLISHED_FOLDERS for p in (repo / folder).rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    for page in [f for f in files if f.src_uri.endswith(".md") and f.abs_src_path]:
        text = Path(page.abs_src_path).read_text(encoding="utf-8")  # type: ignore[arg-type]
        for match in LINK.finditer(text):
            path = _outside_target(page.src_uri, match.group(2))
            if path is not None and (repo / path).is_file():
                wanted.add(path)
    _published.clear()
    for path in sorted(wanted):
        if files.get_file_from_path(path) is None:
            files.append(File.generated(config, path, abs_src_path=str(repo / path)))
            _published.add(path)
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    def rewrite(match: re.Match[str]) -> str:
        path = _outside_target(page.file.src_uri, match.group(2))
        if path is None or path not in _published:
            return match.group(0)
        return match.group(1) + posixpath.relpath(path, posixpath.dirname(page.file.src_uri) or ".") + match.group(3)

    return LINK.sub(rewrite, markdown)
