"""Benchmark machinery for the edit engine, independent of downloads (used by tests on synthetic files).

For one (old, new) file pair: build the ideal reply, check it reproduces the new text byte for byte,
check minimal text edits do too (UTF-16), perturb the blocks the way models err and classify each
outcome as correct / refused / misapplied, and count output tokens.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from tierwise.edits import (
    EditBlock,
    EditResult,
    apply_text_edits,
    format_blocks,
    make_blocks,
    minimal_text_edits,
    parse_reply,
    plan_edits,
)
from tierwise.edits.diff import opcodes
from tierwise.edits.files import decode_bytes, encode_text
from tierwise.edits.text import content_lines

try:  # run as a script (bench/edits on sys.path) or imported by path from the tests
    from ideal import diff_blocks, render
except ImportError:  # pragma: no cover
    import importlib.util as _util
    import sys as _sys

    _spec = _util.spec_from_file_location("tierwise_edits_bench_ideal", Path(__file__).with_name("ideal.py"))
    assert _spec and _spec.loader
    _ideal = _util.module_from_spec(_spec)
    _sys.modules[_spec.name] = _ideal
    _spec.loader.exec_module(_ideal)
    diff_blocks, render = _ideal.diff_blocks, _ideal.render

ROOT = Path("/nonexistent-bench-root")
KINDS = (
    "indent", "trailing_ws", "crlf", "missing_blank", "extra_blank", "padded", "elided", "typo", "wrong_path",
    "ambiguous_short",
)


# ----------------------------------------------------------------------------------------- tokens
def token_counter() -> Callable[[str], int]:
    """cl100k_base token counter: the gateway's, from litellm's bundled tokenizer files (never the network).

    Raises RuntimeError when those files cannot be loaded: the benchmark reports real token counts, never
    the gateway's characters/4 estimate."""
    from tierwise.gateway.tokens import count_tokens, tokenizer_name  # noqa: PLC0415 - only when counting

    if tokenizer_name() != "cl100k_base":
        raise RuntimeError("the cl100k_base tokenizer could not be loaded from litellm's bundled files")
    return count_tokens


# ------------------------------------------------------------------------------------ perturbations
def _lines(text: str) -> list[str]:
    return content_lines(text)


def _text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _context_pairs(search: list[str], replace: list[str]) -> list[tuple[int, int]]:
    """(search index, replace index) of the unchanged context lines: the common prefix and suffix."""
    limit = min(len(search), len(replace))
    pre = 0
    while pre < limit and search[pre] == replace[pre]:
        pre += 1
    suf = 0
    while suf < limit - pre and search[-1 - suf] == replace[-1 - suf]:
        suf += 1
    pairs = [(i, i) for i in range(pre)]
    pairs += [(len(search) - 1 - k, len(replace) - 1 - k) for k in range(suf)]
    return sorted(pairs)


def _indent(block: EditBlock, rng: random.Random) -> EditBlock | None:
    pad = " " * rng.choice((2, 4))
    shift = lambda text: _text([pad + line if line.strip() else line for line in _lines(text)])  # noqa: E731
    return replace(block, search=shift(block.search), replace=shift(block.replace))


def _trailing_ws(block: EditBlock, rng: random.Random) -> EditBlock | None:
    lines = _lines(block.search)
    if not lines:
        return None
    return replace(block, search=_text([line + " " * rng.randint(1, 3) if k % 2 == 0 else line for k, line in enumerate(lines)]))


def _missing_blank(block: EditBlock, rng: random.Random) -> EditBlock | None:
    search, repl = _lines(block.search), _lines(block.replace)
    context = set(_context_pairs(search, repl))
    # a lone blank context line between two non-blank context lines: dropping it from both sides keeps
    # the meaning, and the SEARCH no longer matches exactly (a blank line inside a run would just shift)
    blanks = [
        (i, j) for i, j in context
        if not search[i].strip() and (i - 1, j - 1) in context and (i + 1, j + 1) in context
        and search[i - 1].strip() and search[i + 1].strip()
    ]
    if not blanks:
        return None
    i, j = rng.choice(sorted(blanks))
    return replace(block, search=_text(search[:i] + search[i + 1 :]), replace=_text(repl[:j] + repl[j + 1 :]))


