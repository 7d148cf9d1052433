"""Keep API keys out of messages, logs, the ledger and artifacts.

``mask`` replaces (1) the literal values of the key variables the config names and of any environment
variable whose name looks secret (``*KEY*``, ``*TOKEN*``, ``*SECRET*``, ``*PASSWORD*``), and (2) anything
shaped like a provider key (``sk-...``, ``Bearer ...``, ``AIza...``, ``key=...``) with ``***``.

The function lives in ``tierwise.config.secrets`` (``redact``, standard library only) so that the engine masks
the test and lint commands' output with the very same rules without importing the gateway; it is re-exported
here under its historical name. Which values are secret is decided in one place,
``tierwise.config.secrets.secret_values`` (re-exported here), shared with ``config show`` and ``doctor``; its
name rule ``is_secret_name`` is also the one the command runner uses to warn about ``commands.env_passthrough``
entries. The masks differ on purpose: logs and errors get ``***`` here, while ``config show``/``doctor`` show a
recognisable ``sk-…abcd`` (``tierwise.config.secrets.mask``).
"""

from __future__ import annotations

from tierwise.config.secrets import REDACTED as MASK
from tierwise.config.secrets import is_secret_name, secret_values
from tierwise.config.secrets import redact as mask

__all__ = ["MASK", "is_secret_name", "mask", "secret_values"]
