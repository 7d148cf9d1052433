"""Aider's repo map for one task, run INSIDE a separate virtual environment that has ``aider-chat``.

    AIDER_PY=/tmp/ctxbench/aider-venv/bin/python
    echo '[{"root": "...", "files": [...], "task": "...", "map_tokens": 8192}, ...]' | $AIDER_PY aider_map.py

Reads a JSON list of requests on stdin and prints a list of ``{"text": ..., "seconds": ...}`` (one process
for many tasks: aider's import takes seconds). Aider's own code decides
everything: ``RepoMap.get_repo_map`` with no files in the chat, the task's mentioned file names and
identifiers computed by aider's ``Coder.get_file_mentions`` / ``get_ident_mentions`` /
``get_ident_filename_matches`` (called on a minimal stand-in for the coder), and the same fallbacks as
``Coder.get_repo_map``. ``max_context_window`` is left unset so the map stays at ``map_tokens`` (aider
multiplies it by ``map_mul_no_files`` = 8 for an empty chat when the model's window is known). Tokens
are counted with cl100k_base from the bundled tiktoken file. Aider's tag cache goes to a temporary
folder, never into the checkout.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def _encoding():  # type: ignore[no-untyped-def]
    import litellm  # noqa: F401  (only to find its bundled tokenizer files)
    import tiktoken

    folder = Path(sys.modules["litellm"].__file__).parent / "litellm_core_utils" / "tokenizers"
    url = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
    if not (folder / hashlib.sha1(url.encode()).hexdigest()).is_file():
        raise SystemExit(f"no bundled cl100k file in {folder}")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
    return tiktoken.get_encoding("cl100k_base")


class _Model:
    def __init__(self) -> None:
        self.encoding = _encoding()

    def token_count(self, text: object) -> int:
        return len(
            self.encoding.encode(text if isinstance(text, str) else json.dumps(text), disallowed_special=())
        )


class _Coder:
    """Just what aider's mention helpers read from a coder."""

    def __init__(self, files: list[str], root: str) -> None:
        self.files = files
        self.root = root
        self.abs_read_only_fnames: set[str] = set()

    def get_all_relative_files(self) -> list[str]:
        return self.files

    def get_addable_relative_files(self) -> list[str]:
        return self.files

    def get_inchat_relative_files(self) -> list[str]:
        return []

    def get_rel_fname(self, fname: str) -> str:
        return os.path.relpath(fname, self.root)


def one(request: dict) -> dict:
    from aider.coders.base_coder import Coder
    from aider.io import InputOutput
    from aider.repomap import RepoMap

    root, files, task = request["root"], request["files"], request["task"]
    cache = tempfile.mkdtemp(prefix="aider-tags-")
    RepoMap.TAGS_CACHE_DIR = os.path.join(cache, "tags")  # absolute: os.path.join(root, ...) keeps it
    started = time.perf_counter()
    try:
        coder = _Coder(files, root)
        fnames = Coder.get_file_mentions(coder, task)
        idents = Coder.get_ident_mentions(coder, task)
        fnames.update(Coder.get_ident_filename_matches(coder, idents))
        io = InputOutput(pretty=False, yes=True, fancy_input=False)
        repo_map = RepoMap(
            map_tokens=request.get("map_tokens", 8192),
            root=root,
            main_model=_Model(),
            io=io,
            max_context_window=None,
        )
        all_abs = [os.path.join(root, f) for f in files]
        text = repo_map.get_repo_map(set(), all_abs, mentioned_fnames=fnames, mentioned_idents=idents)
        if not text:
            text = repo_map.get_repo_map(set(), all_abs)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return {"text": text or "", "seconds": time.perf_counter() - started, "mentioned_fnames": sorted(fnames)}


def main() -> int:
    requests = json.load(sys.stdin)
    out = sys.stdout
    sys.stdout = sys.stderr  # aider prints progress notes; only the answer goes to stdout
    try:
        answers = [one(request) for request in requests]
    finally:
        sys.stdout = out
    json.dump(answers, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