def _extra_blank(block: EditBlock, rng: random.Random) -> EditBlock | None:
    search, repl = _lines(block.search), _lines(block.replace)
    context = set(_context_pairs(search, repl))
    # between two consecutive non-blank context lines: the file cannot have a blank line there
    pairs = [
        (i, j) for i, j in context
        if (i + 1, j + 1) in context and search[i].strip() and search[i + 1].strip()
    ]
    if not pairs:
        return None
    i, j = rng.choice(sorted(pairs))
    return replace(block, search=_text(search[: i + 1] + [""] + search[i + 1 :]), replace=_text(repl[: j + 1] + [""] + repl[j + 1 :]))


def _ambiguous_short(block: EditBlock, rng: random.Random) -> EditBlock | None:
    search, repl = _lines(block.search), _lines(block.replace)
    context = _context_pairs(search, repl)
    kept_s = {i for i, _ in context}
    kept_r = {j for _, j in context}
    core_s = [line for i, line in enumerate(search) if i not in kept_s]
    if not any(line.strip() for line in core_s):
        return None  # pure insertion: no SEARCH without context
    core_r = [line for j, line in enumerate(repl) if j not in kept_r]
    return replace(block, search=_text(core_s), replace=_text(core_r))


def _typo(block: EditBlock, rng: random.Random) -> EditBlock | None:
    """A context line of SEARCH quoted with two letters swapped (REPLACE keeps the right line)."""
    search, repl = _lines(block.search), _lines(block.replace)
    candidates = [i for i, _ in _context_pairs(search, repl) if len(search[i].strip()) >= 12]
    if not candidates:
        return None
    i = rng.choice(candidates)
    line = search[i]
    letters = [k for k in range(len(line) - 1) if line[k].isalpha() and line[k + 1].isalpha() and line[k] != line[k + 1]]
    if not letters:
        return None
    k = rng.choice(letters)
    search[i] = line[:k] + line[k + 1] + line[k] + line[k + 2 :]
    return replace(block, search=_text(search))


def _wrong_path(block: EditBlock, rng: random.Random) -> EditBlock | None:
    parts = block.path.split("/")
    name = parts[-1]
    stem = name[:-3] if name.endswith(".py") else name
    options = []
    if len(parts) > 1:
        options.append("/".join(parts[1:]))
    options.append("/".join([*parts[:-1], (stem[1:] if stem.startswith("_") else "_" + stem) + ".py"]))
    options.append("/".join([*parts[:-1], stem + "s.py"]))
    return replace(block, path=rng.choice(options))


def _padded(block: EditBlock, rng: random.Random) -> EditBlock | None:
    """Some hosted models put a blank line after every line of SEARCH and REPLACE."""
    pad = lambda text: "".join(line + "\n\n" for line in _lines(text))  # noqa: E731
    if len([line for line in _lines(block.search) if line.strip()]) < 3:  # padding needs two gaps to show
        return None
    return replace(block, search=pad(block.search), replace=pad(block.replace))


BLOCK_PERTURBATIONS: dict[str, Callable[[EditBlock, random.Random], EditBlock | None]] = {
    "indent": _indent,
    "trailing_ws": _trailing_ws,
    "missing_blank": _missing_blank,
    "extra_blank": _extra_blank,
    "padded": _padded,
    "ambiguous_short": _ambiguous_short,
    "typo": _typo,
    "wrong_path": _wrong_path,
}


def _gaps_between(blocks: list[EditBlock], old: str) -> list[bool]:
    """For each neighbouring pair, whether unchanged lines separate their regions (so eliding is real)."""
    outcomes = plan_edits(blocks, ROOT, read=lambda _p: old).blocks
    gaps = []
    for k in range(len(blocks) - 1):
        a, b = outcomes[k].lines, outcomes[k + 1].lines
        end_a = (a[0] - 1 + len(_lines(blocks[k].replace))) if a else None  # 0-based exclusive, after block k
        gaps.append(a is not None and b is not None and end_a is not None and b[0] - 1 > end_a)
    return gaps


