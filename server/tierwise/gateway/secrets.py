"""Keep API keys out of messages, logs, the ledger and artifacts.

``mask`` replaces (1) the literal values of the key variables the config names and of any environment
variable whose name looks secret (``*KEY*``, ``*TOKEN*``, ``*SECRET*``, ``*PASSWORD*``), and (2) anything
shaped like a provider key (``sk-...``, ``Bearer ...``, ``AIza...``, ``key=...``) with ``***``.

Which values are secret is decided in one place, ``tierwise.config.secrets.secret_values`` (re-exported here),
shared with ``config show`` and ``doctor``; its name rule ``is_secret_name`` is also the one the command
runner uses to warn about ``commands.env_passthrough`` entries. The masks differ on purpose: logs and errors get ``***`` here,
while ``config show``/``doctor`` show a recognisable ``sk-…abcd`` (``tierwise.config.secrets.mask``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tierwise.config.secrets import is_secret_name, secret_values

__all__ = ["MASK", "is_secret_name", "mask", "secret_values"]

MASK = "***"
_KEY_SHAPES = re.compile(
    r"""
    \bsk-[A-Za-z0-9_\-]{6,}            # OpenAI / Anthropic style
    | \bAIza[0-9A-Za-z_\-]{20,}        # Google
    | \bgh[pousr]_[A-Za-z0-9]{20,}     # GitHub tokens
    | (?i:bearer)\s+[A-Za-z0-9._\-~+/=]{8,}
    | (?i:(?:api[_-]?key|x-api-key|authorization)["']?\s*[:=]\s*["']?(?:bearer\s+)?)[^\s"',}]{6,}
    """,
    re.VERBOSE,
)


def mask(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every given secret value and every key-shaped string replaced by ``***``."""
    for value in secrets:
        if value:
            text = text.replace(value, MASK)
    return _KEY_SHAPES.sub(_mask_match, text)


def _mask_match(match: re.Match[str]) -> str:
    found = match.group(0)
    lowered = found.lower()
    if lowered.startswith("bearer"):
        return found[: len("bearer")] + " " + MASK
    for separator in (":", "="):
        if separator in found and not lowered.startswith(("sk-", "aiza", "gh")):
            head = found[: found.index(separator) + 1]
            rest = found[len(head) :]
            quote = rest[: len(rest) - len(rest.lstrip(" \"'"))]
            return head + quote + MASK
    return MASK
