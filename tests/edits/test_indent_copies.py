"""Exact, unique matches apply even when the same lines exist at other indentations (issue #12, item 2),
while a reply whose indentation is shown to be shifted never lands on such a copy."""

from __future__ import annotations

from ._helpers import plan_text, sr

FILE = '''def outer(x):
    rv = compute(x)
    if rv:
        return rv
    return rv


class Thing:
    def method(self):
        rv = self.compute()
        if rv:
            return rv
        return rv
'''


def test_unique_exact_match_is_applied_despite_copies_at_other_indentation() -> None:
    reply = sr("f.py", "        if rv:\n            return rv\n        return rv\n", "        if rv:\n            return rv + 1\n        return rv\n")
    result = plan_text(FILE, reply)
    assert [(b.status, b.strategy) for b in result.blocks] == [("applied", "exact")]
    assert result.files[0].new_text == FILE.replace("            return rv\n", "            return rv + 1\n")


def test_single_line_unique_at_its_indentation_is_applied() -> None:
    # "return rv" sits at 4, 8 (twice) and 12 spaces; only the 12-space one is quoted
    reply = sr("f.py", "            return rv\n", "            return rv * 2\n")
    result = plan_text(FILE, reply)
    assert result.all_applied
    assert result.blocks[0].lines == (12, 12)


def test_a_shifted_reply_does_not_land_on_the_copy_at_the_shifted_indentation() -> None:
    # The model shifted every SEARCH by 4 spaces: block 1 only matches with an indentation offset, which
    # shows the reply is shifted; block 2, meant for outer(), sits exactly on the copy inside the method.
    shifted = sr("f.py", "        rv = compute(x)\n", "        rv = compute(x, y)\n")
    onto_copy = sr("f.py", "        if rv:\n            return rv\n        return rv\n", "        if rv:\n            return None\n        return rv\n")
    result = plan_text(FILE, shifted + onto_copy)
    assert [b.reason for b in result.blocks] == ["file_refused", "ambiguous"]
    assert not result.files[0].changed
    message = result.blocks[1].message or ""
    assert "3" in message and "11" in message  # both places are named for the retry


def test_same_reply_with_right_indentation_applies() -> None:
    right = sr("f.py", "    rv = compute(x)\n", "    rv = compute(x, y)\n")
    meant = sr("f.py", "    if rv:\n        return rv\n    return rv\n", "    if rv:\n        return None\n    return rv\n")
    result = plan_text(FILE, right + meant)
    assert result.all_applied
    assert "        return None\n    return rv\n\n\nclass" in (result.files[0].new_text or "")
