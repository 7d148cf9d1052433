"""First-try acceptance of the ideal replies from the real diffs, for whichever engine PYTHONPATH selects.

    PYTHONPATH=server .venv/bin/python bench/edits/acceptance.py [--context 3] [--packages pytest,rxjs]

Use it to compare engines (e.g. PYTHONPATH pointing at an older checkout's ``server``) on the same corpus
and replies. Only ``parse_reply(text)`` and ``plan_edits`` are used, so older engines run it too.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
import ideal  # noqa: E402

from tierwise.edits import parse_reply, plan_edits  # noqa: E402
from tierwise.edits.files import decode_bytes  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--context", type=int, default=3, help="context lines of the diff hunks (-U)")
    parser.add_argument("--packages", help="comma-separated subset")
    args = parser.parse_args(argv)
    wanted = set(args.packages.split(",")) if args.packages else None
    files = accepted = 0
    reasons: Counter[str] = Counter()
    for release in corpus.RELEASES:
        if wanted and release.name not in wanted:
            continue
        for pair in corpus.changed_files(release):
            old = decode_bytes(pair.old)[0] if pair.old is not None else None
            new = decode_bytes(pair.new)[0]
            reply = ideal.render(ideal.diff_blocks(old, new, pair.path, args.context), files)
            texts = {pair.path: old}
            result = plan_edits(parse_reply(reply), Path("/nonexistent-bench-root"), read=texts.get)
            files += 1
            if result.all_applied and len(result.files) == 1:
                accepted += 1
            else:
                reasons.update({str(b.reason) for b in result.blocks if b.status == "refused" and b.reason != "file_refused"})
    print(f"accepted first try: {accepted}/{files} (-U{args.context}); refusal reasons (files): {dict(reasons)}")
    return 0 if accepted == files else 1


if __name__ == "__main__":
    raise SystemExit(main())
