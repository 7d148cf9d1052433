from __future__ import annotations

import re
from pathlib import Path

import pytest

from tierwise.config.model import ACTIONS
from tierwise.engine.context import estimate_tokens, files_section, read_conventions, repo_tree
from tierwise.engine.ports import Document
from tierwise.engine.prompts import (
    PREFIX,
    PREFIX_ACTIONS,
    PROMPT_VARIABLES,
    PromptError,
    prompt_path,
    render_prompt,
    split_roles,
    varying_tail,
)
from tierwise.headless.files import DiskFiles

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_has_a_template_that_renders(action: str, tmp_path: Path) -> None:
    values = {name: f"<{name}-value>" for name in PROMPT_VARIABLES[action]}
    prefix = {name: f"<{name}-value>" for name in PROMPT_VARIABLES[PREFIX]} if action in PREFIX_ACTIONS else None
    messages = render_prompt(action, values, tmp_path, prefix=prefix)
    assert messages[0].role == "system" and messages[-1].role == "user"
    text = "\n".join(m.content for m in messages)
    used = {name for name in PROMPT_VARIABLES[action] if f"<{name}-value>" in text}
    assert used, f"{action} uses none of its variables"
    assert "<!--" not in text and "$" not in re.sub(r"\$\$", "", text)


@pytest.mark.parametrize("action", [*ACTIONS, PREFIX])
def test_docs_list_every_variable_of_every_template(action: str) -> None:
    docs = (REPO / "docs" / "prompts.md").read_text(encoding="utf-8")
    section = docs.split(f"## {action}\n", 1)
    assert len(section) == 2, f"docs/prompts.md has no '## {action}' section"
    body = section[1].split("\n## ", 1)[0]
    template = prompt_path(action).read_text(encoding="utf-8")
    for name in set(re.findall(r"\$\{?([a-z_]+)", template)):
        assert f"`${name}`" in body, f"docs/prompts.md does not document ${name} of {action}"


def test_workspace_override_wins_and_unknown_variables_are_named(tmp_path: Path) -> None:
    folder = tmp_path / ".tierwise" / "prompts"
    folder.mkdir(parents=True)
    (folder / "summarize.md").write_text("<!-- # doc -->\nShort.\n<!-- user -->\nLog: $log costs $$5\n")
    messages = render_prompt("summarize", {"log": "boom"}, tmp_path)
    assert [m.content for m in messages] == ["Short.", "Log: boom costs $5"]
    (folder / "summarize.md").write_text("<!-- user -->\n$logs\n")
    with pytest.raises(PromptError, match=r"summarize\.md: unknown variable \$logs"):
        render_prompt("summarize", {}, tmp_path)
    (folder / "summarize.md").write_text("only a system part\n")
    with pytest.raises(PromptError, match="no '<!-- user -->' section"):
        render_prompt("summarize", {}, tmp_path)


def test_unknown_action_is_refused() -> None:
    with pytest.raises(PromptError, match="unknown prompt action"):
        prompt_path("../../etc/passwd")


def test_split_roles_keeps_order() -> None:
    assert split_roles("a\n<!-- user -->\nb\n<!-- system -->\nc") == [("system", "a"), ("user", "b"), ("system", "c")]


def test_repo_tree_collapses_deep_folders_to_fit_the_budget() -> None:
    paths = [f"pkg/sub{i}/deep/mod{j}.py" for i in range(30) for j in range(10)] + ["README.md"]
    full = repo_tree(paths, budget_tokens=100_000)
    assert "mod9.py" in full
    small = repo_tree(paths, budget_tokens=300)
    assert estimate_tokens(small) <= 300
    assert "README.md" in small and "files)" in small


def test_repo_tree_empty() -> None:
    assert repo_tree([]) == "(empty workspace)"


def test_files_section_respects_the_budget() -> None:
    docs = [Document("a.py", "x = 1\n"), Document("big.py", "y = 2\n" * 5000), Document("c.py", None)]
    text = files_section(docs, budget_tokens=200)
    assert "### a.py" in text and "Not shown (over the context budget): big.py" in text
    assert "does not exist yet" in text


async def test_conventions_file_is_found(tmp_path: Path) -> None:
    files = DiskFiles(tmp_path)
    assert await read_conventions(files) == "(no conventions file)"
    (tmp_path / "CONVENTIONS.md").write_text("Use type hints.\n")
    assert await read_conventions(files) == "From CONVENTIONS.md:\nUse type hints."
    (tmp_path / "AGENTS.md").write_text("Small functions.\n")
    assert (await read_conventions(files)).startswith("From AGENTS.md:")


def _prefix_values(plan: str = "the plan") -> dict[str, str]:
    return {name: f"<{name}>" for name in PROMPT_VARIABLES[PREFIX] if name != "edit_format"} | {"plan": plan}


@pytest.mark.parametrize("action", PREFIX_ACTIONS)
def test_task_phases_start_with_one_shared_prefix_in_a_fixed_order(action: str, tmp_path: Path) -> None:
    values = {name: f"[{name}]" for name in PROMPT_VARIABLES[action]}
    messages = render_prompt(action, values, tmp_path, prefix=_prefix_values())
    head = render_prompt("plan", {}, tmp_path, prefix=_prefix_values())[:3]
    assert messages[:3] == head  # the same bytes for every phase
    # the task's context and the plan are stable parts of their own: a breakpoint after each
    assert head[0].role == "system" and head[1].cache_break and head[2].cache_break
    text = head[1].content
    order = [text.index(f"<{name}>") for name in ("conventions", "repo_tree", "files", "context", "task")]
    assert order == sorted(order) and text.rstrip().endswith("<task>")
    assert "<plan>" not in text and head[2].content.rstrip().endswith("the plan")
    assert "<edit_format>" not in head[0].content and "<<<<<<< SEARCH" in head[0].content


@pytest.mark.parametrize("action", ["implement", "fix", "review", "quickfix"])
def test_what_varies_comes_after_the_last_stable_part(action: str, tmp_path: Path) -> None:
    values = {name: f"[{name}]" for name in PROMPT_VARIABLES[action]}
    prefix = _prefix_values() if action in PREFIX_ACTIONS else None
    messages = render_prompt(action, values, tmp_path, prefix=prefix)
    varying = {"implement": "[file_text]", "fix": "[log]", "review": "[diff]", "quickfix": "[diagnostic]"}[action]
    tail = varying_tail(messages)
    assert tail and varying in tail[-1].content
    assert all(varying not in m.content for m in messages[: len(messages) - len(tail)])


def test_implement_calls_for_different_files_share_everything_before_the_file(tmp_path: Path) -> None:
    def render(path: str) -> list:
        values = {"path": path, "file_text": f"text of {path}", "context_files": "[ctx]", "action": "modify"}
        return render_prompt("implement", values, tmp_path, prefix=_prefix_values())

    one, two = render("a.py"), render("b.py")
    assert len(one) == len(two) == 5
    assert one[:4] == two[:4] and [m.cache_break for m in one] == [False, True, True, True, False]
    assert "[ctx]" in one[3].content and "a.py" in one[4].content
