"""The ranking and packing rules, each on a small repository the test writes: word forms meet, a top file's
definitions inherit its rank, a match's neighbours get credit, a class does not match its methods' words,
the best-ranked bodies may be large, qualified focus names come before ambiguous bare ones (and a class
holding most bare focus names before the others), a test cannot set the scale of the code's scores, and
centrality counts only when the task points somewhere."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tierwise.context import ContextEngine
from tierwise.context.model import Symbol
from tierwise.context.render import assemble, focus_order
from tierwise.context.terms import stem
from tierwise.context.types import Query


def _write(root: Path, files: dict[str, str]) -> ContextEngine:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    engine = ContextEngine(root, persist=False)
    engine.refresh()
    return engine


def _ranked(engine: ContextEngine, task: str) -> dict[str, tuple[int, str]]:
    ranking = engine.rank(Query(task=task))
    return {h.symbol.qualname: (i, h.why) for i, h in enumerate(ranking.symbols) if h.symbol}


def _unrelated(count: int) -> dict[str, str]:
    return {f"misc/mod_{i}.py": f"def helper_{i}(value):\n    return value + {i}\n" for i in range(count)}


def test_stem_joins_plural_and_verb_forms_but_leaves_short_words() -> None:
    assert stem("templates") == stem("template")
    assert stem("parsing") == stem("parsed") == stem("parse")
    assert stem("properties") == stem("property")
    assert stem("running") == stem("run") == "run"
    assert stem("classes") == stem("class")
    assert stem("has") == "has" and stem("was") == "was" and stem("string") == "string"
    assert stem("v2") == "v2"


def test_a_plural_in_the_task_finds_the_singular_in_the_code(ws: Path) -> None:
    engine = _write(ws, {
        "render/page.py": """
            def page_template(name):
                return f"<{name}>"
            """,
        **_unrelated(6),
    })  # fmt: skip
    found = _ranked(engine, "Allow custom templates")
    assert "page_template" in found and found["page_template"][0] == 0


def test_definitions_of_a_top_file_inherit_its_rank_without_sharing_a_word(ws: Path) -> None:
    engine = _write(ws, {
        "cli/command.py": """
            class Command:
                def usage_template(self):
                    return self.usage

                def reset_usage(self):
                    self.usage = None

                def set_usage(self, text):
                    self.usage = text


            def describe(thing):
                return str(thing)
            """,
        "cli/other.py": """
            def set_colour(text):
                return text
            """,
        **_unrelated(6),
    })  # fmt: skip
    found = _ranked(engine, "Allow to reset the usage template")
    # describe shares no word with the task and no call with a match, yet it is ranked because its file is
    # the task's top file
    assert "Command.set_usage" in found
    assert "describe" in found and "in a top-ranked file" in found["describe"][1]
    assert "helper_3" not in found  # a low file's definition that shares no word still scores nothing


def test_a_callee_of_the_best_match_is_credited(ws: Path) -> None:
    engine = _write(ws, {
        "net/retry.py": """
            def retry_request(request, attempts):
                delay = compute_pause(attempts)
                return request.send(delay)
            """,
        "net/timing.py": """
            def compute_pause(count):
                return 2 ** count
            """,
        **_unrelated(8),
    })  # fmt: skip
    found = _ranked(engine, "retry the request after a failure")
    assert found["retry_request"][0] == 0
    assert "compute_pause" in found
    why = found["compute_pause"][1]  # credited through the call: by closeness or by the expansion
    assert "calls, is called by or sits beside a match" in why or "called or used by retry_request" in why


def test_a_test_repeating_the_task_does_not_shrink_the_code_scores(ws: Path) -> None:
    engine = _write(ws, {
        "shop/refunds.py": """
            def refund_order(order):
                return order.total
            """,
        "tests/test_refunds.py": """
            def test_refund_order_refund_refunds_order_orders():
                refund_order = refund = order = orders = 1
                assert refund_order + refund + order + orders
            """,
        **_unrelated(6),
    })  # fmt: skip
    found = _ranked(engine, "refund an order")
    # scaled by the best *source* match: the code scores 1.00 although the test matches the words better
    assert "matches the task's words (1.00)" in found["refund_order"][1]
    assert found["refund_order"][0] == 0


def test_centrality_lifts_nothing_unless_the_task_points_somewhere(ws: Path) -> None:
    users = {f"app/user_{i}.py": f"from app.core import connect_database\n\n\ndef job_{i}():\n"
                                 f"    return connect_database({i})\n" for i in range(8)}  # fmt: skip
    engine = _write(ws, {
        "app/core.py": """
            def connect_database(url):
                return url
            """,
        "app/report.py": """
            def render_invoice_report(rows):
                return len(rows)
            """,
        **users,
    })  # fmt: skip
    alone = engine.rank(Query(task="render the invoice report"))
    assert alone.symbols[0].symbol is not None and alone.symbols[0].symbol.name == "render_invoice_report"
    assert not any("central in the reference graph" in h.why for h in alone.symbols)
    pointed = engine.rank(Query(task="render the invoice report", open_files=("app/user_1.py",)))
    assert any("central in the reference graph" in h.why for h in pointed.symbols)


def test_a_class_does_not_match_the_words_of_its_methods(ws: Path) -> None:
    engine = _write(ws, {
        "shop/store.py": """
            class Store:
                name = "main"

                def refund_order(self, order):
                    order.refund_amount = order.total
                    return order

                def open(self):
                    return True
            """,
        **_unrelated(6),
    })  # fmt: skip
    found = _ranked(engine, "refund an order")
    assert found["Store.refund_order"][0] < found["Store"][0]


def _symbol(name: str, start: int, end: int) -> Symbol:
    return Symbol(name.rsplit(".", 1)[-1], name, "function", start, end, start, f"def {name}():")


def test_the_top_ranked_body_may_exceed_the_single_body_cap_but_a_lower_one_may_not() -> None:
    from tierwise.context.model import FileEntry

    def count(text: str) -> int:
        return len(text) // 4

    big = ["def big():"] + [f"    x_{i} = {i}  # a long line of the body number {i}" for i in range(180)]
    small = [f"def f{i}():\n    return {i}" for i in range(5)]
    text = "\n".join(big + small)
    lines = text.splitlines()
    entry_big = _symbol("big", 1, len(big))
    others = [_symbol(f"f{i}", len(big) + 1 + 2 * i, len(big) + 2 + 2 * i) for i in range(5)]
    files = {"m.py": FileEntry("python", len(lines), (entry_big, *others))}
    budget = 5000
    tokens = count("\n".join(big))
    assert budget * 0.35 < tokens < budget * 0.5  # between the ordinary cap and the top bodies' cap
    first = [("m.py", entry_big, "top"), *(("m.py", s, "x") for s in others)]
    _, items = assemble(first, files, lambda p: text, [], [], budget_tokens=budget, count=count)
    assert any(i.kind == "body" and i.symbol == "big" for i in items)
    sixth = [*(("m.py", s, "x") for s in others), ("m.py", entry_big, "sixth")]  # below the top five
    _, items = assemble(sixth, files, lambda p: text, [], [], budget_tokens=budget, count=count)
    assert not any(i.kind == "body" and i.symbol == "big" for i in items)


def test_qualified_focus_names_come_before_ambiguous_bare_ones() -> None:
    symbols = [_symbol(f"Field{i}.default", 10 * i + 1, 10 * i + 5) for i in range(6)]
    symbols.append(_symbol("Field.default", 100, 104))
    symbols.append(_symbol("load", 110, 112))
    key = focus_order(["default", "Field.default", "load"], symbols)
    ordered = sorted(symbols, key=key)
    assert [s.qualname for s in ordered[:2]] == ["Field.default", "load"]
    assert {s.qualname for s in ordered[2:]} == {f"Field{i}.default" for i in range(6)}


def test_ambiguous_bare_focus_names_prefer_the_class_that_holds_them_all() -> None:
    symbols = []
    for i in range(6):  # six classes with __init__ and _serialize, one (Delta) with all three names
        symbols += [_symbol(f"F{i}.__init__", 100 * i + 1, 100 * i + 5), _symbol(f"F{i}._serialize", 100 * i + 6, 100 * i + 9)]
    symbols += [_symbol("Delta.__init__", 900, 905), _symbol("Delta._serialize", 906, 910),
                _symbol("Delta._deserialize", 911, 915)]  # fmt: skip
    ordered = sorted(symbols, key=focus_order(["__init__", "_serialize", "_deserialize"], symbols))
    assert [s.qualname for s in ordered[:3]] == ["Delta._deserialize", "Delta.__init__", "Delta._serialize"]
    assert ordered[3].qualname.startswith("F")


def test_a_file_view_over_budget_shows_the_qualified_focus_first(ws: Path) -> None:
    classes = "\n\n".join(
        f"class Field{i}:\n    def default(self):\n" + "".join(f"        x{j} = {j}\n" for j in range(30))
        + "        return None\n"
        for i in range(12)
    )  # fmt: skip
    engine = _write(ws, {"fields.py": classes})
    view = engine.file_view("fields.py", focus_symbols=["default", "Field9.default"], budget_tokens=900)
    assert "(Field9.default)" in view


def test_a_property_getter_and_setter_are_both_ranked(ws: Path) -> None:
    engine = _write(ws, {
        "model/field.py": """
            class Field:
                @property
                def default(self):
                    return self._default_value

                @default.setter
                def default(self, value):
                    self._default_value = value
            """,
        **_unrelated(4),
    })  # fmt: skip
    ranking = engine.rank(Query(task="the default value of a field"))
    starts = sorted(
        h.symbol.start for h in ranking.symbols if h.symbol and h.symbol.qualname == "Field.default"
    )
    assert len(starts) == 2 and starts[0] < starts[1]


def test_below_the_tenth_body_a_mid_sized_body_gives_way() -> None:
    from tierwise.context.model import FileEntry
    from tierwise.context.render import body_cap

    def count(text: str) -> int:
        return len(text) // 4

    mid = ["def mid():"] + [f"    y_{i} = {i}  # a line of the middle-sized body {i}" for i in range(60)]
    small = [f"def g{i}():\n    return {i}" for i in range(12)]
    text = "\n".join(mid + small)
    entry_mid = _symbol("mid", 1, len(mid))
    others = [_symbol(f"g{i}", len(mid) + 1 + 2 * i, len(mid) + 2 + 2 * i) for i in range(12)]
    files = {"m.py": FileEntry("python", len(text.splitlines()), (entry_mid, *others))}
    budget = 5000
    assert budget * body_cap(11) < count("\n".join(mid)) < budget * body_cap(5)
    early = [*(("m.py", s, "x") for s in others[:5]), ("m.py", entry_mid, "sixth"),
             *(("m.py", s, "x") for s in others[5:])]  # fmt: skip
    _, items = assemble(early, files, lambda p: text, [], [], budget_tokens=budget, count=count)
    assert any(i.kind == "body" and i.symbol == "mid" for i in items)
    late = [*(("m.py", s, "x") for s in others), ("m.py", entry_mid, "thirteenth")]
    _, items = assemble(late, files, lambda p: text, [], [], budget_tokens=budget, count=count)
    assert not any(i.kind == "body" and i.symbol == "mid" for i in items)
    assert sum(i.kind == "body" for i in items) == 12  # the small ones are all there


def test_a_big_class_is_not_added_as_a_body_for_its_method(ws: Path) -> None:
    methods = "".join(f"    def step_{i}(self):\n        return {i}\n\n" for i in range(60))
    engine = _write(ws, {
        "jobs/runner.py": "class Runner:\n" + methods + "    def cancel_job(self, job):\n        job.stop()\n",
        "jobs/small.py": "class Small:\n    def cancel_task(self, task):\n        task.stop()\n",
        **_unrelated(4),
    })  # fmt: skip
    from tierwise.context.rank import Hit

    retriever = engine.retriever()
    method_hits = [Hit(p, s, 1.0, "match") for p, s in retriever.docs
                   if s is not None and s.name in ("cancel_job", "cancel_task")]  # fmt: skip
    added = {h.symbol.qualname: h.why for h in retriever._expand(method_hits) if h.symbol}
    assert added.get("Small") == "encloses Small.cancel_task"  # a small class comes with its method
    assert "Runner" not in added  # a 60-method class does not: its outline shows its shape


def test_a_function_keeps_the_words_of_the_functions_nested_in_it() -> None:
    from tierwise.context.documents import _own_refs
    from tierwise.context.symbols import parse_file

    entry = parse_file(
        "def is_hidden(entry):\n    def check(name):\n        return name.startswith(dotfile_prefix)\n"
        "    return check(entry)\n\n\nclass Walker:\n    def visit(self, node):\n        return node.children\n",
        "python",
    )
    own = _own_refs(entry.symbols)
    assert "is_hidden" not in own  # a function's document keeps everything its body uses
    assert "visit" not in own.get("Walker", ("visit",)) and "children" not in own.get("Walker", ("children",))


def test_functions_of_an_inline_test_module_count_as_tests(ws: Path) -> None:
    engine = _write(ws, {
        "src/walk.rs": """
            pub fn hidden_entry(name: &str) -> bool {
                name.starts_with('.')
            }

            #[cfg(test)]
            mod tests {
                use super::*;

                #[test]
                fn hidden_entry_dot() {
                    assert!(hidden_entry(".git"));
                }
            }
            """,
        "src/other.rs": "pub fn unrelated() -> u32 {\\n    1\\n}\\n",
    })  # fmt: skip
    ranking = engine.rank(Query(task="check whether an entry is hidden"))
    scores = {h.symbol.qualname: h.score for h in ranking.symbols if h.symbol}
    assert scores["hidden_entry"] > scores["tests.hidden_entry_dot"] > 0
