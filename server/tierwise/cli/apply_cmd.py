"""``tierwise apply``: apply a model reply's edit blocks to a workspace (or report them with --dry-run).

Exit codes: 0 every block applied, 1 some block refused or no block found (refused files are left
untouched), 2 usage error (unreadable reply file, missing workspace).
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import click

from tierwise.config_guard import tierwise_config_reason
from tierwise.edits import EditResult, parse_reply, plan_edits, workspace_file_exists, write_result


def _read_reply(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        raise click.UsageError(f"reply file not found: {source}")
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise click.UsageError(f"cannot read {source}: {err}") from err


def report_rows(result: EditResult) -> list[dict[str, object]]:
    """One row per block, reply order; ``block`` is 1-based like the messages."""
    return [
        {
            "file": b.path,
            "block": b.index + 1,
            "status": b.status,
            "strategy": b.strategy,
            "reason": b.reason,
            "message": b.message,
        }
        for b in result.blocks
    ]


def refuse_config_changes(result: EditResult) -> None:
    """Mark refused (and leave unwritten) every file whose change would touch tierwise's configuration:
    ``[tool.tierwise]``, tierwise keys of VS Code settings (``tierwise.config_guard``), as the loop does."""
    for position, file in enumerate(result.files):
        reason = tierwise_config_reason(file.path, file.old_text, file.new_text) if file.changed else None
        if reason is None:
            continue
        message = f"{file.path} was left unchanged: {reason}; a reply never changes it."
        blocks = [replace(b, status="refused", strategy=None, reason="outside_workspace", message=message)
                  for b in file.blocks]
        result.files[position] = replace(file, ok=False, new_text=file.old_text, blocks=blocks)


def _print_human(result: EditResult, written: list[str] | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    table = Table("Block", "File", "Status", "Strategy / reason")
    for b in result.blocks:
        style = "green" if b.status == "applied" else "red"
        table.add_row(str(b.index + 1), b.path, f"[{style}]{b.status}[/]", b.strategy if b.status == "applied" else str(b.reason))
    console.print(table)
    for b in result.refused:
        console.print(b.message or "", markup=False)
        console.print()
    if written is None:
        changed = [f.path for f in result.files if f.changed]
        console.print(f"Dry run: would write {len(changed)} file(s): {', '.join(changed) or '-'}", markup=False)
    else:
        console.print(f"Wrote {len(written)} file(s): {', '.join(written) or '-'}", markup=False)


@click.command("apply")
@click.argument("reply", required=False, default="-", metavar="[FILE|-]")
@click.option(
    "--workspace",
    "-w",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Workspace root; every edited path must stay inside it.",
)
@click.option("--dry-run", is_flag=True, help="Report what would change without writing.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of per-block results.")
def apply_command(reply: str, workspace: Path, dry_run: bool, as_json: bool) -> None:
    """Apply the SEARCH/REPLACE blocks (or unified diffs) of a model reply read from FILE or stdin."""
    text = _read_reply(reply)
    blocks = parse_reply(text, exists=workspace_file_exists(workspace))
    result = plan_edits(blocks, workspace)
    refuse_config_changes(result)
    written = None if dry_run else write_result(result, workspace)
    if as_json:
        click.echo(json.dumps(report_rows(result), indent=2, ensure_ascii=False))
    elif not blocks:
        click.echo("No edit blocks found in the reply.", err=True)
    else:
        _print_human(result, written)
    if not blocks or not result.all_applied:
        sys.exit(1)
