"""The context benchmark's machinery on a tiny git repository made here: task selection from history,
changed-symbol detection, "full body shown" detection, scoring, and the committed corpus's validity.
No mirrors, no aider, no context engine needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.context import build_corpus, corpus, evaluate, measure, methods, selection  # noqa: E402

MOD_V1 = '''"""Tiny module."""


def parse(text):
    """Split on commas."""
    return text.split(",")


def total(values):
    result = 0
    for value in values:
        result += int(value)
    return result


class Cart:
    def __init__(self):
        self.items = []

    @property
    def size(self):
        return len(self.items)

    def add(self, item):
        self.items.append(item)
'''

MOD_V2 = MOD_V1.replace(
    "    result = 0\n    for value in values:\n",
    "    result = 0\n    for value in values:\n        if not value.strip():\n            continue\n",
).replace("    @property\n    def size", "    @property  # counted\n    def size")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _commit(repo: Path, message: str, files: dict[str, str]) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    repo = tmp_path_factory.mktemp("proj")
    _git(repo, "init", "-q")
    first = _commit(
        repo,
        "Initial version of the shop",
        {"shop/mod.py": MOD_V1, "tests/test_mod.py": "def test(): pass\n"},
    )
    fix = _commit(
        repo,
        "Skip blank values when adding up totals\n\nBlank entries raised ValueError.\n\nSigned-off-by: t <t@t>",
        {"shop/mod.py": MOD_V2, "tests/test_mod.py": "def test(): assert True\n"},
    )
    typo = _commit(
        repo, "docs: fix a typo in the module docstring", {"shop/mod.py": MOD_V2.replace("Tiny", "Small")}
    )
    new_file = _commit(
        repo,
        "Add a helper module for prices in cents",
        {"shop/prices.py": "def cents(x):\n    return x * 100\n"},
    )
    return {"repo": repo, "first": first, "fix": fix, "typo": typo, "new_file": new_file}


def test_selection_rules() -> None:
    assert selection.is_source("src/pkg/mod.py") and selection.is_source("cmd/root.go")
    assert not selection.is_source("tests/test_mod.py") and not selection.is_source("pkg/mod_test.go")
    assert not selection.is_source("docs/conf.py") and not selection.is_source("source/index.test.ts")
    assert selection.is_behaviour_subject("fix(tags): preserve explicitly empty platform iterables (#1360)")
    assert selection.is_behaviour_subject("ignore: add routine for checking if a path is hidden or not")
    assert not selection.is_behaviour_subject("ignore: more pathutil clean-up")  # 'ignore:' is a scope here
    assert not selection.is_behaviour_subject("docs: fix a typo in the module docstring")
    assert not selection.is_behaviour_subject("Bump version to 2.0.1 for the release")
    assert (
        selection.task_text("Fix x in y", "Body.\n\nSigned-off-by: a <a@b>\nCo-authored-by: c <c@d>")
        == "Fix x in y\n\nBody."
    )


def test_tasks_from_history_pick_the_behaviour_commit_and_its_changed_functions(
    history: dict[str, object],
) -> None:
    repo = history["repo"]
    tasks = build_corpus.tasks_of("someone/shop", Path(repo) / ".git", quota=10)  # type: ignore[operator]
    assert [t.commit for t in tasks] == [history["fix"]]  # the typo fix and the new-file commit are left out
    task = tasks[0]
    assert task.parent == history["first"]
    assert task.files == ["shop/mod.py"]  # the test file changed too but is not source
    assert task.text == "Skip blank values when adding up totals\n\nBlank entries raised ValueError."
    # the inserted lines are inside total(); the decorator line belongs to Cart.size, not to the class
    assert [(s.qualname, s.start_line, s.end_line) for s in task.symbols] == [
        ("total", 9, 13),
        ("Cart.size", 21, 22),
    ]


def test_checkout_and_scoring_on_the_parent(history: dict[str, object], tmp_path: Path) -> None:
    repo = Path(history["repo"])  # type: ignore[arg-type]
    task = build_corpus.tasks_of("someone/shop", repo / ".git", quota=1)[0]
    root = corpus.checkout(repo / ".git", task.parent, tmp_path / "co")
    assert (root / "shop/mod.py").read_text() == MOD_V1 and not (root / "shop/prices.py").exists()
    assert not (root / ".git").exists()  # an archive, the repository is only read
    files = ["shop/mod.py", "tests/test_mod.py"]
    code = evaluate.load_task_code(task, root, files)
    whole = methods.bm25_files(root, files, task.text)
    assert whole.notes["files"] == ["shop/mod.py"]  # tests are not searched
    scores = evaluate.score_plan(code, whole.text)
    assert scores["bodies"] == [True, True] and scores["skeleton"] == {"shop/mod.py": 1.0}
    tree = evaluate.score_plan(code, "shop/\n  mod.py\ntests/\n  test_mod.py")
    assert tree["bodies"] == [False, False] and tree["defs"] == [False, False]
    chunks = methods.bm25_chunks(root, files, "add up totals of values", k=1)
    one = evaluate.score_plan(code, chunks.text)
    assert one["bodies"] == [True, False]  # the top chunk is total(), whole; Cart.size is not in it


def test_full_body_detection_across_renderings() -> None:
    body = "def total(values):\n    result = 0\n\n    for value in values:\n        result += int(value)\n    return result"
    numbered = "\n".join(
        f"{i:>4} | {line}" for i, line in enumerate(["import os", "", *body.splitlines(), ""], start=40)
    )
    assert measure.ContextView(body).has_block(body)
    assert measure.ContextView("### shop/mod.py\n```python\n" + numbered + "\n```").has_block(body)
    assert measure.ContextView(
        "\n".join(f"{i}: {line}" for i, line in enumerate(body.splitlines(), 1))
    ).has_block(body)
    assert not measure.ContextView(body.replace("int(value)", "float(value)")).has_block(
        body
    )  # one line differs
    elided = "def total(values):\n    result = 0\n    ...\n    return result"
    assert not measure.ContextView(elided).has_block(body)  # a middle left out is not the full body
    aider = "shop/mod.py:\n⋮\n│def total(values):\n⋮\n│class Cart:"
    view = measure.ContextView(aider)
    assert not view.has_block(body) and view.has_line("def total(values):") and view.names_file("shop/mod.py")
    assert not measure.ContextView("bash_completions.go:").names_file("completions.go")
    assert measure.skeleton_coverage(
        view, "shop/mod.py", ["def total(values):", "class Cart:", "def parse(text):"]
    ) == pytest.approx(2 / 3)


def test_head_tail_cut_hides_a_middle_function(tmp_path: Path) -> None:
    """The implement-phase measure sees what tierwise's old 80,000-character cut does to a big file."""
    from tierwise.engine.context import file_block

    filler = [f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(4000)]
    text = "".join(filler[:2000]) + "def target(x):\n    return x * 42\n\n\n" + "".join(filler[2000:])
    (tmp_path / "big.py").write_text(text)
    start = text.splitlines().index("def target(x):") + 1
    task = corpus.Task(
        id="a/b@0000000000",
        repo="a/b",
        language="python",
        commit="1" * 40,
        parent="2" * 40,
        text="make target multiply by 42",
        files=["big.py"],
        lines_changed=1,
        symbols=[
            corpus.ChangedSymbol(
                file="big.py",
                name="target",
                qualname="target",
                kind="function",
                start_line=start,
                end_line=start + 1,
            )
        ],
    )
    code = evaluate.load_task_code(task, tmp_path, ["big.py"])
    assert evaluate.score_file_view(code, "big.py", file_block("big.py", text, max_chars=80_000)) == [False]
    assert evaluate.score_file_view(code, "big.py", file_block("big.py", text)) == [True]


