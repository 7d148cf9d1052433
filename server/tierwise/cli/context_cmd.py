"""`tierwise context "TASK"`: what the planner would see for a task, and why each piece was picked.

Builds or updates the index (``.tierwise/context/``), then prints the plan's context pack as retrieval
alone builds it (the explore route is a model call and is not made here). ``--why`` adds every item's
reason and token count and the files left out of the index with their reasons. Exit codes: 0 ok, 2 usage
or configuration error.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from tierwise.cli.config_cmd import resolve_or_exit, workspace_option


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
def context_command(task: str, workspace: Path, files: tuple[str, ...], budget: int | None, why: bool,
                    as_json: bool) -> None:  # fmt: skip
    """Print the code the planner would see for TASK (files, symbols, tokens, why)."""
    from tierwise.context.port import WorkspaceContext

    root = workspace.resolve()
    config = resolve_or_exit(root).config
    port = WorkspaceContext(root, config)
    stats = port.refresh_sync()
    tokens = budget or port.budget("plan", "plan")
    named = [Path(f).resolve().relative_to(root).as_posix() if Path(f).is_absolute() else Path(f).as_posix()
             for f in files]  # fmt: skip
    pack = port.engine.plan_pack(task, budget_tokens=tokens, named_files=named)
    skipped = port.engine.skipped()
    if as_json:
        click.echo(json.dumps({
            "budget_tokens": tokens, "tokens": pack.tokens, "text": pack.text,
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
    click.echo(f"Context: {pack.tokens} of {tokens} tokens, {len(pack.items)} items (explore not run here)\n")
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
