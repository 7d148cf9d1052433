"""``plan_edits``: compute new file texts from parsed blocks, all-or-nothing per file, without writing."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from tierwise.edits import messages
from tierwise.edits.apply import Applied, FileState, Refused, apply_search_replace
from tierwise.edits.errors import BinaryFileError, FileTooLargeError, PathOutsideWorkspace
from tierwise.edits.files import DEFAULT_MAX_BYTES, can_encode, read_text_file
from tierwise.edits.locate import find_exact
from tierwise.edits.model import BlockOutcome, EditBlock, EditResult, FileResult
from tierwise.edits.parse import DIVIDER_RE
from tierwise.edits.paths import workspace_relpath
from tierwise.edits.text import content_lines
from tierwise.workspace_files import walk_files

Reader = Callable[[str], "str | None"]


@dataclass
class _FileJob:
    path: str
    blocks: list[EditBlock] = field(default_factory=list)


def similar_paths(root: Path, relpath: str, limit: int = 3) -> list[str]:
    """Existing workspace files whose path (or name) is close to ``relpath``."""
    files = walk_files(root)
    by_path = difflib.get_close_matches(relpath, files, n=limit, cutoff=0.6)
    name = relpath.rsplit("/", 1)[-1]
    same_name = [f for f in files if f.rsplit("/", 1)[-1] == name]
    return list(dict.fromkeys(same_name[:limit] + by_path))[:limit]


def workspace_file_exists(root: Path) -> Callable[[str], bool]:
    """``exists(relpath)`` for :func:`parse_reply`: a regular file inside the workspace (never raises)."""

    def exists(relpath: str) -> bool:
        try:
            return (Path(root) / workspace_relpath(Path(root), relpath)).is_file()
        except (PathOutsideWorkspace, OSError, ValueError):
            return False

    return exists


def _disk_reader(root: Path, max_bytes: int) -> Callable[[str], tuple[str | None, str, bool]]:
    def read(relpath: str) -> tuple[str | None, str, bool]:
        path = root / relpath
        if not path.exists():
            return None, "utf-8", False
        if not path.is_file():
            raise OSError(f"{relpath} is not a regular file")
        tf = read_text_file(path, max_bytes)
        return tf.text, tf.encoding, tf.bom

    return read


def _refuse_all(job: _FileJob, reason: str, message: Callable[[EditBlock], str]) -> FileResult:
    outcomes = [BlockOutcome(b.index, job.path, "refused", None, reason, message(b)) for b in job.blocks]  # type: ignore[arg-type]
    return FileResult(job.path, None, None, False, outcomes)


def _group(blocks: list[EditBlock], root: Path) -> tuple[list[_FileJob], list[FileResult]]:
    jobs: dict[str, _FileJob] = {}
    bad: list[FileResult] = []
    resolved: dict[str, str | PathOutsideWorkspace] = {}  # each distinct path is checked once
    for block in blocks:
        if not block.path.strip():
            msg = messages.simple(block, "", "no_path")
            bad.append(FileResult("", None, None, False, [BlockOutcome(block.index, "", "refused", None, "no_path", msg)]))
            continue
        if block.path not in resolved:
            try:
                resolved[block.path] = workspace_relpath(root, block.path)
            except PathOutsideWorkspace as err:
                resolved[block.path] = err
        rel = resolved[block.path]
        if isinstance(rel, PathOutsideWorkspace):
            msg = messages.outside_workspace(block, str(rel))
            outcome = BlockOutcome(block.index, block.path, "refused", None, "outside_workspace", msg)
            bad.append(FileResult(block.path, None, None, False, [outcome]))
            continue
        jobs.setdefault(rel, _FileJob(rel)).blocks.append(block)
    return list(jobs.values()), bad


def _chosen_split(state: FileState | None, block: EditBlock) -> EditBlock | None:
    """A block with several ``=======`` lines between its markers: the split whose SEARCH the file holds
    exactly once (an empty SEARCH: the file is missing or blank), the longest if several do — a shorter
    one then sits at the same place, with the file going on as the longer SEARCH quotes it, so those
    ``=======`` lines are file content. ``None`` when no split matches exactly once, or when the one that
    does is followed in the file by a ``=======`` line while a longer split exists: that line may be the
    one the model quoted, with the rest of its SEARCH not matching."""
    blank = state is None or not any(c.strip() for c in state.contents)
    matching: list[tuple[int, int | None]] = []  # (split, line after its match)
    for number, (search, _) in enumerate(block.splits):
        lines = content_lines(search)
        if not any(s.strip() for s in lines):
            if blank:
                matching.append((number, None))
        elif state is not None:
            starts = find_exact(state.contents, lines, state.joined())
            if len(starts) == 1:
                matching.append((number, starts[0] + len(lines)))
    if not matching:
        return None
    number, after = matching[-1]
    longer = number + 1 < len(block.splits)
    followed = state is not None and after is not None and after < len(state.contents)
    if longer and followed and DIVIDER_RE.match(state.contents[after]):  # type: ignore[union-attr,index]
        return None
    search, replace_text = block.splits[number]
    return replace(block, search=search, replace=replace_text, splits=())


def _apply_block(
    state: FileState | None, block: EditBlock, path: str, root: Path
) -> tuple[FileState | None, BlockOutcome, Applied | None]:
    if len(block.splits) > 1:
        chosen = _chosen_split(state, block)
        if chosen is None:
            msg = messages.divider(block, path)
            return state, BlockOutcome(block.index, path, "refused", None, "ambiguous", msg), None
        block = chosen
    search = content_lines(block.search)
    replace_lines = content_lines(block.replace)
    if block.kind == "whole_file" or not any(s.strip() for s in search):
        strategy = "whole_file" if block.kind == "whole_file" else "create"
        if state is None or not any(c.strip() for c in state.contents):
            newline = state.newline if state is not None else "\n"
            new_state = FileState(list(replace_lines), [newline] * len(replace_lines), newline)
            return new_state, BlockOutcome(block.index, path, "applied", strategy, lines=(1, len(replace_lines))), None
        if [c.rstrip() for c in state.contents] == [r.rstrip() for r in replace_lines]:
            msg = messages.already_applied(block, path, state.contents, (0, len(state.contents)))
            return state, BlockOutcome(block.index, path, "refused", strategy, "already_applied", msg), None
        msg = messages.simple(block, path, "file_exists")
        return state, BlockOutcome(block.index, path, "refused", None, "file_exists", msg), None
    if state is None:
        msg = messages.file_missing(block, path, similar_paths(root, path))
        return None, BlockOutcome(block.index, path, "refused", None, "file_missing", msg), None
    before = list(state.contents)
    result = apply_search_replace(state, search, replace_lines)
    if isinstance(result, Applied):
        outcome = BlockOutcome(block.index, path, "applied", result.strategy, lines=(result.first + 1, result.last))
        if result.copies:  # the message, should the block be refused for them after all
            starts = tuple(sorted((result.first, *result.copies)))
            return state, outcome, replace(result, refusal=messages.ambiguous(block, path, before, starts, len(search)))
        return state, outcome, result
    return state, _refusal(block, path, before, search, result), None


def _shifted_copies(outcomes: list[BlockOutcome], applied: list[Applied | None], blocks: list[EditBlock], path: str) -> list[BlockOutcome]:
    """Refuse, as ambiguous, exact matches that have copies at another indentation when another block of
    the same reply only matched with its indentation shifted: the model shifted its SEARCH texts, so this
    exact match may be a shifted copy of the place it meant."""
    if not any(a is not None and a.shifted for a in applied):
        return outcomes
    return [
        BlockOutcome(b.index, path, "refused", None, "ambiguous", a.refusal) if a is not None and a.refusal else o
        for o, a, b in zip(outcomes, applied, blocks, strict=True)
    ]


def _refusal(block: EditBlock, path: str, lines: list[str], search: list[str], refused: Refused) -> BlockOutcome:
    if refused.reason == "ambiguous":
        msg = messages.ambiguous(block, path, lines, refused.starts, len(search))
    elif refused.reason == "already_applied" and refused.found is not None:
        msg = messages.already_applied(block, path, lines, refused.found)
    elif refused.reason == "not_found":
        msg = messages.not_found(block, path, lines, search)
    else:
        msg = messages.simple(block, path, refused.reason)
    return BlockOutcome(block.index, path, "refused", None, refused.reason, msg)  # type: ignore[arg-type]


def _read_job(job: _FileJob, root: Path, read: Reader | None, max_bytes: int) -> tuple[str | None, str, bool] | FileResult:
    try:
        if read is not None:
            text = read(job.path)
            if text is not None and "\x00" in text:
                raise BinaryFileError("text contains NUL characters")
            if text is not None and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
                raise FileTooLargeError(f"over the limit of {max_bytes} bytes")
            return text, "utf-8", False
        return _disk_reader(root, max_bytes)(job.path)
    except BinaryFileError as err:
        reason, detail = "binary", str(err)
    except FileTooLargeError as err:
        reason, detail = "too_large", str(err)
    except OSError as err:
        reason, detail = "unreadable", str(err)
    return _refuse_all(job, reason, lambda b: messages.simple(b, job.path, reason, detail))


def _plan_file(job: _FileJob, root: Path, read: Reader | None, max_bytes: int) -> FileResult:
    loaded = _read_job(job, root, read, max_bytes)
    if isinstance(loaded, FileResult):
        return loaded
    old_text, encoding, bom = loaded
    state = FileState.from_text(old_text) if old_text is not None else None
    outcomes: list[BlockOutcome] = []
    applied: list[Applied | None] = []
    for block in job.blocks:
        state, outcome, done = _apply_block(state, block, job.path, root)
        outcomes.append(outcome)
        applied.append(done)
    outcomes = _shifted_copies(outcomes, applied, job.blocks, job.path)
    new_text = state.text() if state is not None else None
    newline = state.newline if state is not None else "\n"
    if new_text is not None and not can_encode(new_text, encoding):
        outcomes = [
            replace(o, status="refused", reason="unencodable", message=messages.simple(b, job.path, "unencodable", encoding))
            if o.status == "applied"
            else o
            for o, b in zip(outcomes, job.blocks, strict=True)
        ]
    failed = [o.index for o in outcomes if o.status == "refused"]
    if failed:
        outcomes = [
            replace(o, status="refused", reason="file_refused", message=messages.file_refused(b, job.path, failed))
            if o.status == "applied"
            else o
            for o, b in zip(outcomes, job.blocks, strict=True)
        ]
        return FileResult(job.path, old_text, old_text, False, outcomes, encoding, bom, newline)
    return FileResult(job.path, old_text, new_text, True, outcomes, encoding, bom, newline)


def plan_edits(
    blocks: list[EditBlock],
    root: Path,
    read: Reader | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> EditResult:
    """Compute the new text of every file the blocks touch, without writing anything.

    Blocks of one file apply in reply order, each to the text left by the previous one; a file is
    changed only if every one of its blocks applies. ``read(relpath)`` supplies current texts (an
    editor's buffers) or ``None`` for a missing file; by default files are read from disk under ``root``.
    """
    root = Path(root)
    jobs, bad = _group(blocks, root)
    files = [_plan_file(job, root, read, max_bytes) for job in jobs]
    return EditResult(files + bad)
