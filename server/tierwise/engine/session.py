"""What every phase shares: the ports, the task store, and model calls that are persisted before use.

``PhaseContext.call`` is the only way phases reach a model. Each call has a step key (``implement/2/r0``);
its reply and usage are written to the task folder before the phase acts on them, and a later run of the
same step (a resume after a crash, Ctrl-C or budget stop) reuses the stored reply instead of paying again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tierwise.config.model import Config
from tierwise.engine.artifacts import TaskStore
from tierwise.engine.ports import (
    CheckpointPort,
    CommandPort,
    ContextPort,
    FilesPort,
    ModelPort,
    Phase,
    ProgressEvent,
    RecordsWrites,
    UserPort,
)
from tierwise.engine.state import TaskState, UsageRecord
from tierwise.gateway.types import Message


@dataclass(frozen=True)
class Reply:
    text: str
    tier: str
    model: str
    cached: bool = False


def messages_digest(messages: Sequence[Message]) -> str:
    data = json.dumps([m.model_dump() for m in messages], sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass
class PhaseContext:
    root: Path
    config: Config
    models: ModelPort
    files: FilesPort
    ui: UserPort
    store: TaskStore
    commands: CommandPort | None = None
    checkpoints: CheckpointPort | None = None
    context: ContextPort | None = None
    _notified: set[str] = field(default_factory=set)

    # -- progress ------------------------------------------------------------------------------------
    def progress(
        self,
        state: TaskState,
        phase: Phase,
        message: str,
        *,
        tier: str | None = None,
        model: str | None = None,
        round: int | None = None,
        kind: str = "report",
    ) -> None:
        self.ui.progress(
            ProgressEvent(
                task_id=state.id,
                phase=phase,
                message=message,
                tier=tier,
                model=model,
                round=round,
                cost_usd=state.cost_usd,
                saved_usd=state.saved_usd,
                state=kind,  # type: ignore[arg-type]
            )
        )

    def save(self, state: TaskState) -> None:
        self.store.save(state)

    # -- model calls ---------------------------------------------------------------------------------
    async def call(
        self,
        state: TaskState,
        phase: Phase,
        step: str,
        action: str,
        messages: Sequence[Message],
        *,
        tier: str | None = None,
        round: int | None = None,
    ) -> Reply:
        """The reply for ``step``: the stored one when this step already ran, else a new (paid) call."""
        stored = self.store.load_reply(state.id, step)
        if stored is not None:
            text, meta = stored
            reply = Reply(text, str(meta.get("tier", "")), str(meta.get("model", "")), cached=True)
            state.last_tier, state.last_model = reply.tier or None, reply.model or None
            self.progress(state, phase, f"reusing the stored reply of step {step}", tier=reply.tier,
                          model=reply.model, round=round)
            return reply
        label_tier = tier or self.models.ladder(action)[0]
        try:
            label_model = self.models.model_for(label_tier)
        except Exception:  # noqa: BLE001 - a label only; the call itself reports real errors
            label_model = None
        self.progress(state, phase, f"{action}: asking {label_tier}", tier=label_tier, model=label_model,
                      round=round, kind="begin")
        completion = await self.models.complete(action, messages, task_id=state.id, tier=tier)
        usage = completion.usage
        meta: dict[str, object] = {
            "step": step,
            "action": action,
            "tier": usage.tier,
            "model": usage.model,
            "tokens_in": usage.tokens_in,
            "tokens_out": usage.tokens_out,
            "cost_usd": usage.cost_usd,
            "prompt_digest": messages_digest(messages),
        }
        self.store.save_reply(state.id, step, completion.text, meta)
        self.store.write_json(state.id, f"replies/{step.replace('/', '.')}.prompt.json",
                              [m.model_dump() for m in messages])
        record = UsageRecord(
            phase=phase,
            step=step,
            action=action,
            tier=usage.tier,
            model=usage.model,
            tokens_in=usage.tokens_in,
            tokens_out=usage.tokens_out,
            cost_usd=usage.cost_usd,
            saved_usd=usage.saved_usd,
            scripted=usage.scripted,
        )
        self.store.append_usage(state.id, record)
        state.record_usage(usage.tier, usage.model, usage.tokens_in, usage.tokens_out, usage.cost_usd,
                           usage.saved_usd)
        self.save(state)
        self.progress(
            state, phase,
            f"{action}: answered, {usage.tokens_in}+{usage.tokens_out} tokens, ${usage.cost_usd:.4f}",
            tier=usage.tier, model=usage.model, round=round, kind="end",
        )
        return Reply(completion.text, usage.tier, usage.model)

    # -- checkpoints ---------------------------------------------------------------------------------
    async def checkpoint(self, state: TaskState, paths: Sequence[str]) -> None:
        """Record files before the task first edits them (CheckpointPort, plus the engine's own copy)."""
        new = [p for p in dict.fromkeys(paths) if p not in state.touched_files]
        if not new:
            return
        for path in new:
            doc = await self.files.read(path)
            self.store.save_original(state.id, path, doc.text)
        if self.checkpoints is not None:
            self.checkpoints.checkpoint(state.id, new)
        state.touched_files.extend(new)
        self.save(state)

    async def record_written(self, state: TaskState, paths: Sequence[str]) -> None:
        """Remember what the task wrote (digests for the engine's undo, and the checkpoint's own record)."""
        if not paths:
            return
        for path in paths:
            doc = await self.files.read(path)
            state.written[path] = text_digest(doc.text)
        if isinstance(self.checkpoints, RecordsWrites):
            self.checkpoints.record_written(state.id, list(paths))
        self.save(state)


def text_digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