def _elide(blocks: list[EditBlock], old: str) -> list[EditBlock] | None:
    """Merge neighbouring blocks into one whose SEARCH/REPLACE elide the unchanged lines between them."""
    gaps = _gaps_between(blocks, old)
    merged: list[EditBlock] = []
    changed = False
    k = 0
    while k < len(blocks):
        if k + 1 < len(blocks) and gaps[k]:
            a, b = blocks[k], blocks[k + 1]
            indent = next((line[: len(line) - len(line.lstrip())] for line in _lines(b.search) if line.strip()), "")
            comment = "#" if a.path.endswith(".py") else "//"
            marker = f"{indent}{comment} ... existing code ...\n"
            merged.append(replace(a, search=a.search + marker + b.search, replace=a.replace + marker + b.replace))
            changed = True
            k += 2
        else:
            merged.append(blocks[k])
            k += 1
    return merged if changed else None


def perturb(kind: str, blocks: list[EditBlock], old: str, rng: random.Random) -> tuple[str, bool] | None:
    """The perturbed reply text and whether any block changed; ``None`` when the kind does not apply."""
    if kind == "crlf":
        return format_blocks(blocks).replace("\n", "\r\n"), True
    if kind == "elided":
        merged = _elide(blocks, old)
        return (format_blocks(merged), True) if merged else None
    fn = BLOCK_PERTURBATIONS[kind]
    out = [fn(b, rng) or b for b in blocks]
    if out == blocks:
        return None
    return format_blocks(out), True


# -------------------------------------------------------------------------------------- evaluation
@dataclass
class Outcome:
    status: str  # correct | refused | misapplied
    reasons: list[str] = field(default_factory=list)
    clear: bool = True  # every refused block has a known reason and a message


def classify(result: EditResult, path: str, expected: str) -> Outcome:
    touched = [f for f in result.files if f.ok and f.changed]
    if any(f.path != path for f in touched):
        return Outcome("misapplied")
    refused = [b for b in result.blocks if b.status == "refused"]
    if refused:
        if touched:
            return Outcome("misapplied")
        clear = all(b.reason and b.message for b in refused)
        return Outcome("refused", sorted({str(b.reason) for b in refused if b.reason != "file_refused"}), clear)
    mine = [f for f in result.files if f.path == path]
    if mine and mine[0].new_text == expected:
        return Outcome("correct")
    return Outcome("misapplied")


@dataclass
class FileReport:
    path: str
    ideal: str  # exact | inexpressible | mismatch
    textedits_ok: bool
    n_blocks: int
    n_edits: int
    seconds: float  # plan (ideal reply) + minimal text edits
    tokens_blocks: int = 0
    tokens_whole: int = 0
    tokens_floor: int = 0
    perturbed: dict[str, Outcome] = field(default_factory=dict)
    # the ideal reply built from the real diff (diff -U3 hunks, name decorated as models do)
    accepted: bool = False  # every block applied on the first try
    accepted_u1: bool = False  # the same with diff -U1 hunks (one context line: exact copies meet more often)
    diff_ideal: str = ""  # exact | inexpressible | mismatch
    diff_blocks: int = 0
    refusals: list[str] = field(default_factory=list)  # refusal reasons of that reply, if any


def _floor_text(old: str | None, new: str) -> str:
    a, b = content_lines(old or ""), content_lines(new)
    return "".join(_text(b[j1:j2]) for tag, _i1, _i2, j1, j2 in opcodes(a, b) if tag != "equal")


