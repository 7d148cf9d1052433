"""Corpus for the edit-engine benchmark: neighbouring releases of real packages, fetched at run time.

The repository stores only package names, versions and (in ``corpus.json``) the names of the changed files,
never their source. The releases are downloaded with the registries' own clients into a cache folder
outside the repository (``$TIERWISE_BENCH_CACHE``, default ``~/.cache/tierwise/bench-edits``):

- PyPI wheels: ``pip download --no-deps --only-binary :all: NAME==VERSION`` (pure-Python packages);
- PyPI sdists: ``pip download --no-deps --no-binary :all: NAME==VERSION`` (packages whose Rust or Go
  sources ship only in the sdist; pip prepares their metadata in an isolated build, so the first run is slow);
- npm tarballs: ``npm pack NAME@VERSION``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(os.environ.get("TIERWISE_BENCH_CACHE", Path.home() / ".cache" / "tierwise" / "bench-edits"))
LANGUAGES = {
    ".py": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "typescript",
    ".go": "go",
    ".rs": "rust",
}
MAX_BYTES = 1_000_000  # the engine's default limit
MAX_MEAN_LINE = 200  # minified bundles are not edited by hand (nor by models)


@dataclass(frozen=True)
class Release:
    registry: str  # wheel | sdist | npm
    name: str
    old: str
    new: str
    why: str = ""


#: Neighbouring releases. click, flask, requests, httpx, attrs and rich are deliberately absent: they are
#: kept for an independent check of the engine.
RELEASES: list[Release] = [
    Release("wheel", "pytest", "7.4.4", "8.0.0", "paths under _pytest/, many changed files"),
    Release("wheel", "pluggy", "1.0.0", "1.2.0", "_hooks.py, _manager.py: underscore modules"),
    Release("wheel", "packaging", "21.3", "22.0", "a rewritten parser"),
    Release("wheel", "pip", "23.0.1", "23.1", "_internal/ and _vendor/: deep underscore paths"),
    Release("wheel", "setuptools", "69.0.3", "69.1.0", "_distutils/, _vendor/"),
    Release("wheel", "pygments", "2.15.1", "2.16.0", "many lexers"),
    Release("wheel", "sphinx", "7.0.1", "7.1.0", "heavily indented docutils visitors"),
    Release("wheel", "hypothesis", "6.92.1", "6.92.2", "heavily indented internals"),
    Release("wheel", "jinja2", "3.1.2", "3.1.3", "compiler with deep nesting"),
    Release("sdist", "bcrypt", "4.0.1", "4.1.0", "Rust (src/_bcrypt/src/lib.rs)"),
    Release("sdist", "bcrypt", "4.1.3", "4.2.0", "Rust"),
    Release("sdist", "tiktoken", "0.5.1", "0.5.2", "Rust extension package (Python files changed)"),
    Release("sdist", "tiktoken", "0.5.2", "0.6.0", "Rust extension package (Python files changed)"),
    Release("sdist", "tiktoken", "0.6.0", "0.7.0", "Rust (src/lib.rs) beside Python"),
    Release("npm", "rxjs", "7.8.0", "7.8.1", "TypeScript sources (src/) and their JS builds"),
    Release("npm", "preact", "10.19.2", "10.19.3", "JavaScript sources and TypeScript typings"),
    Release("npm", "commander", "11.0.0", "11.1.0", "JavaScript and typings"),
    Release("npm", "axios", "1.6.0", "1.6.1", "JavaScript"),
    Release("npm", "@vercel/go", "3.0.0", "3.0.1", "Go sources shipped in an npm package"),
    Release("npm", "@vercel/go", "3.3.0", "3.4.0", "Go: a new file"),
]


@dataclass(frozen=True)
class FilePair:
    package: str
    path: str  # path inside the package (the archive's top folder removed)
    old: bytes | None  # None: new file
    new: bytes

    @property
    def language(self) -> str:
        return LANGUAGES.get(Path(self.path).suffix, "other")


def _find(cache: Path, stem: str, suffixes: tuple[str, ...]) -> Path | None:
    for candidate in sorted(cache.iterdir()) if cache.exists() else []:
        lower = candidate.name.lower()
        if lower.startswith(stem) and lower.endswith(suffixes):
            return candidate
    return None


def download(release: Release, version: str, cache: Path = CACHE) -> Path:
    """The archive of ``release.name`` at ``version``, downloaded once into ``cache``."""
    folder = cache / release.registry
    folder.mkdir(parents=True, exist_ok=True)
    if release.registry == "npm":
        stem = release.name.lstrip("@").replace("/", "-").lower() + "-" + version + "."
        found = _find(folder, stem, (".tgz",))
        cmd = ["npm", "pack", f"{release.name}@{version}", "--silent", "--pack-destination", str(folder)]
    else:
        stem = release.name.replace("-", "_").lower() + "-" + version
        stem_sdist = release.name.lower() + "-" + version
        wheel = release.registry == "wheel"
        found = _find(folder, stem + "-", (".whl",)) if wheel else (
            _find(folder, stem_sdist + ".", (".tar.gz", ".zip")) or _find(folder, stem + ".", (".tar.gz", ".zip"))
        )
        binary = ["--only-binary", ":all:"] if wheel else ["--no-binary", ":all:"]
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *binary, f"{release.name}=={version}", "-d", str(folder)]
    if found is not None:
        return found
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=folder, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return download(release, version, cache)


def _members(archive: Path) -> dict[str, bytes]:
    """Source files of a wheel, sdist or npm tarball, keyed by path without the archive's top folder."""
    files: dict[str, bytes] = {}
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                name = info.filename
                if archive.suffix == ".zip":
                    name = name.split("/", 1)[-1]
                if not info.is_dir() and ".dist-info/" not in name:
                    files[name] = zf.read(info)
        return files
    with tarfile.open(archive) as tf:
        for member in tf.getmembers():
            if member.isfile():
                handle = tf.extractfile(member)
                if handle is not None:
                    files[member.name.split("/", 1)[-1]] = handle.read()
    return files


def _editable(path: str, data: bytes) -> bool:
    """A source file a person (or a model) edits: a known language, not minified, not a bundled build."""
    if Path(path).suffix not in LANGUAGES or len(data) > MAX_BYTES or path.endswith((".min.js", ".map")):
        return False
    if path.startswith(("dist/", "build/")) or "/bundles/" in path:
        return False  # npm build output (bundles of many modules, regenerated on each release)
    lines = data.count(b"\n") + 1
    return len(data) / lines <= MAX_MEAN_LINE


def changed_files(release: Release, cache: Path = CACHE) -> list[FilePair]:
    """Changed or added source files between the two releases (deleted files are left out)."""
    old = _members(download(release, release.old, cache))
    new = _members(download(release, release.new, cache))
    return [
        FilePair(release.name, path, old.get(path), data)
        for path, data in sorted(new.items())
        if old.get(path) != data and _editable(path, data) and (old.get(path) is None or _editable(path, old[path]))
    ]


def release_id(release: Release) -> str:
    return f"{release.name} {release.old}→{release.new}"
