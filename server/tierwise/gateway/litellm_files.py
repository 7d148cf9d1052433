"""Data files shipped inside the installed litellm package, found without importing it.

``importlib.util.find_spec`` locates the package folder without running litellm's heavy ``__init__``
(seconds, and network access unless ``LITELLM_LOCAL_MODEL_COST_MAP`` is set). Used for the pinned price map
(``tierwise.gateway.pricing``) and the bundled tiktoken files (``tierwise.gateway.tokens``). Stdlib only.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def litellm_path(*parts: str, folder: bool = False) -> Path | None:
    """The file (or, with ``folder``, the folder) ``parts`` inside the litellm package, or None when litellm
    is not installed or has no such entry."""
    try:
        spec = importlib.util.find_spec("litellm")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location).joinpath(*parts)
        if candidate.is_dir() if folder else candidate.is_file():
            return candidate
    return None
