"""The explore step: a cheap model picks, from a repo map and ranked candidates, the code the planner needs.

Its answer is small JSON validated with pydantic. An invalid or failed answer falls back to retrieval alone
with a note; files that do not exist, lie outside the workspace or lack the named definition are dropped
with a note. The call goes through ``PhaseContext.call`` like every call (ledger, budget, stored replies).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tierwise.context.types import Candidate, Pin, Query
from tierwise.engine.ports import ContextPort
from tierwise.engine.prompts import render_prompt
from tierwise.engine.session import PhaseContext
from tierwise.engine.state import TaskState
from tierwise.gateway.types import ModelCallFailed, NoModelConfigured

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
    variables = {
        "task": state.task,
        "repo_map": repo_map or "(empty)",
        "candidates": candidates_text(candidates),
        "files": ", ".join(query.named_files) or "(none)",
        "max_items": MAX_ITEMS,
    }
    messages = render_prompt("explore", variables, ctx.root)
    try:
        reply = await ctx.call(state, "plan", step, "explore", messages)
    except (ModelCallFailed, NoModelConfigured) as err:
        return ExploreResult(notes=[f"explore failed ({type(err).__name__}: {err}); using retrieval alone"])
    try:
        answer = parse_answer(reply.text)
    except ValueError as err:
        return ExploreResult(notes=[f"explore answer unusable: {err}; using retrieval alone"])
    return check_pins(port, answer)
