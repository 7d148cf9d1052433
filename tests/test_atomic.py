"""``tierwise.atomic``: the one atomic write behind the edit engine, checkpoint restores and bench reports."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tierwise.atomic import new_file_perms, write_bytes_atomic


def _perms(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_replaces_content_and_keeps_the_existing_files_bits(tmp_path: Path) -> None:
    path = tmp_path / "run.sh"
    path.write_bytes(b"old\n")
    path.chmod(0o751)
    write_bytes_atomic(path, b"new\n")
    assert path.read_bytes() == b"new\n"
    assert _perms(path) == 0o751
    assert [p.name for p in tmp_path.iterdir()] == ["run.sh"]


def test_a_new_file_gets_the_umask_bits_and_explicit_bits_win(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.txt"
    write_bytes_atomic(fresh, b"x")
    assert _perms(fresh) == new_file_perms()
    old = os.umask(0o077)
    try:
        assert new_file_perms() == 0o600
    finally:
        os.umask(old)
    existing = tmp_path / "existing.txt"
    existing.write_bytes(b"x")
    existing.chmod(0o600)
    write_bytes_atomic(existing, b"y", perms=0o644)
    assert _perms(existing) == 0o644


def test_parents_are_created_only_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c.json"
    with pytest.raises(FileNotFoundError):
        write_bytes_atomic(target, b"{}")
    assert not (tmp_path / "a").exists()
    write_bytes_atomic(target, b"{}", make_parents=True)
    assert target.read_bytes() == b"{}"


def test_a_failed_write_leaves_the_target_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "keep.txt"
    path.write_bytes(b"original")
    with pytest.raises(TypeError):
        write_bytes_atomic(path, "not bytes")  # type: ignore[arg-type]
    assert path.read_bytes() == b"original"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_a_symlinked_target_is_replaced_by_a_file_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"outside")
    link = tmp_path / "link.txt"
    link.symlink_to(outside)
    write_bytes_atomic(link, b"mine")
    assert not link.is_symlink() and link.read_bytes() == b"mine"
    assert outside.read_bytes() == b"outside"
