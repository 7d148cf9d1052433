"""Is every SEARCH text an edit reply copied visible, in one piece, in the prompt it answered?

    PYTHONPATH=server python bench/caching/search_visible.py DIR [DIR ...]

The quality guard of the prompt layout (docs/prompts.md, "Layout"): a layout that leaves code out of a
prompt (pointers to the task prefix, the changed definitions instead of whole files) must still show the
exact current text of everything an edit must match. For every implement and fix reply kept under DIR
(``tierwise bench ... --keep``: ``.tierwise/tasks/*/replies/{implement,fix}.*.md`` beside the
``.prompt.json`` of the request it answered), each non-empty SEARCH block — blank lines at its ends
aside — must occur in the request's messages, read as they are or with the ``N | `` / ``N + `` line-number
marks of numbered views taken off. Prints the blocks that do not, and a count; exit status 1 when any.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

_MARKS = re.compile(r"(?m)^ *\d+ [|+] ?")
_SEARCH = re.compile(r"<<<<<<< SEARCH\n(.*?)=======\n", re.S)


def prompt_text(path: Path) -> str:
    data = json.loads(path.read_text(encoding="utf-8"))
    messages = data["messages"] if isinstance(data, dict) else data
    parts = []
    for message in messages:
        content = message.get("content", "")
        parts.append(content if isinstance(content, str) else "".join(p.get("text", "") for p in content))
    return "\n".join(parts)


def check(folder: Path) -> tuple[int, list[str]]:
    total, missing = 0, []
    for reply in sorted(folder.rglob(".tierwise/tasks/*/replies/*.md")):
        if not reply.name.startswith(("implement.", "fix.")):
            continue
        request = reply.with_name(reply.name[: -len(".md")] + ".prompt.json")
        if not request.is_file():
            continue
        text = prompt_text(request)
        plain = _MARKS.sub("", text)
        for match in _SEARCH.finditer(reply.read_text(encoding="utf-8")):
            search = match.group(1).strip("\n")
            if not search.strip():
                continue
            total += 1
            if search not in text and search not in plain:
                missing.append(f"{reply.relative_to(folder)}: {search[:120]!r}")
    return total, missing


def main(argv: list[str] | None = None) -> int:
    folders = [Path(a) for a in (argv if argv is not None else sys.argv[1:])]
    if not folders:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    total, missing = 0, []
    for folder in folders:
        count, lost = check(folder)
        total, missing = total + count, missing + lost
    for line in missing:
        print(f"not visible: {line}")
    print(f"{total} SEARCH blocks, {len(missing)} not visible in the prompt they answered")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
