"""Recognising and masking secrets, so that no API key reaches output, logs or error messages.

Configuration never stores a key, only the NAME of the environment variable that holds it. These helpers are
for everything that shows values anyway: ``config show``, ``doctor`` and error messages that quote input
(:func:`mask`, a recognisable ``sk-…abcd``), and for text that is logged, stored or sent on — provider errors,
the output of the test and lint commands (:func:`redact`, ``***``; ``tierwise.gateway.secrets.mask`` is the
same function). Standard library only, so that every layer (gateway, engine, drivers) can import it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

# Well-known key prefixes, longest first so that "sk-ant-" wins over "sk-".
_PREFIXES: tuple[str, ...] = (
    "sk-ant-",
    "sk-or-",
    "sk-proj-",
    "sk-",
    "AIza",
    "gsk_",
    "xai-",
    "hf_",
    "ghp_",
    "github_pat_",
    "pk-",
    "r8_",
)

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.IGNORECASE)
"""Environment variable names whose values are treated as secrets even when no tier names them."""


def is_secret_name(name: str) -> bool:
    """THE secret-name rule, shared by the masker (``tierwise.gateway.secrets``, ``config show``,
    ``doctor``) and the command runner's environment (``tierwise.runner.env``): a name containing KEY,
    TOKEN, SECRET, PASSWORD/PASSWD, CREDENTIAL or AUTH (any case)."""
    return SECRET_NAME.search(name) is not None

MIN_SECRET_LEN = 6  # shorter values ("1", "true") would mask ordinary words

_TOKEN = re.compile(r"[A-Za-z0-9_\-\.~+/]{16,}={0,2}")
_NAME_LIKE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def secret_values(env: Mapping[str, str], key_env_names: Iterable[str] = ()) -> list[str]:
    """Values that must never be shown: those of the named key variables and of every secret-looking variable
    (:func:`is_secret_name`), longest first."""
    names = set(key_env_names) | {name for name in env if is_secret_name(name)}
    values = {env[name] for name in names if name in env and len(env[name] or "") >= MIN_SECRET_LEN}
    return sorted(values, key=len, reverse=True)


def looks_like_secret(value: str) -> bool:
    """True when ``value`` looks like an API key or token rather than a name, URL or model string."""
    text = value.strip()
    if len(text) < 12 or any(ch.isspace() for ch in text):
        return False
    if any(text.startswith(prefix) for prefix in _PREFIXES):
        return len(text) >= 16
    if _NAME_LIKE.match(text):  # an environment variable name such as ANTHROPIC_API_KEY
        return False
    if "/" in text and not re.search(r"[A-Za-z0-9]{32,}", text):  # model strings, URLs, paths
        return False
    if len(text) < 24:
        return False
    has_digit = any(ch.isdigit() for ch in text)
    has_alpha = any(ch.isalpha() for ch in text)
    return has_digit and has_alpha and _TOKEN.fullmatch(text) is not None


def mask(value: str) -> str:
    """``sk-test-SECRET123456`` → ``sk-…3456``: a recognisable prefix, an ellipsis and the last four characters."""
    text = value.strip()
    prefix = next((p for p in _PREFIXES if text.startswith(p)), "")
    if prefix.startswith("sk-"):
        prefix = "sk-"
    tail = text[-4:] if len(text) >= 12 else ""
    return f"{prefix}…{tail}"


def mask_secrets_in_text(text: str, known: Sequence[str] = ()) -> str:
    """Replace every key-like token (and every value in ``known``) inside free text by its mask."""
    for secret in known:
        if secret and len(secret) >= 4:
            text = text.replace(secret, mask(secret))

    def _sub(match: re.Match[str]) -> str:
        token = match.group(0)
        return mask(token) if looks_like_secret(token) else token

    return _TOKEN.sub(_sub, text)


def safe_repr(value: object, limit: int = 60) -> str:
    """A short ``repr`` of user input for error messages, with secrets masked."""
    if isinstance(value, str):
        shown = mask(value) if looks_like_secret(value) else mask_secrets_in_text(value)
        if len(shown) > limit:
            shown = shown[: limit - 1] + "…"
        return repr(shown)
    text = mask_secrets_in_text(repr(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


REDACTED = "***"
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


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every given secret value and every key-shaped string (``sk-...``, ``AIza...``, GitHub
    tokens, ``Bearer ...``, ``api_key=...``) replaced by ``***`` — for logs, errors, artifacts and prompts."""
    for value in secrets:
        if value:
            text = text.replace(value, REDACTED)
    return _KEY_SHAPES.sub(_redact_match, text)


def redact_env(text: str, env: Mapping[str, str], key_env_names: Iterable[str] = ()) -> str:
    """:func:`redact` with the values :func:`secret_values` finds in ``env``: the named key variables' and
    every secret-looking variable's."""
    return redact(text, secret_values(env, key_env_names))


def _redact_match(match: re.Match[str]) -> str:
    found = match.group(0)
    lowered = found.lower()
    if lowered.startswith("bearer"):
        return found[: len("bearer")] + " " + REDACTED
    for separator in (":", "="):
        if separator in found and not lowered.startswith(("sk-", "aiza", "gh")):
            head = found[: found.index(separator) + 1]
            rest = found[len(head) :]
            quote = rest[: len(rest) - len(rest.lstrip(" \"'"))]
            return head + quote + REDACTED
    return REDACTED
