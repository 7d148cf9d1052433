"""Reading and writing text files: encoding and BOM detection, binary and size checks, atomic writes."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from tierwise.atomic import write_bytes_atomic
from tierwise.edits.errors import BinaryFileError, FileTooLargeError
from tierwise.edits.text import dominant_newline

DEFAULT_MAX_BYTES = 1_000_000
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_FOR = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0c\x08\x1b")


@dataclass(frozen=True)
class TextFile:
    """A decoded text file. ``text`` never contains the BOM; ``newline`` is the dominant line ending."""

    text: str
    encoding: str
    bom: bool
    newline: str


def decode_bytes(data: bytes) -> tuple[str, str, bool]:
    """Decode file bytes: BOM first (utf-8, utf-16), then strict utf-8, then cp1252, then latin-1.

    Returns ``(text, encoding, bom)``; raises :class:`BinaryFileError` for data that is not text.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding, True
            except UnicodeDecodeError as err:
                raise BinaryFileError(f"invalid {encoding} after a BOM") from err
    sample = data[:8192]
    if b"\x00" in sample:
        raise BinaryFileError("file contains NUL bytes")
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        pass
    controls = sum(1 for byte in sample if byte < 32 and byte not in _TEXT_CONTROLS)
    if sample and controls / len(sample) > 0.05:
        raise BinaryFileError("file is mostly control characters")
    try:
        return data.decode("cp1252"), "cp1252", False
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", False


def read_text_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> TextFile:
    """Read and decode ``path``; raises :class:`FileTooLargeError`, :class:`BinaryFileError`, ``OSError``."""
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLargeError(f"{size} bytes is over the limit of {max_bytes}")
    data = path.read_bytes()
    if len(data) > max_bytes:
        raise FileTooLargeError(f"{len(data)} bytes is over the limit of {max_bytes}")
    text, encoding, bom = decode_bytes(data)
    return TextFile(text=text, encoding=encoding, bom=bom, newline=dominant_newline(text))


def encode_text(text: str, encoding: str = "utf-8", bom: bool = False) -> bytes:
    """Encode ``text`` exactly (line endings untouched), with the encoding's BOM when ``bom``."""
    prefix = _BOM_FOR.get(encoding, b"") if bom else b""
    return prefix + text.encode(encoding)


def can_encode(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def write_text_atomic(path: Path, text: str, *, encoding: str = "utf-8", bom: bool = False) -> None:
    """Write via a temporary file in the same folder and ``os.replace``; keeps an existing file's mode."""
    write_bytes_atomic(path, encode_text(text, encoding, bom))
