"""The symbol index: definitions, incremental updates, .gitignore, secrets, bad input, a broken store."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tierwise.context import ContextEngine
from tierwise.context.index import DEFAULT_MAX_FILES, Index
from tierwise.context.store import index_dir


def names(engine: ContextEngine, path: str) -> list[str]:
    entry = engine.index.entry(path)
    assert entry is not None, path
    return [s.qualname for s in entry.symbols]


def test_definitions_with_spans_signatures_and_docstrings(project: Path) -> None:
    engine = ContextEngine(project)
    engine.refresh()
    entry = engine.index.entry("shop/cart.py")
    assert entry is not None and entry.lang == "python"
    by_name = {s.qualname: s for s in entry.symbols}
    total = by_name["Cart.total"]
    assert total.kind == "method"
    lines = (project / "shop/cart.py").read_text().splitlines()
    assert lines[total.start - 1].strip().startswith("def total(")
    assert lines[total.end - 1].strip().startswith("return round_money(")
    assert total.doc == "The amount to pay, after the coupon's discount."
    assert {"apply_discount", "round_money"} <= set(total.refs)
    assert names(engine, "web/format.ts") == ["formatPrice"]
    assert names(engine, "web/app.ts") == ["CheckoutView", "CheckoutView.render"]
    readme = engine.index.entry("README.md")
    assert (
        readme is not None
        and readme.lang == "text"
        and [c.title for c in readme.chunks][:2] == ["# Shop", "A tiny shop."]
    )


def test_gitignore_and_secrets_are_never_indexed(project: Path) -> None:
    engine = ContextEngine(project)
    engine.refresh()
    indexed = set(engine.index.files())
    assert "ignored_dir/big.py" not in indexed and "run.log" not in indexed
    assert ".env" not in indexed and "deploy/server.pem" not in indexed
    assert "secrets file" in engine.skipped()[".env"]
    assert "secrets file" in engine.skipped()["deploy/server.pem"]
    stored = "".join(p.read_text() for p in index_dir(project).iterdir())
    assert "sk-very-secret-value" not in stored and "PRIVATE KEY" not in stored
    pack = engine.plan_pack("read the API_TOKEN from the environment", budget_tokens=4000)
    assert "sk-very-secret-value" not in pack.text


def test_incremental_update_reparses_only_changed_files(project: Path) -> None:
    engine = ContextEngine(project)
    first = engine.refresh()
    assert first.parsed == first.files > 5
    again = engine.refresh()
    assert again.parsed == 0 and again.reused == first.files
    shipping = project / "shop/shipping.py"
    shipping.write_text(
        shipping.read_text() + "\n\ndef free_shipping_threshold() -> float:\n    return 50.0\n"
    )
    (project / "shop/pricing.py").unlink()
    later = engine.refresh()
    assert later.parsed == 1 and later.removed == 1
    assert "free_shipping_threshold" in names(engine, "shop/shipping.py")
    # a new engine (a new process) reads the stored index and parses nothing
    fresh = ContextEngine(project)
    stats = fresh.refresh()
    assert stats.parsed == 0 and stats.rebuilt is None
    assert "free_shipping_threshold" in names(fresh, "shop/shipping.py")


def test_editor_text_updates_the_index_without_touching_the_disk(project: Path) -> None:
    engine = ContextEngine(project)
    engine.refresh()
    assert engine.update_text("shop/shipping.py", "def express_cost(kg):\n    return 9.0\n")
    assert names(engine, "shop/shipping.py") == ["express_cost"]
    assert "express_cost" not in (project / "shop/shipping.py").read_text()
    assert not engine.update_text("shop/shipping.py", "def express_cost(kg):\n    return 9.0\n")
    engine.refresh()  # a refresh keeps the buffer's text while it is open
    assert names(engine, "shop/shipping.py") == ["express_cost"]
    engine.clear_text("shop/shipping.py")
    engine.refresh()  # the disk wins again once the buffer is gone
    assert names(engine, "shop/shipping.py") == ["shipping_cost"]


def test_unparsable_files_keep_what_tree_sitter_found(ws: Path) -> None:
    (ws / "broken.py").write_text(
        "def good():\n    return 1\n\ndef bad(:\n    pass\n\nclass Later:\n    def m(self):\n        return 2\n"
    )
    (ws / "binary.dat").write_bytes(b"\x00\x01\x02" * 100)
    (ws / "latin.txt").write_bytes("caf\xe9".encode("latin-1"))
    (ws / "app.min.js").write_text("var a=1;" * 10)
    (ws / "long.js").write_text("var x = 1;" * 500)
    (ws / "gen_pb2.py").write_text("x = 1\n")
    (ws / "huge.py").write_text("x = 1\n" * 300_000)
    engine = ContextEngine(ws)
    stats = engine.refresh()
    entry = engine.index.entry("broken.py")
    assert entry is not None and entry.partial
    assert {"good", "Later.m"} <= {s.qualname for s in entry.symbols}
    skipped = engine.skipped()
    assert skipped["binary.dat"] == "binary file"
    assert skipped["latin.txt"] == "not UTF-8 text"
    assert "minified" in skipped["app.min.js"] and "minified" in skipped["long.js"]
    assert "generated" in skipped["gen_pb2.py"]
    assert "size limit" in skipped["huge.py"]
    assert stats.skipped == len(skipped)


def test_symlink_loops_and_links_outside_are_skipped(ws: Path, tmp_path: Path) -> None:
    (ws / "a.py").write_text("def a():\n    return 1\n")
    os.symlink(ws / "loop1", ws / "loop2")
    os.symlink(ws / "loop2", ws / "loop1")
    outside = tmp_path / "outside.py"
    outside.write_text("def secret_outside():\n    pass\n")
    os.symlink(outside, ws / "link.py")
    engine = ContextEngine(ws)
    engine.refresh()
    assert set(engine.index.files()) == {"a.py"}
    assert "link.py" in engine.skipped()


def test_files_vanishing_during_indexing_are_skipped(ws: Path) -> None:
    (ws / "a.py").write_text("def a():\n    return 1\n")

    def lister(root: Path, limit: int) -> list[str]:
        return ["a.py", "gone.py"]  # listed, then deleted before it is read

    engine = ContextEngine(ws, lister=lister)
    engine.refresh()
    assert set(engine.index.files()) == {"a.py"}
    assert engine.skipped()["gone.py"].startswith("unreadable")


def test_a_huge_workspace_is_capped_and_says_so(ws: Path) -> None:
    for i in range(30):
        (ws / f"m{i:02}.py").write_text(f"def f{i}():\n    return {i}\n")
    engine = ContextEngine(ws, max_files=10)
    stats = engine.refresh()
    assert stats.capped and stats.files == 10 and "more than 10 files" in stats.notes[0]
    assert any("capped" in n for n in engine.plan_pack("f3", budget_tokens=1000).notes)


def test_a_50000_file_workspace_is_capped_at_the_default_and_says_so(ws: Path) -> None:
    for i in range(40):
        (ws / f"m{i:05}.py").write_text(f"def f{i}():\n    return {i}\n")
    listed = [
        f"m{i:05}.py" for i in range(50_000)
    ]  # as git would list them (most vanish before they are read)
    seen: list[int] = []

    def lister(root: Path, limit: int) -> list[str]:
        seen.append(limit)
        return listed[:limit]

    engine = ContextEngine(ws, lister=lister)
    stats = engine.refresh()
    assert seen == [DEFAULT_MAX_FILES + 1]  # the listing itself stops at the cap
    assert stats.capped and f"more than {DEFAULT_MAX_FILES:,} files" in stats.notes[0]
    assert stats.files == 40 and stats.files + stats.skipped == DEFAULT_MAX_FILES
    assert any("capped" in n for n in engine.plan_pack("f3", budget_tokens=1000).notes)
    assert ContextEngine(ws, lister=lister).refresh().parsed == 0  # the capped index is saved and reused


def test_corrupt_or_old_index_is_rebuilt(project: Path) -> None:
    ContextEngine(project).refresh()
    manifest = index_dir(project) / "manifest.json"
    manifest.write_text("{not json")
    stats = ContextEngine(project).refresh()
    assert stats.rebuilt and "unreadable" in stats.rebuilt and stats.parsed == stats.files
    data = json.loads(manifest.read_text())
    data["version"] = 0
    manifest.write_text(json.dumps(data))
    stats = ContextEngine(project).refresh()
    assert stats.rebuilt and "version" in stats.rebuilt
    (index_dir(project) / "entries-0.json").write_text("[1, 2")
    for shard in index_dir(project).glob("entries-*.json"):
        shard.write_text('{"x": [1]}')
    stats = ContextEngine(project).refresh()
    assert stats.rebuilt and stats.parsed == stats.files
    assert "Cart.total" in names(ContextEngine(project), "shop/cart.py")


def test_index_without_git_walks_the_folder(ws: Path) -> None:
    (ws / "pkg").mkdir()
    (ws / "pkg" / "m.go").write_text("package pkg\n\n// Sum adds.\nfunc Sum(a, b int) int { return a + b }\n")
    (ws / "node_modules").mkdir()
    (ws / "node_modules" / "dep.js").write_text("function dep() {}\n")
    index = Index(ws)
    index.refresh()
    assert set(index.files()) == {"pkg/m.go"}
    symbol = index.files()["pkg/m.go"].symbols[0]
    assert (symbol.name, symbol.doc) == ("Sum", "Sum adds.")
