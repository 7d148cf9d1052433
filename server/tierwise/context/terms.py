"""Words for lexical search: identifiers split on case changes, digits and underscores, lower-cased.

``parse_config_file`` → parse, config, file; ``HTTPServerError`` → http, server, error. The whole
identifier is kept too (lower-cased) so that an exact name scores above its parts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "if",
        "in",
        "into",
        "is",
        "it",
        "not",
        "of",
        "on",
        "or",
        "self",
        "the",
        "this",
        "to",
        "with",
        "cls",
        "none",
        "true",
        "false",
        "def",
        "return",
        "import",
        "class",
        "function",
        "var",
        "let",
        "const",
        "new",
    ]
)


def split_identifier(name: str) -> list[str]:
    """The lower-cased parts of an identifier (the whole name first when it has several parts)."""
    return list(_split(name))


@lru_cache(maxsize=200_000)
def _split(name: str) -> tuple[str, ...]:
    parts = [p.lower() for p in _PARTS.findall(name)]
    whole = name.lower().strip("_")
    if len(parts) > 1 and whole:
        return (whole, *parts)
    return tuple(parts) or ((whole,) if whole else ())


def words(text: str) -> list[str]:
    """Search terms of free text or code, in order, stop words and one-letter parts left out."""
    out: list[str] = []
    for ident in _IDENT.findall(text):
        out.extend(_word_parts(ident))
    return out


@lru_cache(maxsize=200_000)
def word_parts(ident: str) -> tuple[str, ...]:
    """Search terms of one identifier (cached)."""
    return _word_parts(ident)


@lru_cache(maxsize=200_000)
def _word_parts(ident: str) -> tuple[str, ...]:
    return tuple(p for p in _split(ident) if len(p) > 1 and p not in STOP)


def identifiers(text: str) -> list[str]:
    """Identifier-looking tokens of a task text (``parse_config``, ``HTTPServer``, ``foo.bar`` → foo, bar)."""
    return list(dict.fromkeys(_IDENT.findall(text)))


def path_terms(path: str) -> list[str]:
    return words(path.replace("/", " ").replace(".", " ").replace("-", " "))


def many(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        out.extend(_split(item))
    return out


_DOUBLE_KEEP = frozenset("lsz")


@lru_cache(maxsize=200_000)
def stem(term: str) -> str:
    """A light, conservative English stem so that a task's ``templates``/``parsing``/``resolved`` meet the
    code's ``template``/``parse``/``resolve``: plural ``s``/``ies``, then ``ing``/``ed``, a doubled final
    consonant, a final ``e``. Short words, digits and whole multi-part identifiers are left alone."""
    if len(term) < 3 or not term.isalpha():
        return term
    word = term
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and len(word) > 3 and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        rest = word[: -len(suffix)]
        if word.endswith(suffix) and len(rest) >= 2 and any(c in "aeiouy" for c in rest):
            word = word[: -len(suffix)]
            if (
                len(word) >= 4
                and word[-1] == word[-2]
                and word[-1] not in _DOUBLE_KEEP
                and word[-1] not in "aeiou"
            ):
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 2:
        word = word[:-1]
    return word


def stems(terms: Iterable[str]) -> list[str]:
    return [stem(t) for t in terms]
