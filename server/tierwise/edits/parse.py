"""Parsing model replies into :class:`EditBlock` objects.

Accepted: SEARCH/REPLACE blocks (inside or outside code fences, file name before the fence, inside the
fence or as the fence's info string), whole-file fenced blocks preceded by a file-name line, and unified
diffs. Tolerates prose, CRLF, stray blank lines and trailing spaces on marker lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tierwise.edits.model import BlockKind, EditBlock
from tierwise.edits.paths import clean_relpath

SEARCH_RE = re.compile(r"^\s*<{5,9}\s*SEARCH\b.*$")
DIVIDER_RE = re.compile(r"^\s*={7}\s*$")
REPLACE_RE = re.compile(r"^\s*>{5,9}\s*REPLACE\s*$")
FENCE_RE = re.compile(r"^\s*(`{3,}|~{3,})\s*(.*?)\s*$")
_CH = r"[\w.@+~$\[\](){}-]"  # route folders and files: [id], [...slug], (auth), $id, {{name}}
_PATH_TOKEN = re.compile(rf"^(?:[A-Za-z]:)?{_CH}*(?:/{_CH}+)*/?{_CH}+$")
_CODE_LIKE = re.compile(r"\w[\[(]|\]\(")  # a call or an index (os.getcwd(), x[0].y) or a Markdown link
_EXTENSION = re.compile(r"\.[A-Za-z][\w-]*$")
_DECORATION = re.compile(r"^(?:#{1,6}\s+|[-*+]\s+|\d+\.\s+)?(?:(?:file(?:name)?|path)\s*:\s*)?", re.IGNORECASE)
_BACKTICKED = re.compile(r"`([^`\s]+)`")
_BARE_NAMES = frozenset({"Makefile", "Dockerfile", "LICENSE", "Procfile", "Gemfile", "Rakefile", "Justfile"})
_LANGS = frozenset({"python", "py", "diff", "patch", "text", "txt", "js", "ts", "json", "yaml", "toml"})


@dataclass(frozen=True)
class _Raw:
    name: Name
    search: list[str]
    replace: list[str]
    kind: BlockKind
    splits: list[tuple[list[str], list[str]]] = field(default_factory=list)
    mentioned: tuple[str, ...] = ()  # a block that took the previous block's file: paths its prose line names


def _as_text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


#: Name = (path, decorated spelling); the second is set when stripped underscores could belong to the name.
Name = tuple[str, "str | None"]
_UNDERSCORE_PAIRS = ("__", "_")


def _undecorate(text: str) -> Name:
    """Strip Markdown decoration around a whole name: ``*``, backticks and quotes (never part of a name we
    accept) anywhere at the ends, underscores only as matched pairs (``__x.py__``) — a name that merely
    begins with ``_`` (``_pytest/__init__.py``) keeps it. Returns the bare name and, when underscore
    pairs were stripped, the decorated spelling (a real name if only it exists)."""
    text = text.replace("\\_", "_").strip()
    decorated: str | None = None
    while True:
        bare = text.strip().rstrip(":").strip().strip("*`'\"").strip().rstrip(":").strip()
        for mark in _UNDERSCORE_PAIRS:
            if len(bare) > 2 * len(mark) and bare.startswith(mark) and bare.endswith(mark):
                decorated = decorated or bare
                bare = bare[len(mark) : -len(mark)]
                break
        if bare == text:
            return bare, decorated
        text = bare


def _spaced_ok(text: str, wrapped: bool) -> bool:
    """A name with spaces (``docs/user guide.md``): single spaces inside components, an extension without
    spaces, and either wrapped whole in backticks/quotes or a first folder without spaces (so prose such as
    ``Then change src/app.py`` or ``src/app.py is where it lives`` is not a name)."""
    last = text.rsplit("/", 1)[-1]
    if "  " in text or any(part != part.strip() for part in text.split("/")):
        return False
    if "." not in last.strip(".") or " " in last.rsplit(".", 1)[1]:
        return False
    return wrapped or ("/" in text and text.index("/") < text.index(" "))


def _checked(text: str, wrapped: bool = False) -> str | None:
    if not text or text.endswith(".") or _CODE_LIKE.search(text):
        return None
    if " " in text and not _spaced_ok(text, wrapped):
        return None
    if not _PATH_TOKEN.match(text.replace(" ", "_")):
        return None
    dotfile = text.startswith(".") and len(text) >= 2  # .gitignore, .env, .python-version-default
    if "/" in text or "." in text.lstrip(".") or dotfile or text in _BARE_NAMES:
        if set(text) <= set("./~-"):
            return None
        return clean_relpath(text)
    return None


def _windows(text: str) -> str:
    """``src\\pkg\\mod.py`` → ``src/pkg/mod.py``; ``\\_`` alone (no ``/``) stays a Markdown escape."""
    if "\\" in text and "/" not in text and re.search(r"\\(?!_)", text):
        return text.replace("\\", "/")
    return text


def _bare_line(line: str) -> tuple[str, bool]:
    """A line without its decoration (list marks, headings, ``File:``), backslashes made slashes; and
    whether the name was wrapped in backticks or quotes."""
    text = _windows(_DECORATION.sub("", line.strip(), count=1).strip())
    return text, text.strip("*_").startswith(("`", "'", '"'))


def name_from_line(line: str) -> Name | None:
    """The file name a line names on its own, with its decorated spelling when that could be the name."""
    text, wrapped = _bare_line(line)
    bare, decorated = _undecorate(text)
    path = _checked(bare, wrapped)
    if path is None:
        return None
    return path, _checked(decorated, wrapped) if decorated else None


def looks_like_name(line: str) -> bool:
    """Whether a line that is not an accepted name still reads as one (a single token with a folder, an
    extension or a leading dot, possibly wrapped): the block after it must not go to the previous file."""
    text, wrapped = _bare_line(line)
    bare = text.rstrip(":").strip().strip("*`'\"").strip().rstrip(":").strip()
    if not bare or (any(c.isspace() for c in bare) and not wrapped):
        return False
    return "/" in bare or bool(_EXTENSION.search(bare)) or (bare.startswith(".") and len(bare.strip(".")) > 0)


def path_from_line(line: str) -> str | None:
    """The file path a line names on its own (``foo/bar.py``, ``**`foo.py`**:``, ``# File: x.py``)."""
    name = name_from_line(line)
    return name[0] if name else None


def _path_in_prose(line: str) -> Name | None:
    """A single backticked path in a prose line such as ``Now in `src/app.py`:``."""
    found = {n for n in (name_from_line(m) for m in _BACKTICKED.findall(line)) if n and "." in n[0]}
    return found.pop() if len(found) == 1 else None


def _path_from_fence_info(info: str) -> Name | None:
    for token in reversed(info.split()):
        if token.lower() in _LANGS:
            continue
        name = name_from_line(token)
        if name and ("/" in name[0] or "." in name[0]):
            return name
    return None


#: What the line before a block gives when it reads as a file name but is not accepted as one.
REJECTED: Name = ("", "")


def _named(line: str, *, prose: bool) -> Name | None:
    name = name_from_line(line) or (_path_in_prose(line) if prose else None)
    if name is None and looks_like_name(line):
        return REJECTED
    return name


def _path_before(lines: list[str], index: int, floor: int) -> Name | None:
    """Look back from ``index`` (exclusive) to ``floor`` for the file name of a block (:data:`REJECTED`
    when the line there reads as a name tierwise does not accept)."""
    for k in range(index - 1, floor - 1, -1):
        line = lines[k]
        if not line.strip():
            continue
        fence = FENCE_RE.match(line)
        if fence:
            info_path = _path_from_fence_info(fence.group(2))
            if info_path:
                return info_path
            continue
        return _named(line, prose=True)
    return None


def _closing_fence(lines: list[str], start: int, marker: str, *, nested: bool = False) -> int:
    """The line that closes the fence opened at ``start`` (``len(lines)`` if none). ``nested``: a fence
    line with an info string (```` ```bash ````) opens an inner fence that the next bare fence closes, as a
    Markdown file sent whole has; a bare fence at the outer level closes."""
    inner: list[int] = []
    for k in range(start + 1, len(lines)):
        match = FENCE_RE.match(lines[k])
        if not match or match.group(1)[0] != marker[0]:
            continue
        size = len(match.group(1))
        if nested and match.group(2):
            inner.append(size)
        elif not match.group(2) and inner and size >= inner[-1]:
            inner.pop()
        elif not match.group(2) and not inner and size >= len(marker):
            return k
    return len(lines)


def _is_udiff_start(lines: list[str], k: int) -> bool:
    return lines[k].startswith("--- ") and k + 1 < len(lines) and lines[k + 1].startswith("+++ ")


def _diff_path(header: str) -> str | None:
    raw = header[4:].split("\t", 1)[0].strip()
    if raw == "/dev/null":
        return None
    if raw[:2] in ("a/", "b/"):
        raw = raw[2:]
    return clean_relpath(raw)


def _parse_udiff(lines: list[str], k: int) -> tuple[list[_Raw], int]:
    """Parse consecutive file diffs starting at ``lines[k]``; returns blocks and the next line index."""
    raws: list[_Raw] = []
    while k < len(lines) and _is_udiff_start(lines, k):
        old_path, new_path = _diff_path(lines[k]), _diff_path(lines[k + 1])
        k += 2
        while k < len(lines) and lines[k].startswith("@@"):
            k += 1
            hunk: list[str] = []
            while k < len(lines) and not lines[k].startswith("@@") and not _is_udiff_start(lines, k):
                line = lines[k]
                if line and line[0] not in " +-\\":
                    break
                hunk.append(line)
                k += 1
            while hunk and hunk[-1] == "":
                hunk.pop()
            search = [ln[1:] for ln in hunk if ln == "" or ln[0] in " -"]
            replace = [ln[1:] for ln in hunk if ln == "" or ln[0] in " +"]
            if new_path is None:
                continue  # deleting a file is not supported
            raws.append(_Raw((new_path, None), [] if old_path is None else search, replace, "udiff"))
        while k < len(lines) and lines[k].startswith(("diff --git", "index ", "new file", "deleted file")):
            k += 1
    return raws, k


def _holds_blocks(body: list[str]) -> bool:
    return any(SEARCH_RE.match(b) for b in body) or any(_is_udiff_start(body, j) for j in range(len(body)))


def _divider_splits(lines: list[str], k: int, end: int) -> list[tuple[list[str], list[str]]]:
    """Every way to split SEARCH from REPLACE at a divider line between ``k`` and ``end``."""
    return [(lines[k + 1 : d], lines[d + 1 : end]) for d in range(k + 1, end) if DIVIDER_RE.match(lines[d])]


def _parse_lines(lines: list[str]) -> list[_Raw]:
    raws: list[_Raw] = []
    floor = 0  # do not look for file names before the end of the previous block
    last_path: Name | None = None
    open_closers: set[int] = set()  # closing fences of fences that hold SEARCH/REPLACE blocks or diffs
    k = 0
    while k < len(lines):
        line = lines[k]
        if k in open_closers:
            k += 1
            continue
        if SEARCH_RE.match(line):
            found = _path_before(lines, k, floor)
            path = None if found == REJECTED else found or last_path
            mentioned = _mentioned_before(lines, k, floor) if found is None and path else ()
            divider = next((j for j in range(k + 1, len(lines)) if DIVIDER_RE.match(lines[j])), None)
            if divider is None:
                break
            end = next((j for j in range(divider + 1, len(lines)) if REPLACE_RE.match(lines[j])), None)
            if end is None:
                break
            splits = _divider_splits(lines, k, end)
            search, replace = splits[0]
            raws.append(_Raw(path or ("", None), search, replace, "search_replace", splits if len(splits) > 1 else [],
                             mentioned))
            last_path = path
            k = floor = end + 1
            continue
        if _is_udiff_start(lines, k):
            found_diffs, k = _parse_udiff(lines, k)
            raws.extend(found_diffs)
            floor = k
            continue
        fence = FENCE_RE.match(line)
        if fence:
            close = _closing_fence(lines, k, fence.group(1))
            if _holds_blocks(lines[k + 1 : close]):
                open_closers.add(close)
                k += 1  # let the loop see the markers inside the fence
                continue
            nested = _closing_fence(lines, k, fence.group(1), nested=True)
            if nested < len(lines) and not _holds_blocks(lines[k + 1 : nested]):
                close = nested  # inner fences (a Markdown file sent whole) stay in the content
            body = lines[k + 1 : close]
            name = _path_from_fence_info(fence.group(2)) or _strict_path_before(lines, k, floor)
            if name and close < len(lines):
                raws.append(_Raw(("", None) if name == REJECTED else name, [], body, "whole_file"))
                floor = close + 1
            k = close + 1
            continue
        k += 1
    return raws


def _mentioned_before(lines: list[str], index: int, floor: int) -> tuple[str, ...]:
    """Path-like words (a folder or an extension) of the prose line just before a block that has no name
    line of its own (``Now the same in b.py:``)."""
    for k in range(index - 1, floor - 1, -1):
        line = lines[k]
        if not line.strip() or FENCE_RE.match(line):
            continue
        words = (w.strip("*`'\"()[]{},;:").rstrip(".") for w in line.split())
        return tuple(dict.fromkeys(clean_relpath(w) for w in words if w and ("/" in w or _EXTENSION.search(w))))
    return ()


def _strict_path_before(lines: list[str], index: int, floor: int) -> Name | None:
    """For whole-file blocks: the line just before the fence (blank lines allowed) must be a bare path
    (:data:`REJECTED` when it reads as a name tierwise does not accept: the block is refused, not lost)."""
    for k in range(index - 1, max(floor, index - 3) - 1, -1):
        if lines[k].strip():
            return _named(lines[k], prose=False)
    return None


def _settle(name: Name, exists: Callable[[str], bool] | None) -> str:
    """The bare name, unless only the decorated spelling (underscore pairs kept) names an existing file."""
    path, decorated = name
    if decorated and exists is not None and not exists(path) and exists(decorated):
        return decorated
    return path


def _unless_elsewhere(raw: _Raw, exists: Callable[[str], bool] | None) -> _Raw:
    """A block without a name line of its own goes to the previous block's file — unless the prose line
    before it names another existing file (``Now the same in b.py:``): then it has no file (refused as
    no_path, the model is asked to name the file on its own line), never the previous file by mistake."""
    if not raw.mentioned or exists is None:
        return raw
    previous = {_settle(raw.name, exists), raw.name[0]}
    if any(path not in previous and exists(path) for path in raw.mentioned):
        return _Raw(("", None), raw.search, raw.replace, raw.kind, raw.splits)
    return raw


def parse_reply(text: str, *, exists: Callable[[str], bool] | None = None) -> list[EditBlock]:
    """Parse every edit block of a model reply, in reply order (``index`` 0, 1, ...).

    ``exists(relpath)`` (optional) tells whether a workspace file exists; it decides the rare name
    written inside underscore pairs (``__x.py__``): the bare name unless only the decorated one exists.
    """
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    raws = [_unless_elsewhere(r, exists) for r in _parse_lines(normalized.split("\n"))]
    return [
        EditBlock(
            path=_settle(r.name, exists),
            search=_as_text(r.search),
            replace=_as_text(r.replace),
            kind=r.kind,
            index=i,
            splits=tuple((_as_text(a), _as_text(b)) for a, b in r.splits),
        )
        for i, r in enumerate(raws)
    ]
