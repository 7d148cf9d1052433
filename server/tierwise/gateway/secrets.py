"""Keep API keys out of messages, logs, the ledger and artifacts.

``mask`` replaces (1) the literal values of the key variables the config names and of any environment
variable whose name looks secret (``*KEY*``, ``*TOKEN*``, ``*SECRET*``, ``*PASSWORD*``), and (2) anything
shaped like a provider key (``sk-...``, ``Bearer ...``, ``AIza...``, ``key=...``) with ``***``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

MASK = "***"
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL", re.IGNORECASE)
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
MIN_SECRET_LEN = 6  # shorter values ("1", "true") would mask ordinary words


def secret_values(env: Mapping[str, str], key_env_names: Iterable[str] = ()) -> list[str]:
    """Values to mask: those of the named key variables and of secret-looking variables, longest first."""
    names = set(key_env_names) | {name for name in env if _SECRET_NAME.search(name)}
    values = {env[name] for name in names if name in env and len(env[name] or "") >= MIN_SECRET_LEN}
    return sorted(values, key=len, reverse=True)


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
