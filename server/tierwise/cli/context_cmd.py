"""`tierwise context "TASK"`: what the planner would see for a task, and why each piece was picked.

Builds or updates the index (``.tierwise/context/``), then prints the plan's context pack as retrieval
alone builds it. ``--explore`` also makes the explore call (route ``explore``, through the gateway with the
workspace's configuration: ledger, budget) and shows its picks, their reasons, the call's cost and, when it
fails or answers badly, the fallback note; the pack then holds its picks first, as the plan's would. Without
``--explore`` nothing is sent anywhere. ``--why`` adds every item's reason and token count and the files
left out of the index with their reasons. Exit codes: 0 ok, 2 usage or configuration error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tierwise.cli.config_cmd import resolve_or_exit, workspace_option
from tierwise.context.types import Query

if TYPE_CHECKING:
    from tierwise.config.model import Config
    from tierwise.context.port import WorkspaceContext
    from tierwise.engine.explore import ExplorePreview


@click.command("context")
@click.argument("task")
@workspace_option
@click.option(
    "--file", "-f", "files", multiple=True, help="A file the task is about (repeatable), as --file in plan."
)
@click.option(
    "--budget",
    type=click.IntRange(min=100),
    default=None,
    help="Token budget (default: from the plan route's context window and [context]).",
)
@click.option("--why", is_flag=True, help="Show why each item was picked, its tokens, and the skipped files.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (items, text, skipped files, index stats).")
@click.option("--explore", "explore", is_flag=True,
              help="Also run the explore step (a cheap-tier model call, route 'explore') and show what it adds.")
def context_command(task: str, workspace: Path, files: tuple[str, ...], budget: int | None, why: bool,
                    as_json: bool, explore: bool) -> None:  # fmt: skip
    """Print the code the planner would see for TASK (files, symbols, tokens, why)."""
    from tierwise.context.port import WorkspaceContext

    root = workspace.resolve()
    config = resolve_or_exit(root).config
    port = WorkspaceContext(root, config)
    stats = port.refresh_sync()
    tokens = budget or port.budget("plan", "plan")
    named = [Path(f).resolve().relative_to(root).as_posix() if Path(f).is_absolute() else Path(f).as_posix()
             for f in files]  # fmt: skip
    query = Query(task=task, named_files=tuple(named))
    preview = _explore(root, config, port, query, tokens) if explore else None
    pins = preview.result.pins if preview is not None else []
    pack = port.engine.pack(query, budget_tokens=tokens, pins=pins)
    skipped = port.engine.skipped()
    if as_json:
        click.echo(json.dumps({
            "budget_tokens": tokens, "tokens": pack.tokens, "text": pack.text,
            **({"explore": _explore_json(preview)} if preview is not None else {}),
            "items": [{"path": i.path, "symbol": i.symbol, "kind": i.kind, "tokens": i.tokens, "why": i.why,
                       "lines": list(i.lines) if i.lines else None} for i in pack.items],
            "skipped": skipped,
            "index": {"files": stats.files, "parsed": stats.parsed, "skipped": stats.skipped, "capped": stats.capped,
                      "seconds": round(stats.seconds, 3), "rebuilt": stats.rebuilt, "notes": stats.notes},
        }, indent=2))  # fmt: skip
        return
    click.echo(f"Index: {stats.files} files ({stats.parsed} parsed now, {stats.skipped} skipped) in "
               f"{stats.seconds:.2f}s" + (f"; rebuilt: {stats.rebuilt}" if stats.rebuilt else ""))  # fmt: skip
    for note in [*stats.notes, *pack.notes]:
        click.echo(f"Note: {note}")
    if preview is not None:
        _print_explore(preview)
    ran = "explore's picks first" if pins else ("explore not run here" if preview is None else "no explore pick")
    click.echo(f"Context: {pack.tokens} of {tokens} tokens, {len(pack.items)} items ({ran})\n")
    if why:
        click.echo("Items:")
        for item in pack.items:
            where = f"{item.path}" + (f" {item.symbol}" if item.symbol else "")
            lines = f" lines {item.lines[0]}-{item.lines[1]}" if item.lines else ""
            click.echo(f"  {item.kind:<8} {item.tokens:>6} tok  {where}{lines}: {item.why}")
        click.echo("\nSkipped files:" if skipped else "\nSkipped files: none")
        for path, reason in sorted(skipped.items()):
            click.echo(f"  {path}: {reason}")
        click.echo("")
    click.echo(pack.text or "(no indexed code matched the task)")


def _explore(root: Path, config: Config, port: WorkspaceContext, query: Query, budget: int) -> ExplorePreview:
    """The explore call as the plan step makes it (same prompt, route and fallback), outside any task."""
    import asyncio
    import os

    from tierwise.engine.explore import ExplorePreview, ExploreResult, preview_explore

    if config.context.explore == "off":
        return ExplorePreview(ExploreResult(notes=['explore is off in the configuration ([context] explore = "off"): '
                                                   "no call made"]))  # fmt: skip
    from tierwise.gateway import ModelGateway

    preview = asyncio.run(preview_explore(ModelGateway(config, root, env=dict(os.environ)), port, query, root))
    if port.indexed_tokens() <= budget:
        preview.result.notes.append(
            "the plan step would not run explore here: the indexed code fits the plan budget"
        )
    return preview


def _explore_json(preview: ExplorePreview) -> dict[str, object]:
    return {
        "picks": [{"path": p.path, "symbol": p.symbol, "why": p.why} for p in preview.result.pins],
        "notes": preview.result.notes, "candidates": preview.candidates, "tier": preview.tier,
        "model": preview.model, "tokens_in": preview.tokens_in, "tokens_out": preview.tokens_out,
        "cost_usd": preview.cost_usd,
    }  # fmt: skip


def _print_explore(preview: ExplorePreview) -> None:
    if preview.tier is not None:
        click.echo(f"Explore: {preview.tier} ({preview.model}), {preview.tokens_in}+{preview.tokens_out} tokens, "
                   f"${preview.cost_usd:.4f}; {len(preview.result.pins)} picks of {preview.candidates} candidates")  # fmt: skip
    else:
        click.echo("Explore: no answer used")
    for pin in preview.result.pins:
        click.echo(f"  pick     {pin.path}" + (f" {pin.symbol}" if pin.symbol else "") + f": {pin.why}")
    for note in preview.result.notes:
        click.echo(f"  note     {note}")