def test_committed_corpus_validates() -> None:
    data = corpus.load()
    assert len(data.tasks) >= 50
    languages = {t.language for t in data.tasks}
    assert "python" in languages and len(languages - {"python"}) >= 3
    assert len({t.repo for t in data.tasks}) >= 8
    assert all(1 <= len(t.files) <= 3 and t.symbols for t in data.tasks)
    assert not {t.repo.lower() for t in data.tasks} & corpus.EXCLUDED_REPOS


def test_corpus_rejects_excluded_projects_and_bad_files(tmp_path: Path) -> None:
    good = corpus.load().tasks[0].model_dump()
    bad = tmp_path / "c.json"
    bad.write_text(
        '{"selection": {}, "tasks": ['
        + corpus.Task(**good).model_dump_json()
        + ","
        + corpus.Task(**good).model_dump_json()
        + "]}"
    )
    with pytest.raises(corpus.CorpusError, match="duplicate task ids"):
        corpus.load(bad)
    with pytest.raises(ValueError, match="independent check"):
        corpus.Task(**{**good, "repo": "pallets/click"})
    bad.write_text("{not json")
    with pytest.raises(corpus.CorpusError, match="c.json"):
        corpus.load(bad)
    with pytest.raises(corpus.CorpusError, match="no local clone of a/b"):
        corpus.git_dir("a/b", tmp_path)


def test_runner_end_to_end_on_a_bare_mirror(
    history: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bench.context.run` reads a mirror laid out as owner+name/repo, skips what is missing
    (here aider's environment) with a reason, and writes JSON plus Markdown tables."""
    import json

    from bench.context import run

    mirrors = tmp_path / "mirrors"
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(history["repo"]), str(mirrors / "someone+shop" / "repo")],
        check=True,
    )
    gdir = corpus.git_dir("someone/shop", mirrors)
    tasks = build_corpus.tasks_of("someone/shop", gdir, quota=5)
    path = tmp_path / "corpus.json"
    corpus.save(corpus.Corpus(selection={"test": True}, tasks=tasks), path)
    out = tmp_path / "out.json"
    code = run.main(
        [
            "--corpus",
            str(path),
            "--mirrors",
            str(mirrors),
            "--methods",
            "baseline,bm25-files,aider",
            "--aider-python",
            str(tmp_path / "no-such-python"),
            "--workdir",
            str(tmp_path / "work"),
            "--json",
            str(out),
        ]
    )
    assert code == 0
    data = json.loads(out.read_text())
    assert (
        data["methods"] == ["baseline", "bm25-files"]
        and "no aider virtual environment" in data["skipped"]["aider"]
    )
    record = data["records"][0]
    assert record["methods"]["baseline"]["bodies"] == [False, False]
    assert record["methods"]["bm25-files"]["bodies"] == [True, True]
    assert record["implement"]["baseline"] == {"shop/mod.py": [True, True]}
    assert record["methods"]["bm25-files"]["prompt_tokens"] > record["methods"]["baseline"]["prompt_tokens"]
    table = capsys.readouterr().out
    assert "| BM25 files, top 3 whole | **100%** (2/2)" in table and "skipped: no aider" in table


def test_a_file_without_definitions_has_no_skeleton_to_show() -> None:
    view = measure.ContextView("pkg/__init__.py\nfrom .a import b")
    assert measure.skeleton_coverage(view, "pkg/__init__.py", []) is None
    assert measure.skeleton_coverage(view, "pkg/a.py", ["def b():"]) == 0.0
