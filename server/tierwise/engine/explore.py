"""The explore step: a cheap model picks, from a repo map and ranked candidates, the code the planner needs.

Its answer is small JSON validated with pydantic. An invalid or failed answer falls back to retrieval alone
with a note; files that do not exist, lie outside the workspace or lack the named definition are dropped
with a note. The call goes through ``PhaseContext.call`` like every call (ledger, budget, stored replies).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tierwise.context.types import Candidate, Pin, Query
from tierwise.engine.ports import ContextPort, ModelPort
from tierwise.engine.prompts import render_prompt
from tierwise.engine.session import PhaseContext
from tierwise.engine.state import TaskState
from tierwise.gateway.types import GatewayError, Message, ModelCallFailed, NoModelConfigured

MAX_ITEMS = 12
CANDIDATES = 30
_JSON = re.compile(r"\{.*\}", re.S)


class ExploreItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    path: str = Field(min_length=1, max_length=400)
    symbol: str | None = Field(default=None, max_length=200)
    why: str = Field(default="", max_length=400)


class ExploreAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    items: list[ExploreItem] = Field(max_length=40)


@dataclass
class ExploreResult:
    pins: list[Pin] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_answer(text: str) -> ExploreAnswer:
    """The JSON object in a reply (code fences and prose around it are tolerated); raises ``ValueError``."""
    match = _JSON.search(text)
    if match is None:
        raise ValueError("the answer holds no JSON object")
    try:
        return ExploreAnswer.model_validate(json.loads(match.group(0)))
    except (json.JSONDecodeError, ValidationError) as err:
        raise ValueError(f"the answer is not valid explore JSON ({str(err).splitlines()[0]})") from None


def candidates_text(candidates: list[Candidate]) -> str:
    rows = []
    for number, c in enumerate(candidates, start=1):
        what = f"{c.kind} `{c.symbol}`: {c.signature}" if c.symbol else "file"
        rows.append(f"{number}. {c.path}:{c.line} {what}")
    return "\n".join(rows) or "(none)"


def check_pins(port: ContextPort, answer: ExploreAnswer) -> ExploreResult:
    result = ExploreResult()
    seen: set[tuple[str, str | None]] = set()
    for item in answer.items[:MAX_ITEMS]:
        path = item.path.strip().lstrip("./") if not item.path.startswith("../") else item.path
        symbol = (item.symbol or "").strip() or None
        problem = port.check_pin(path, symbol)
        if problem:
            result.notes.append(f"explore named {path}{' ' + symbol if symbol else ''}: dropped ({problem})")
            continue
        if (path, symbol) not in seen:
            seen.add((path, symbol))
            result.pins.append(Pin(path, symbol, f"chosen by explore: {item.why}".strip()))
    return result


def explore_messages(task: str, repo_map: str, candidates: list[Candidate], named_files: Sequence[str],
                     root: Path | None) -> list[Message]:  # fmt: skip
    """The explore prompt (``prompts/explore.md``) for a task, a repo map and the ranked candidates."""
    variables = {
        "task": task,
        "repo_map": repo_map or "(empty)",
        "candidates": candidates_text(candidates),
        "files": ", ".join(named_files) or "(none)",
        "max_items": MAX_ITEMS,
    }
    return render_prompt("explore", variables, root)


def interpret(port: ContextPort, text: str) -> ExploreResult:
    """Pins from a reply's text; an unusable answer gives no pins and a note (retrieval decides alone)."""
    try:
        answer = parse_answer(text)
    except ValueError as err:
        return ExploreResult(notes=[f"explore answer unusable: {err}; using retrieval alone"])
    return check_pins(port, answer)


async def run_explore(
    ctx: PhaseContext, state: TaskState, query: Query, *, step: str = "explore/1"
) -> ExploreResult:
    """Pins for the planner's context; never raises for a bad or failed answer (budget stops still do)."""
    port = ctx.context
    assert port is not None
    try:
        repo_map, candidates = await port.candidates(query, CANDIDATES)
    except Exception as err:  # noqa: BLE001 - no candidates: no explore call, retrieval decides alone
        return ExploreResult(notes=[f"explore skipped: no candidates ({type(err).__name__}: {err})"])
    messages = explore_messages(state.task, repo_map, candidates, query.named_files, ctx.root)
    try:
        reply = await ctx.call(state, "plan", step, "explore", messages)
    except (ModelCallFailed, NoModelConfigured) as err:
        return ExploreResult(notes=[f"explore failed ({type(err).__name__}: {err}); using retrieval alone"])
    return interpret(port, reply.text)


@dataclass
class ExplorePreview:
    """What the explore step would add to a plan's context, outside any task (``tierwise context --explore``):
    its picks and notes, and the call's tier, model, tokens and cost (``None`` when no call was answered)."""

    result: ExploreResult
    candidates: int = 0
    tier: str | None = None
    model: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0


async def preview_explore(models: ModelPort, port: ContextPort, query: Query, root: Path | None) -> ExplorePreview:
    """One explore call for ``query`` through ``models`` (the gateway: route ``explore``, its ledger and budget)
    with no task around it; a failed, refused or unusable answer is a note, as in the plan step."""
    try:
        repo_map, candidates = await port.candidates(query, CANDIDATES)
    except Exception as err:  # noqa: BLE001 - no candidates: no explore call
        return ExplorePreview(ExploreResult(notes=[f"explore skipped: no candidates ({type(err).__name__}: {err})"]))
    messages = explore_messages(query.task, repo_map, candidates, query.named_files, root)
    try:
        completion = await models.complete("explore", messages)
    except GatewayError as err:
        note = f"explore failed ({type(err).__name__}: {err}); using retrieval alone"
        return ExplorePreview(ExploreResult(notes=[note]), len(candidates))
    usage = completion.usage
    return ExplorePreview(interpret(port, completion.text), len(candidates), usage.tier, usage.model,
                          usage.tokens_in, usage.tokens_out, usage.cost_usd)  # fmt: skip
