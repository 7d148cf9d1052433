"""``build_engine``: the real adapters wired into an ``Engine`` (gateway, disk, subprocess, checkpoints)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tierwise.config.model import Config
from tierwise.engine import Engine
from tierwise.engine.ports import CheckpointPort, CommandPort, ContextPort, FilesPort, ModelPort, UserPort
from tierwise.headless.files import DiskFiles


def secret_env_names(config: Config) -> list[str]:
    """Every environment variable that holds a tier's API key (kept out of test subprocesses)."""
    names: set[str] = set()
    for tier in config.tiers.values():
        for deployment in tier.deployments():
            if deployment.api_key_env:
                names.add(deployment.api_key_env)
        if tier.api_key_env:
            names.add(tier.api_key_env)
    return sorted(names)


def build_engine(
    root: Path,
    config: Config,
    *,
    ui: UserPort,
    env: Mapping[str, str] | None = None,
    models: ModelPort | None = None,
    files: FilesPort | None = None,
    commands: CommandPort | None = None,
    checkpoints: CheckpointPort | None = None,
    use_checkpoints: bool = True,
    context: ContextPort | None = None,
) -> Engine:
    """An ``Engine`` for ``root``. Anything not given is the real adapter: ``ModelGateway`` (litellm is
    imported on the first call, not here), ``DiskFiles``, ``SubprocessRunner`` (tier keys stripped from
    the environment of test commands), git private-ref checkpoints in a git repo, copies elsewhere, and the
    context engine (``tierwise.context``) unless ``context.enabled`` is false."""
    root = Path(root).resolve()
    if models is None:
        from tierwise.gateway import ModelGateway

        models = ModelGateway(config, root, env=env)
    if commands is None:
        from tierwise.runner import SubprocessRunner

        commands = SubprocessRunner(secret_env_names=secret_env_names(config))
    if checkpoints is None and use_checkpoints:
        from tierwise.vcs import checkpoints_for

        checkpoints = checkpoints_for(root)
    if context is None and config.context.enabled:
        from tierwise.context.port import WorkspaceContext

        context = WorkspaceContext(root, config)
    return Engine(
        root,
        config,
        models=models,
        files=files or DiskFiles(root),
        ui=ui,
        commands=commands,
        checkpoints=checkpoints,
        context=context,
    )