def evaluate_pair(
    path: str,
    old_bytes: bytes | None,
    new_bytes: bytes,
    *,
    others: dict[str, str] | None = None,
    kinds: tuple[str, ...] = KINDS,
    seed: int = 0,
    count_tokens: Callable[[str], int] | None = None,
    context: int = 2,
    style: int = 0,
) -> FileReport:
    """Run the ideal reply, the text edits and every perturbation for one file pair."""
    old = decode_bytes(old_bytes)[0] if old_bytes is not None else None
    new, encoding, bom = decode_bytes(new_bytes)
    files = dict(others or {})
    files[path] = old  # type: ignore[assignment]
    read = files.get
    exists = lambda p: files.get(p) is not None  # noqa: E731
    blocks = make_blocks(old, new, path)
    reply = format_blocks(blocks)
    t0 = time.perf_counter()
    result = plan_edits(parse_reply(reply, exists=exists), ROOT, read=read)
    got = result.files[0].new_text if result.files else None
    edits = minimal_text_edits(old or "", new, "utf-16")
    seconds = time.perf_counter() - t0
    ideal = _fidelity(result, got, new, new_bytes, encoding, bom)
    report = FileReport(path, ideal, apply_text_edits(old or "", edits, "utf-16") == new, len(blocks), len(edits), seconds)
    from_diff = diff_blocks(old, new, path)
    diff_result = plan_edits(parse_reply(render(from_diff, style), exists=exists), ROOT, read=read)
    mine = [f for f in diff_result.files if f.path == path]
    report.accepted = diff_result.all_applied and len(diff_result.files) == 1
    report.diff_ideal = _fidelity(diff_result, mine[0].new_text if mine else None, new, new_bytes, encoding, bom)
    report.diff_blocks = len(from_diff)
    tight = plan_edits(parse_reply(render(diff_blocks(old, new, path, 1), style), exists=exists), ROOT, read=read)
    tight_mine = [f for f in tight.files if f.path == path]
    report.accepted_u1 = tight.all_applied and len(tight.files) == 1 and tight_mine[0].new_text == (mine[0].new_text if mine else None)
    report.refusals = sorted({str(b.reason) for b in diff_result.blocks if b.status == "refused" and b.reason != "file_refused"})
    if count_tokens is not None:
        report.tokens_blocks = count_tokens(reply)
        report.tokens_whole = count_tokens(format_whole(path, new))
        report.tokens_floor = count_tokens(_floor_text(old, new))
    expected = got if got is not None else new
    if old is None or not old.strip():
        return report
    rng = random.Random(f"{seed}:{path}")
    quoted = make_blocks(old, new, path, min_context=context)  # models usually quote a few lines
    for kind in kinds:
        made = perturb(kind, blocks if kind == "ambiguous_short" else quoted, old, rng)
        if made is None:
            continue
        text, _ = made
        report.perturbed[kind] = classify(plan_edits(parse_reply(text), ROOT, read=read), path, expected)
    return report


def _fidelity(result: EditResult, got: str | None, new: str, new_bytes: bytes, encoding: str, bom: bool) -> str:
    if got is not None and result.all_applied and encode_text(got, encoding, bom) == new_bytes:
        return "exact"
    if got is not None and result.all_applied and content_lines(got) == content_lines(new):
        return "inexpressible"  # only line endings / final newline differ
    return "mismatch"


def format_whole(path: str, text: str) -> str:
    return f"{path}\n```python\n{text}```\n"


# ------------------------------------------------------------------------------------------- speed
def speed_case(lines: int = 10_000, changes: int = 50, seed: int = 1) -> tuple[str, str]:
    """A ``lines``-line Python-like file and a copy with ``changes`` scattered one-line edits."""
    rng = random.Random(seed)
    old_lines = [
        f"    value_{i} = compute({i}, {rng.randint(0, 999)})" if i % 7 else ("" if i % 14 else f"def block_{i}():")
        for i in range(lines)
    ]
    new_lines = list(old_lines)
    for pos in sorted(rng.sample(range(lines), changes)):
        new_lines[pos] = new_lines[pos] + "  # changed"
    return "\n".join(old_lines) + "\n", "\n".join(new_lines) + "\n"


def time_speed_case(runs: int = 7, lines: int = 10_000, changes: int = 50) -> dict[str, float]:
    """Median milliseconds to plan the ideal reply and to diff into minimal text edits."""
    old, new = speed_case(lines, changes)
    blocks = make_blocks(old, new, "big.py")
    plan_ms, diff_ms = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = plan_edits(blocks, ROOT, read=lambda _p: old)
        t1 = time.perf_counter()
        edits = minimal_text_edits(old, result.files[0].new_text or "", "utf-16")
        t2 = time.perf_counter()
        assert result.files[0].new_text == new and apply_text_edits(old, edits) == new
        plan_ms.append((t1 - t0) * 1000)
        diff_ms.append((t2 - t1) * 1000)
    total = sorted(p + d for p, d in zip(plan_ms, diff_ms, strict=True))
    return {
        "lines": lines,
        "changes": changes,
        "runs": runs,
        "plan_ms_median": sorted(plan_ms)[runs // 2],
        "diff_ms_median": sorted(diff_ms)[runs // 2],
        "total_ms_median": total[runs // 2],
    }
