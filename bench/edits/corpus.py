"""Corpus for the edit-engine benchmark: two neighbouring releases of popular pure-Python packages.

Wheels come from the package registry through ``pip download`` and are cached under ``.cache``.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"

#: (name, older, newer): neighbouring releases with many changed .py files.
PAIRS: list[tuple[str, str, str]] = [
    ("attrs", "22.2.0", "23.1.0"),
    ("click", "8.0.4", "8.1.0"),
    ("httpx", "0.23.3", "0.24.0"),
    ("packaging", "21.3", "22.0"),
    ("rich", "12.6.0", "13.0.0"),
    ("pluggy", "1.0.0", "1.2.0"),
    ("pip", "23.0.1", "23.1"),
    ("pygments", "2.15.1", "2.16.0"),
    ("sphinx", "7.0.1", "7.1.0"),
]


@dataclass(frozen=True)
class FilePair:
    package: str
    path: str  # path inside the wheel
    old: bytes | None  # None: new file
    new: bytes


def download(name: str, version: str, cache: Path = CACHE) -> Path:
    """The wheel of ``name==version``, downloaded once with pip into ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    prefix = name.replace("-", "_").lower() + "-" + version + "-"
    for wheel in cache.glob("*.whl"):
        if wheel.name.lower().startswith(prefix):
            return wheel
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", f"{name}=={version}", "-d", str(cache)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    for wheel in cache.glob("*.whl"):
        if wheel.name.lower().startswith(prefix):
            return wheel
    raise FileNotFoundError(f"no wheel for {name}=={version} in {cache}")


def _py_files(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {
            info.filename: archive.read(info)
            for info in archive.infolist()
            if info.filename.endswith(".py") and ".dist-info/" not in info.filename
        }


def changed_files(name: str, old_version: str, new_version: str, cache: Path = CACHE) -> list[FilePair]:
    """Changed or added .py files between two releases (deleted files are left out)."""
    old = _py_files(download(name, old_version, cache))
    new = _py_files(download(name, new_version, cache))
    return [
        FilePair(name, path, old.get(path), data)
        for path, data in sorted(new.items())
        if old.get(path) != data
    ]
