"""Line diff: Myers' O(ND) algorithm on interned lines, after trimming the common prefix and suffix.

For files with scattered changes the work is about (N + D²), far below ``difflib``'s worst cases. Large
regions are first cut at patience anchors (lines unique in both texts, in increasing order), so heavy
rewrites cost a sum of small D² instead of one big one. Past ``MAX_D`` differences inside one region it
falls back to :class:`difflib.SequenceMatcher` (slower, still exact matches).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Sequence
from difflib import SequenceMatcher

Opcode = tuple[str, int, int, int, int]
MAX_D = 2000
ANCHOR_MIN_SIZE = 64  # regions smaller than this go straight to Myers
CHEAP_D = 128


Block = tuple[int, int, int]  # (i, j, size): a[i:i+size] == b[j:j+size]


def _intern(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[list[int], list[int]]:
    table = {item: k for k, item in enumerate({*a, *b})}
    return [table[x] for x in a], [table[x] for x in b]


def _myers(a: list[int], b: list[int], max_d: int) -> list[Block] | None:
    """Equal runs of a shortest edit script, ascending; ``None`` past ``max_d`` differences."""
    n, m = len(a), len(b)
    off = max_d + 2
    v = [0] * (2 * off + 1)
    trace: list[list[int]] = []
    for d in range(max_d + 1):
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[off + k - 1] < v[off + k + 1]):
                x = v[off + k + 1]
            else:
                x = v[off + k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x += 1
                y += 1
            v[off + k] = x
            if x >= n and y >= m:
                trace.append(v[off - d : off + d + 1])
                return _backtrack(trace, n, m)
        trace.append(v[off - d : off + d + 1])
    return None


def _backtrack(trace: list[list[int]], n: int, m: int) -> list[Block]:
    blocks: list[Block] = []
    x, y = n, m
    for d in range(len(trace) - 1, 0, -1):
        prev = trace[d - 1]  # index k + (d - 1)
        k = x - y
        down = k == -d or (k != d and prev[k - 1 + d - 1] < prev[k + 1 + d - 1])
        pk = k + 1 if down else k - 1
        px = prev[pk + d - 1]
        py = px - pk
        mid_x = px if down else px + 1
        if x > mid_x:
            blocks.append((mid_x, y - (x - mid_x), x - mid_x))
        x, y = px, py
    if x > 0:
        blocks.append((0, 0, x))
    blocks.reverse()
    return blocks


def _anchors(a: list[int], b: list[int]) -> list[tuple[int, int]]:
    """Longest increasing run of (i, j) pairs of items that occur exactly once in ``a`` and in ``b``."""
    count_a, count_b = Counter(a), Counter(b)
    pos_b = {x: j for j, x in enumerate(b) if count_b[x] == 1}
    pairs = [(i, pos_b[x]) for i, x in enumerate(a) if count_a[x] == 1 and x in pos_b]
    tails: list[int] = []
    tail_idx: list[int] = []
    prev = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        p = bisect_left(tails, j)
        if p == len(tails):
            tails.append(j)
            tail_idx.append(k)
        else:
            tails[p] = j
            tail_idx[p] = k
        prev[k] = tail_idx[p - 1] if p > 0 else -1
    out: list[tuple[int, int]] = []
    k = tail_idx[-1] if tail_idx else -1
    while k != -1:
        out.append(pairs[k])
        k = prev[k]
    out.reverse()
    return out


def _region_blocks(a: list[int], b: list[int], max_d: int) -> list[Block]:
    """Equal runs for two interned regions: plain Myers when cheap, else cut at anchors first."""
    if not a or not b:
        return []
    if len(a) + len(b) >= ANCHOR_MIN_SIZE:
        # lines found on one side only bound D from below: when few, plain Myers is cheapest
        set_a, set_b = set(a), set(b)
        lower = sum(1 for x in a if x not in set_b) + sum(1 for x in b if x not in set_a)
        if lower <= CHEAP_D:
            blocks = _myers(a, b, min(max_d, 2 * lower + CHEAP_D))
            if blocks is not None:
                return blocks
    anchors = _anchors(a, b) if len(a) + len(b) >= ANCHOR_MIN_SIZE else []
    if not anchors:
        blocks = _myers(a, b, max_d)
        if blocks is None:
            matcher = SequenceMatcher(None, a, b, autojunk=False)
            return [blk for blk in matcher.get_matching_blocks() if blk[2]]
        return blocks
    out: list[Block] = []
    lo_i = lo_j = 0
    for ai, aj in [*anchors, (len(a), len(b))]:
        out.extend((i + lo_i, j + lo_j, size) for i, j, size in _region_blocks(a[lo_i:ai], b[lo_j:aj], max_d))
        if ai < len(a):
            out.append((ai, aj, 1))
        lo_i, lo_j = ai + 1, aj + 1
    return out


def _merge_blocks(blocks: list[Block]) -> list[Block]:
    merged: list[Block] = []
    for i, j, size in blocks:
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + size)
        else:
            merged.append((i, j, size))
    return merged


def matching_blocks(a: Sequence[Hashable], b: Sequence[Hashable], max_d: int = MAX_D) -> list[tuple[int, int, int]]:
    """Runs ``(i, j, size)`` of equal items, ascending, of a minimal (or near-minimal past ``max_d``) diff."""
    n, m = len(a), len(b)
    pre = 0
    while pre < n and pre < m and a[pre] == b[pre]:
        pre += 1
    suf = 0
    while suf < n - pre and suf < m - pre and a[n - 1 - suf] == b[m - 1 - suf]:
        suf += 1
    ia, ib = _intern(a[pre : n - suf], b[pre : m - suf])
    blocks: list[tuple[int, int, int]] = [(0, 0, pre)] if pre else []
    if ia and ib:
        inner = _region_blocks(ia, ib, max_d)
        blocks.extend((i + pre, j + pre, s) for i, j, s in inner)
    if suf:
        blocks.append((n - suf, m - suf, suf))
    return _merge_blocks(blocks)


def opcodes(a: Sequence[Hashable], b: Sequence[Hashable], max_d: int = MAX_D) -> list[Opcode]:
    """``difflib``-style opcodes (``equal``, ``replace``, ``delete``, ``insert``) of a minimal diff."""
    result: list[Opcode] = []
    i = j = 0
    for bi, bj, size in [*matching_blocks(a, b, max_d), (len(a), len(b), 0)]:
        if i < bi and j < bj:
            result.append(("replace", i, bi, j, bj))
        elif i < bi:
            result.append(("delete", i, bi, j, bj))
        elif j < bj:
            result.append(("insert", i, bi, j, bj))
        if size:
            result.append(("equal", bi, bi + size, bj, bj + size))
        i, j = bi + size, bj + size
    return result
