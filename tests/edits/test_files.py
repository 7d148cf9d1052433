"""Encodings, BOM, line endings, atomic writes and path resolution."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

import pytest

from tierwise.edits import (
    BinaryFileError,
    FileTooLargeError,
    PathOutsideWorkspace,
    parse_reply,
    plan_edits,
    read_text_file,
    resolve_in_workspace,
    write_result,
    write_text_atomic,
)

from ._helpers import sr


def test_read_utf8_bom_is_kept_out_of_text(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(codecs.BOM_UTF8 + "é = 1\r\n".encode())
    tf = read_text_file(path)
    assert (tf.text, tf.encoding, tf.bom, tf.newline) == ("é = 1\r\n", "utf-8", True, "\r\n")


def test_read_utf16_and_cp1252(tmp_path: Path) -> None:
    (tmp_path / "u16").write_bytes(codecs.BOM_UTF16_LE + "hé 🙂\n".encode("utf-16-le"))
    tf = read_text_file(tmp_path / "u16")
    assert (tf.text, tf.encoding, tf.bom) == ("hé 🙂\n", "utf-16-le", True)
    (tmp_path / "w").write_bytes("café €\n".encode("cp1252"))
    tf = read_text_file(tmp_path / "w")
    assert (tf.text, tf.encoding) == ("café €\n", "cp1252")


def test_binary_and_size(tmp_path: Path) -> None:
    (tmp_path / "b").write_bytes(b"abc\x00def")
    with pytest.raises(BinaryFileError):
        read_text_file(tmp_path / "b")
    (tmp_path / "c").write_bytes(bytes(range(1, 32)) * 20 + b"\xff")
    with pytest.raises(BinaryFileError):
        read_text_file(tmp_path / "c")
    (tmp_path / "l").write_text("x" * 50)
    with pytest.raises(FileTooLargeError):
        read_text_file(tmp_path / "l", max_bytes=10)


def test_write_text_atomic_keeps_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "s.sh"
    path.write_text("old\n")
    path.chmod(0o755)
    write_text_atomic(path, "new\r\n", encoding="utf-8", bom=True)
    assert path.read_bytes() == codecs.BOM_UTF8 + b"new\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.sh"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (codecs.BOM_UTF8 + b"x = 1\r\ny = 2\r\n", codecs.BOM_UTF8 + b"x = 1\r\ny = 3\r\nz = 4\r\n"),
        ("# café\nx = 1\ny = 2\n".encode("cp1252"), "# café\nx = 1\ny = 3\nz = 4\n".encode("cp1252")),
        (
            codecs.BOM_UTF16_LE + "x = 1\ny = 2\n".encode("utf-16-le"),
            codecs.BOM_UTF16_LE + "x = 1\ny = 3\nz = 4\n".encode("utf-16-le"),
        ),
        ("é = 1\ny = 2".encode(), "é = 1\ny = 3\nz = 4".encode()),
    ],
)
def test_write_result_preserves_encoding_bom_and_endings(ws: Path, raw: bytes, expected: bytes) -> None:
    (ws / "m.py").write_bytes(raw)
    result = plan_edits(parse_reply(sr("m.py", "y = 2\n", "y = 3\nz = 4\n")), ws)
    assert result.all_applied, result.retry_message()
    assert write_result(result, ws) == ["m.py"]
    assert (ws / "m.py").read_bytes() == expected


def test_write_result_creates_new_files_and_skips_refused(ws: Path) -> None:
    (ws / "keep.py").write_text("a = 1\n")
    reply = sr("pkg/new.py", "", "x = 1\n") + sr("keep.py", "a = 1\n", "a = 2\n") + sr("keep.py", "zzz\n", "q\n")
    result = plan_edits(parse_reply(reply), ws)
    assert write_result(result, ws) == ["pkg/new.py"]
    assert (ws / "pkg" / "new.py").read_text() == "x = 1\n"
    assert (ws / "keep.py").read_text() == "a = 1\n"


def test_write_result_skips_files_changed_since_planning(ws: Path) -> None:
    (ws / "a.py").write_text("a = 1\n")
    result = plan_edits(parse_reply(sr("a.py", "a = 1\n", "a = 2\n")), ws)
    (ws / "a.py").write_text("a = 1\nb = 1\n")
    assert write_result(result, ws) == []
    assert (ws / "a.py").read_text() == "a = 1\nb = 1\n"


def test_write_through_symlink_inside_workspace_keeps_the_link(ws: Path) -> None:
    (ws / "real.py").write_text("a = 1\n")
    os.symlink(ws / "real.py", ws / "alias.py")
    result = plan_edits(parse_reply(sr("alias.py", "a = 1\n", "a = 2\n")), ws)
    assert write_result(result, ws) == ["alias.py"]
    assert (ws / "alias.py").is_symlink()
    assert (ws / "real.py").read_text() == "a = 2\n"


def test_resolve_in_workspace(ws: Path, tmp_path: Path) -> None:
    assert resolve_in_workspace(ws, "./a/b.py") == Path(os.path.realpath(ws)) / "a" / "b.py"
    assert resolve_in_workspace(ws, "a\\b.py").name == "b.py"
    for bad in ["", "..", "../x", "a/../../x", "/etc/passwd", ".git/HEAD", "x\x00y", ".", "C:/Windows/x"]:
        with pytest.raises(PathOutsideWorkspace):
            resolve_in_workspace(ws, bad)
    os.symlink(tmp_path, ws / "up")
    with pytest.raises(PathOutsideWorkspace):
        resolve_in_workspace(ws, "up/anything.py")
    assert issubclass(PathOutsideWorkspace, ValueError)
