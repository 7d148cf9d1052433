"""The search structures kept across index generations equal the ones built from nothing, to the bit.

``SearchCache`` reuses each unchanged file's part and assembles the BM25 matrices and the reference graph
with numpy; the rankings, hence the packs, must not move by a single float. These tests compare it with
``bm25s.BM25.index`` and with a retriever built from nothing after every kind of change.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import bm25s
import numpy as np

from tierwise.context import ContextEngine, search_store
from tierwise.context.graph import build_graph, definers_by_name
from tierwise.context.model import FileEntry, Symbol
from tierwise.context.rank import Retriever, file_documents
from tierwise.context.search_cache import SearchCache
from tierwise.context.store import index_dir
from tierwise.context.types import Query

TASKS = (
    "round the cart total and apply the coupon discount",
    "shipping_cost should charge more for heavy parcels abroad",
    "`Cart.add_item` must reject a zero quantity",
    "parse the invoice lines and format the receipt",
)


def _corpus(rng: random.Random, files: int) -> dict[str, tuple[list[list[str]], list[str]]]:
    words = [f"w{i}" for i in range(60)] + ["_empty_"]
    corpus = {}
    for number in range(files):
        docs = [[rng.choice(words[: rng.randint(3, 60)]) for _ in range(rng.randint(1, 30))]
                for _ in range(rng.randint(0, 6))]  # fmt: skip
        corpus[f"pkg/m{number:03}.py"] = (docs, [rng.choice(words) for _ in range(rng.randint(1, 80))])
    return corpus


def _entry(count: int) -> FileEntry:
    return FileEntry("python", 10, tuple(Symbol(f"f{i}", f"f{i}", "function", i + 1, i + 1, i + 1, "")
                                         for i in range(count)))  # fmt: skip


def test_bm25_scores_are_bit_identical_to_bm25s_index() -> None:
    rng = random.Random(7)
    corpus = _corpus(rng, 40)
    files = {path: _entry(len(docs)) for path, (docs, _) in sorted(corpus.items())}
    cache = SearchCache()
    for step in range(4):
        built = cache.build(files, lambda path, entry: corpus[path])
        sym_docs = [doc for path in files for doc in corpus[path][0]]
        file_docs = [corpus[path][1] for path in files]
        for model, docs in ((built.sym_bm25, sym_docs), (built.file_bm25, file_docs)):
            reference = bm25s.BM25()
            reference.index(docs, show_progress=False)
            for _ in range(25):
                query = [
                    rng.choice(sorted(set(reference.vocab_dict) - {""})) for _ in range(rng.randint(1, 6))
                ]
                expected = reference.get_scores([t for t in query if t in reference.vocab_dict])
                got = model.get_scores([t for t in query if t in built.vocab])
                assert got.dtype == expected.dtype and np.array_equal(got, expected)
        # the next generation: one file changed, one removed, one added (the others keep their parts)
        changed = sorted(files)[step]
        corpus[changed] = _corpus(rng, 1)["pkg/m000.py"]
        files[changed] = _entry(len(corpus[changed][0]))
        del files[sorted(files)[-1]]
        corpus[f"pkg/new{step}.py"] = _corpus(rng, 1)["pkg/m000.py"]
        files[f"pkg/new{step}.py"] = _entry(len(corpus[f"pkg/new{step}.py"][0]))
        files = dict(sorted(files.items()))


def _same_structures(kept: Retriever, fresh: Retriever) -> None:
    assert kept.docs == fresh.docs and kept.paths == fresh.paths
    assert kept.definers == fresh.definers == definers_by_name(fresh.files)
    graph = build_graph(fresh.files, fresh.definers)
    for got in (kept.graph, fresh.graph):
        assert got.paths == graph.paths
        for field in ("src", "dst", "weight", "dangling"):
            assert np.array_equal(getattr(got, field), getattr(graph, field)), field
    names = {s.name for _, s in fresh.docs} | {s.qualname for _, s in fresh.docs}
    refs = {r for _, s in fresh.docs for r in s.refs}
    for name in sorted(names | refs | {"no_such_name"}):
        assert kept.by_qualname.get(name) == fresh.by_qualname.get(name)
        assert (name in kept.by_qualname) == (name in fresh.by_qualname)
        assert kept._defined.get(name) == fresh._defined.get(name)
        assert kept._users.get(name) == fresh._users.get(name)
        assert kept.callers(name) == [(p, s) for p, s in fresh.docs if name in s.refs]
    for path, symbol in fresh.docs:
        if "." in symbol.qualname:
            key = (path, symbol.qualname.rsplit(".", 1)[0])
            assert kept._members.get(key) == fresh._members.get(key)
    for task in TASKS:
        a, b = kept.rank(Query(task=task)), fresh.rank(Query(task=task))
        assert [(h.path, h.symbol, repr(h.score), h.why) for h in a.symbols] == [
            (h.path, h.symbol, repr(h.score), h.why) for h in b.symbols
        ]
        assert [(h.path, repr(h.score), h.why) for h in a.files] == [
            (h.path, repr(h.score), h.why) for h in b.files
        ]


def test_structures_kept_across_changes_equal_a_fresh_build(project: Path) -> None:
    engine = ContextEngine(project)
    engine.refresh()

    def check() -> None:
        kept = engine.retriever()
        _same_structures(kept, Retriever(engine.index.files()))
        for task in TASKS:  # and the pack equals a new engine's (which builds everything from nothing)
            assert (
                engine.plan_pack(task, budget_tokens=2500).text
                == ContextEngine(project, persist=False).plan_pack(task, budget_tokens=2500).text
            )

    check()
    pricing = project / "shop" / "pricing.py"
    pricing.write_text(pricing.read_text() + "\n\ndef format_receipt(lines):\n    return round_money(0)\n")
    engine.refresh()
    check()
    # a new file defines a name other files use: their graph edges change although they did not
    (project / "shop" / "invoice.py").write_text(
        "class Cart:\n    def add_item(self, name):\n        return shipping_cost(1, name)\n\n"
        "def apply_discount(amount, coupon):\n    return amount\n"
    )
    engine.refresh()
    check()
    (project / "shop" / "shipping.py").unlink()
    engine.refresh()
    check()
    engine.update_text(
        "shop/cart.py", (project / "shop" / "cart.py").read_text() + "\n\ndef parse_invoice():\n    pass\n"
    )
    _same_structures(engine.retriever(), Retriever(engine.index.files()))


def test_an_earlier_generation_keeps_answering_for_its_own_files(project: Path) -> None:
    engine = ContextEngine(project)
    engine.refresh()
    before = engine.retriever()
    expected = Retriever(engine.index.files())
    (project / "shop" / "extra.py").write_text("def apply_discount(x, coupon):\n    return round_money(x)\n")
    engine.refresh()
    assert engine.retriever() is not before
    _same_structures(before, expected)  # its name maps were not changed under it by the new generation


def test_a_new_process_restores_the_saved_parts_and_recomputes_the_changed_files(project: Path) -> None:
    first = ContextEngine(project)
    first.refresh()
    first.retriever()  # builds, then saves the parts
    first.flush()
    assert (index_dir(project) / search_store.FILE).is_file()
    pricing = project / "shop" / "pricing.py"
    pricing.write_text(
        pricing.read_text() + "\n\ndef shipping_cost(weight):\n    return round_money(weight)\n"
    )
    (project / "shop" / "shipping.py").unlink()
    (project / "shop" / "invoice.py").write_text("def format_receipt(cart):\n    return cart.total()\n")
    second = ContextEngine(project)
    second.refresh()
    probe = SearchCache()
    restored = search_store.load(
        index_dir(project), probe, second.index.files(), second.index.snapshot()[2], file_documents
    )
    assert restored == len(second.index.files()) - 2  # all but the changed and the new file
    _same_structures(second.retriever(), Retriever(second.index.files()))


def test_a_damaged_or_foreign_snapshot_is_ignored(project: Path) -> None:
    engine = ContextEngine(project)
    engine.refresh()
    engine.retriever()
    engine.flush()
    snapshot = index_dir(project) / search_store.FILE
    files, digests = engine.index.files(), engine.index.snapshot()[2]
    assert search_store.load(index_dir(project), SearchCache(), files, digests, file_documents) == len(files)
    with np.load(snapshot) as stored:
        arrays = {name: stored[name] for name in stored.files}

    def write(**changes: np.ndarray) -> None:
        np.savez(snapshot.with_suffix(""), **{**arrays, **changes})  # savez adds ".npz"

    def packed(value: object) -> np.ndarray:
        return np.frombuffer(search_store._json_lines(value), dtype=np.uint8)

    write(code=packed("another version of the ranking code"))
    assert search_store.load(index_dir(project), SearchCache(), files, digests, file_documents) == 0
    write(version=packed(1))  # an older format
    assert search_store.load(index_dir(project), SearchCache(), files, digests, file_documents) == 0
    old = {k: v for k, v in arrays.items() if k not in ("version", "code", "files", "vocab", "definers")}
    np.savez(snapshot.with_suffix(""), **old, meta=np.frombuffer(json.dumps({"version": 1}).encode(), dtype=np.uint8))
    assert search_store.load(index_dir(project), SearchCache(), files, digests, file_documents) == 0
    write(vocab=arrays["vocab"][:-3])  # a cut line
    assert search_store.load(index_dir(project), SearchCache(), files, digests, file_documents) == 0
    write(sym_term=arrays["sym_term"][:-1])  # counts that do not add up
    assert search_store.load(index_dir(project), SearchCache(), files, digests, file_documents) == 0
    write(edge_dst=arrays["edge_dst"] + 10_000)  # an edge to a file that does not exist
    assert search_store.load(index_dir(project), SearchCache(), files, digests, file_documents) == 0
    snapshot.write_bytes(b"PK\x03\x04 not a zip")
    assert search_store.load(index_dir(project), SearchCache(), files, digests, file_documents) == 0
    fresh = ContextEngine(project)  # and the engine builds from the index, as if there were no snapshot
    fresh.refresh()
    _same_structures(fresh.retriever(), Retriever(fresh.index.files()))


def test_path_helpers_by_string_operations_equal_pathlib() -> None:
    from pathlib import PurePosixPath

    from tierwise.context.rank import _file_stem, _path_forms

    for path in (
        "src/a/b.py",
        "a/.bashrc",
        "b/x.",
        "c/..",
        "d/.x.y",
        "noext",
        "f/a.b.c",
        ".hidden",
        "pkg/__init__.py",
    ):
        assert _file_stem(path) == PurePosixPath(path).stem
        assert (
            PurePosixPath(path).name.lower() in (*_path_forms(path), path.lower())
            or len(PurePosixPath(path).name) <= 6
        )


def test_bm25_with_a_vocabulary_over_65536_terms_is_bit_identical_too() -> None:
    rng = random.Random(11)  # past 2**16 terms the score matrix is sorted by (term, document) pairs instead
    corpus = {f"f{n:03}.py": ([[f"t{rng.randrange(80_000)}" for _ in range(400)] for _ in range(3)], [f"t{n}"])
              for n in range(120)}  # fmt: skip
    files = {path: _entry(3) for path in sorted(corpus)}
    built = SearchCache().build(files, lambda path, entry: corpus[path])
    assert len(built.vocab) > 1 << 16
    reference = bm25s.BM25()
    reference.index([doc for path in files for doc in corpus[path][0]], show_progress=False)
    for _ in range(20):
        query = [f"t{rng.randrange(80_000)}" for _ in range(5)]
        expected = reference.get_scores([t for t in query if t in reference.vocab_dict] or ["t0"])
        got = built.sym_bm25.get_scores([t for t in query if t in reference.vocab_dict] or ["t0"])
        assert np.array_equal(got, expected)


def test_parts_counted_for_many_files_at_once_equal_parts_counted_one_file_at_a_time() -> None:
    """The first build counts every file's terms in one ``np.unique`` (tierwise.context.search_cache: one call
    per file starved a language server's event loop); each file's part must equal the one its own build
    makes — files without definitions, definitions with empty documents and empty file documents included."""
    rng = random.Random(11)
    corpus = _corpus(rng, 30)
    corpus["pkg/m000.py"] = ([[], ["w1", "w1"], []], [])
    corpus["pkg/m001.py"] = ([], ["w2"])
    files = {path: _entry(len(docs)) for path, (docs, _) in sorted(corpus.items())}
    together = SearchCache()
    together.build(files, lambda path, entry: corpus[path])
    alone = SearchCache()
    grown: dict[str, FileEntry] = {}
    for path, entry in files.items():  # one new file per generation: every build counts a single file
        grown[path] = entry
        alone.build(grown, lambda p, e: corpus[p])
    assert together.vocab == alone.vocab
    for path in files:
        a, b = together._parts[path], alone._parts[path]
        for field in ("sym_doc", "sym_term", "sym_tf", "sym_len", "file_term", "file_tf"):
            x, y = getattr(a, field), getattr(b, field)
            assert x.dtype == y.dtype and x.tolist() == y.tolist(), (path, field)
        assert a.file_len == b.file_len


def test_a_limited_ranking_equals_the_first_hits_of_a_full_one(tmp_path: Path) -> None:
    """``rank(query, limit)`` makes hits only for what can sort among the first ``limit``; with many equal
    scores (identical files) the first ``limit`` must still be the full ranking's, in the same order."""
    for number in range(60):
        (tmp_path / f"mod_{number:02}.py").write_text(
            "".join(f"def handler_{j}(request):\n    return parse(request) + {j}\n\n\n" for j in range(8))
            + "def parse(request):\n    return request.body\n"
        )
    engine = ContextEngine(tmp_path, persist=False)
    retriever = engine.retriever()
    for task in ("parse the request body", "`handler_3` returns the wrong value", "mod_07.py handler"):
        for query in (Query(task=task), Query(task=task, open_files=("mod_01.py",))):
            full = retriever.rank(query)
            for limit in (1, 7, 40):
                limited = retriever.rank(query, limit)
                same = [(h.path, h.symbol, h.score, h.why) for h in full.symbols[:limit]]
                assert [(h.path, h.symbol, h.score, h.why) for h in limited.symbols[:limit]] == same
                assert limited.files == full.files
            assert retriever.ranked(query, 40) is retriever.ranked(query, 40)  # remembered per query


def test_the_snapshot_metadata_is_written_in_bounded_lines(project: Path, monkeypatch) -> None:  # noqa: ANN001
    """Vocabulary, definers and file rows are JSON lines of at most ``JSON_LINE_ITEMS`` items (one ``json``
    call over all of them held the GIL for 40+ ms on a large repository); they read back the same."""
    monkeypatch.setattr(search_store, "JSON_LINE_ITEMS", 3)
    engine = ContextEngine(project)
    engine.refresh()
    engine.retriever()
    engine.flush()
    with np.load(index_dir(project) / search_store.FILE) as stored:
        vocab = stored["vocab"].tobytes()
    assert vocab.count(b"\n") >= 2 and all(len(json.loads(line)) <= 3 for line in vocab[1:].split(b"\n"))
    for value in ([], {}, [1, 2, 3, 4, 5, 6, 7], {str(i): [i] for i in range(8)}, "x", 2):
        assert search_store._read_json_lines(search_store._json_lines(value)) == value
    second = ContextEngine(project)  # restores every part from the lines
    second.refresh()
    files, digests = second.index.files(), second.index.snapshot()[2]
    assert search_store.load(index_dir(project), SearchCache(), files, digests, file_documents) == len(files)
