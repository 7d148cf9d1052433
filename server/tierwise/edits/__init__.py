"""The edit engine: parse a model's chunked edits, locate them safely, compute minimal text edits.

No LSP or model dependency. See ``docs/edits.md``.
"""

from tierwise.edits.blocks import format_blocks, make_blocks
from tierwise.edits.errors import BinaryFileError, FileTooLargeError, PathOutsideWorkspace
from tierwise.edits.files import TextFile, read_text_file, write_text_atomic
from tierwise.edits.model import BlockOutcome, EditBlock, EditResult, FileResult
from tierwise.edits.parse import parse_reply
from tierwise.edits.paths import resolve_for_write, resolve_in_workspace
from tierwise.edits.plan import plan_edits, workspace_file_exists
from tierwise.edits.textedits import TextEdit, apply_text_edits, minimal_text_edits
from tierwise.edits.write import write_result

__all__ = [
    "BinaryFileError",
    "BlockOutcome",
    "EditBlock",
    "EditResult",
    "FileResult",
    "FileTooLargeError",
    "PathOutsideWorkspace",
    "TextEdit",
    "TextFile",
    "apply_text_edits",
    "format_blocks",
    "make_blocks",
    "minimal_text_edits",
    "parse_reply",
    "plan_edits",
    "read_text_file",
    "resolve_for_write",
    "resolve_in_workspace",
    "write_result",
    "workspace_file_exists",
    "write_text_atomic",
]
