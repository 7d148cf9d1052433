"""tierwise.lib_prefetch: the shared libraries of packages about to be imported are read ahead, without
importing anything."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tierwise.lib_prefetch import is_library, library_files, prefetch_libraries


def test_library_names() -> None:
    for name in ("_binding.abi3.so", "libgfortran-040039e1.so.5.0.0", "x.cpython-311-x86_64-linux-gnu.so",
                 "_core.pyd", "libssl.dylib", "zlib.dll"):  # fmt: skip
        assert is_library(name), name
    for name in ("__init__.py", "solver.pyi", "sonata.txt", "notes.so.md", "libfoo.so.x"):
        assert not is_library(name), name


@pytest.fixture
def fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``twfakepkg`` with two libraries of its own and one bundled in ``twfakepkg.libs``; importing it fails,
    so a test passes only if nothing imports it."""
    package = tmp_path / "twfakepkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('imported')\n")
    (package / "_core.cpython-311-x86_64-linux-gnu.so").write_bytes(b"a" * 3000)
    (package / "sub" / "_more.abi3.so").write_bytes(b"b" * (1 << 20) + b"c")  # more than one chunk
    (package / "helpers.py").write_text("x = 1\n")
    (tmp_path / "twfakepkg.libs").mkdir()
    (tmp_path / "twfakepkg.libs" / "libblas-1234.so.0.3").write_bytes(b"d" * 100)
    monkeypatch.syspath_prepend(str(tmp_path))
    return package


def test_finds_the_package_and_bundled_libraries_without_importing(fake_package: Path) -> None:
    found = sorted(p.relative_to(fake_package.parent).as_posix() for p in library_files("twfakepkg"))
    assert found == [
        "twfakepkg.libs/libblas-1234.so.0.3",
        "twfakepkg/_core.cpython-311-x86_64-linux-gnu.so",
        "twfakepkg/sub/_more.abi3.so",
    ]
    assert prefetch_libraries(["twfakepkg"]) == 3000 + (1 << 20) + 1 + 100
    assert "twfakepkg" not in sys.modules


def test_skips_imported_missing_and_unreadable(fake_package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert prefetch_libraries(["tierwise_no_such_package", "os.path"]) == 0
    (fake_package / "_core.cpython-311-x86_64-linux-gnu.so").chmod(0)
    readable = (1 << 20) + 1 + 100
    if os.access(fake_package / "_core.cpython-311-x86_64-linux-gnu.so", os.R_OK):
        readable += 3000  # running as root: the file stays readable
    assert prefetch_libraries(["twfakepkg"]) == readable
    monkeypatch.setitem(sys.modules, "twfakepkg", object())
    assert prefetch_libraries(["twfakepkg"]) == 0


def test_numpy_layout_is_found() -> None:
    """The package the language server's warm-up prefetches: its extension and its bundled OpenBLAS."""
    names = [p.name for p in library_files("numpy")]
    assert any(n.startswith("_multiarray_umath") for n in names)
    assert any(p.parent.name == "numpy.libs" for p in library_files("numpy")) or sys.platform != "linux"
