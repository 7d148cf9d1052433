"""Loading the configuration: layers, precedence, validation and messages that name file, key and fix.

Precedence, highest first:

1. command-line flags (the ``overrides`` dict; dotted keys allowed, ``None`` values mean "flag not given")
2. ``TIERWISE_*`` environment variables (``tierwise.config.envvars``)
3. the workspace file: ``.tierwise.toml`` at the root, or else ``[tool.tierwise]`` in ``pyproject.toml``
4. the user file ``$XDG_CONFIG_HOME/tierwise/config.toml`` (default ``~/.config/tierwise/config.toml``)
5. provider defaults derived from the environment (``tierwise.config.defaults``)
6. built-in defaults (``tierwise.config.model``)

Importing this module is cheap: no litellm, no network.
"""

from __future__ import annotations

import functools
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pydantic import ValidationError

from tierwise.config.checks import reference_problems, translate_validation_error
from tierwise.config.defaults import ProviderDefaults, infer_key_variables, provider_defaults
from tierwise.config.envvars import env_layer
from tierwise.config.errors import ConfigError, ConfigProblem, did_you_mean
from tierwise.config.files import (
    PYPROJECT_FILE,
    PYPROJECT_LABEL,
    WORKSPACE_FILE,
    WorkspaceFiles,
    display_path,
    find_key_line,
    read_toml,
    read_workspace,
    user_config_path,
)
from tierwise.config.keys import dotted, find_unknown_keys
from tierwise.config.layers import Layer, expand_dotted, leaves, merge_layers, nearest_ancestor, normalize
from tierwise.config.model import Config

__all__ = [
    "ConfigError",
    "ConfigFile",
    "Resolution",
    "key_destination_warnings",
    "load_config",
    "load_config_with_sources",
    "resolve_config",
]

DEFAULT_LABEL = "default"
FLAG_LABEL = "flag"
UNTRUSTED_NOTE = "ignored: the workspace is not trusted (user file, environment and editor settings still apply)"


@dataclass(frozen=True)
class ConfigFile:
    """A configuration file tierwise looked for."""

    label: str
    path: Path | None
    status: str  # "used" | "ignored" | "absent"
    note: str | None = None


@dataclass(frozen=True)
class Resolution:
    """The resolved configuration with its provenance, for `config show` and `doctor`."""

    root: Path
    config: Config
    sources: dict[str, str]  # dotted leaf key → source label
    files: list[ConfigFile] = field(default_factory=list)
    provider: ProviderDefaults = field(default_factory=lambda: ProviderDefaults(None))
    notes: list[str] = field(default_factory=list)


def _file_layer(label: str, path: Path, data: dict[str, Any], text: str | None, table_prefix: str = "") -> Layer:
    return Layer(
        label=label,
        data=normalize(data),
        where=str(path),
        path=path,
        text=text,
        line_of=functools.partial(_line_of, table_prefix=table_prefix),
    )


def _line_of(text: str, key: str, *, table_prefix: str) -> int | None:
    return find_key_line(text, key, table_prefix)


def _collect_layers(
    root: Path,
    overrides: dict[str, Any] | None,
    env: Mapping[str, str],
    user_file: Path | None,
    overrides_label: str = FLAG_LABEL,
    workspace_file: bool = True,
) -> tuple[list[Layer], list[ConfigFile], ProviderDefaults]:
    layers: list[Layer] = []
    files: list[ConfigFile] = []
    provider = provider_defaults(env)
    if provider.data:
        layers.append(Layer(label=provider.label, data=normalize(provider.data), where=provider.label))

    user_path = user_file if user_file is not None else user_config_path(env)
    if user_path is not None:
        label = display_path(user_path, env)
        if user_path.is_file():
            data, text = read_toml(user_path)
            layers.append(_file_layer(label, user_path, data, text))
            files.append(ConfigFile(label, user_path, "used"))
        else:
            files.append(ConfigFile(label, user_path, "absent"))

    if not workspace_file:
        for path, label in ((root / WORKSPACE_FILE, WORKSPACE_FILE), (root / PYPROJECT_FILE, PYPROJECT_LABEL)):
            if path.is_file():
                files.append(ConfigFile(label, path, "ignored", UNTRUSTED_NOTE))
        workspace = WorkspaceFiles(None, None, {}, None, "", None)
    else:
        workspace = read_workspace(root)
    if workspace.path is not None and workspace.label is not None:
        layers.append(_file_layer(workspace.label, workspace.path, workspace.data, workspace.text, workspace.table_prefix))
        files.append(ConfigFile(workspace.label, workspace.path, "used"))
        if workspace.ignored:
            files.append(ConfigFile("pyproject.toml [tool.tierwise]", root / "pyproject.toml", "ignored", workspace.ignored))
    elif workspace_file:
        files.append(ConfigFile(".tierwise.toml", root / ".tierwise.toml", "absent"))

    environment = env_layer(env)
    environment.data = normalize(environment.data)
    layers.append(environment)

    if overrides:
        where = "command-line flag" if overrides_label == FLAG_LABEL else overrides_label
        try:
            flags = expand_dotted(dict(overrides))
        except ValueError as err:
            raise ConfigError([ConfigProblem(where, "", str(err), "give each key once")]) from None
        layers.append(Layer(label=overrides_label, data=normalize(flags), where=where))
    return layers, files, provider


def _unknown_key_problems(layer: Layer) -> list[ConfigProblem]:
    problems = []
    for unknown in find_unknown_keys(layer.data):
        key = dotted(unknown.path)
        name = str(unknown.path[-1])
        noun = "action" if unknown.path[:1] == ("routes",) and len(unknown.path) == 2 else "key"
        problems.append(
            ConfigProblem(
                layer.where_for(key),
                key,
                f"unknown {noun} {name!r}{did_you_mean(name, unknown.choices)}",
                f"use one of: {', '.join(unknown.choices)} (or remove it)",
            )
        )
    return problems


def _source_of(key: str, sources: Mapping[str, str]) -> str | None:
    """The source of ``key``: its own, its nearest ancestor's, or else its first descendant's."""
    found = nearest_ancestor(sources, key)
    if found:
        return found
    for known, label in sources.items():
        if known.startswith(key + ".") or known.startswith(key + "["):
            return label
    return None


def _where_finder(layers: list[Layer], sources: Mapping[str, str]) -> Callable[[str], str]:
    by_label: dict[str, Layer] = {}
    for layer in layers:
        by_label[layer.label] = layer
        for label in layer.key_labels.values():
            by_label[label] = layer

    def where_for(key: str) -> str:
        label = _source_of(key, sources)
        layer = by_label.get(label) if label else None
        return layer.where_for(key) if layer else "built-in default"

    return where_for


def _fill_defaults(config: Config, sources: dict[str, str]) -> dict[str, str]:
    resolved: dict[str, str] = {}
    for key in leaves(config.model_dump(mode="json"), ""):
        resolved[key] = nearest_ancestor(sources, key) or DEFAULT_LABEL
    return resolved


def _infinite_budget_is_none(data: dict[str, Any]) -> None:
    """TOML has no null: ``per_task_usd = inf`` means no ceiling, stored as None like the variable's ``none``."""
    budget = data.get("budget")
    if isinstance(budget, dict):
        for key, value in budget.items():
            if isinstance(value, float) and value == float("inf"):
                budget[key] = None


def resolve_config(
    root: Path,
    *,
    overrides: dict[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    user_file: Path | None = None,
    overrides_label: str = FLAG_LABEL,
    workspace_file: bool = True,
) -> Resolution:
    """Load every layer, merge by precedence, validate. Raises ``ConfigError`` (never a pydantic traceback).

    ``overrides_label`` names the overrides' source in ``sources`` and in messages: ``"flag"`` (shown as
    "command-line flag") for the CLI; the language server passes e.g. ``"editor settings"``.
    ``workspace_file=False`` (an untrusted workspace) ignores ``.tierwise.toml`` and ``[tool.tierwise]``."""
    environ: Mapping[str, str] = os.environ if env is None else env
    root = Path(root).expanduser().resolve()
    layers, files, provider = _collect_layers(root, overrides, environ, user_file, overrides_label, workspace_file)

    problems = [problem for layer in layers for problem in _unknown_key_problems(layer)]
    if problems:
        raise ConfigError(problems)

    merged, sources = merge_layers(layers)
    where_for = _where_finder(layers, sources)
    _infinite_budget_is_none(merged)
    for key, variable in infer_key_variables(merged).items():
        sources[key] = f"default (standard variable {variable})"
    problems = reference_problems(merged, where_for)
    if problems:
        raise ConfigError(problems)
    try:
        config = Config.model_validate(merged)
    except ValidationError as err:
        raise ConfigError(translate_validation_error(err, where_for)) from None
    except ValueError as err:  # a validator that raised outside pydantic's wrapping
        raise ConfigError([ConfigProblem("configuration", "", str(err), "see docs/configuration.md")]) from None

    notes = [f.note for f in files if f.note] + list(provider.notes)
    return Resolution(root, config, _fill_defaults(config, sources), files, provider, notes)


def load_config_with_sources(
    root: Path,
    *,
    overrides: dict[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    user_file: Path | None = None,
    overrides_label: str = FLAG_LABEL,
) -> tuple[Config, dict[str, str]]:
    """The resolved ``Config`` and, for every leaf key (dotted), the label of the layer that set it."""
    resolution = resolve_config(root, overrides=overrides, env=env, user_file=user_file, overrides_label=overrides_label)
    return resolution.config, resolution.sources


def load_config(
    root: Path,
    *,
    overrides: dict[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    user_file: Path | None = None,
    overrides_label: str = FLAG_LABEL,
    workspace_file: bool = True,
) -> Config:
    """The resolved ``Config`` for the workspace ``root``. Raises ``ConfigError`` with a message for people."""
    return resolve_config(
        root, overrides=overrides, env=env, user_file=user_file, overrides_label=overrides_label,
        workspace_file=workspace_file,
    ).config


# -- where a workspace file sends keys ----------------------------------------------------------------
PROVIDER_HOSTS: dict[str, tuple[str, ...]] = {
    "anthropic": ("api.anthropic.com",),
    "openai": ("api.openai.com",),
    "gemini": ("generativelanguage.googleapis.com",),
    "openrouter": ("openrouter.ai",),
    "mistral": ("api.mistral.ai",),
    "groq": ("api.groq.com",),
    "deepseek": ("api.deepseek.com",),
    "xai": ("api.x.ai",),
    "together_ai": ("api.together.xyz",),
    "fireworks_ai": ("api.fireworks.ai",),
    "cohere": ("api.cohere.ai", "api.cohere.com"),
    "azure": ("openai.azure.com",),
}
"""Each provider's usual API hosts (a subdomain counts: ``my-res.openai.azure.com``)."""

KEY_VARIABLE_PROVIDER: dict[str, str] = {
    "ANTHROPIC_API_KEY": "anthropic", "OPENAI_API_KEY": "openai", "GEMINI_API_KEY": "gemini",
    "GOOGLE_API_KEY": "gemini", "OPENROUTER_API_KEY": "openrouter", "MISTRAL_API_KEY": "mistral",
    "GROQ_API_KEY": "groq", "DEEPSEEK_API_KEY": "deepseek", "XAI_API_KEY": "xai",
    "TOGETHERAI_API_KEY": "together_ai", "FIREWORKS_AI_API_KEY": "fireworks_ai", "COHERE_API_KEY": "cohere",
    "AZURE_API_KEY": "azure",
}
"""Well-known key variables and the provider that issued them."""

WORKSPACE_LABELS = frozenset({WORKSPACE_FILE, PYPROJECT_LABEL})


def is_loopback_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def usual_hosts(key_variable: str, model: str) -> tuple[str, ...]:
    """The hosts a key normally goes to: those of the provider that issued the variable's key, else those of
    the model's provider prefix (``anthropic/…``); none for an unknown variable and provider."""
    provider = KEY_VARIABLE_PROVIDER.get(key_variable) or model.split("/", 1)[0].lower()
    return PROVIDER_HOSTS.get(provider, ())


def key_destination_warnings(resolution: Resolution) -> list[str]:
    """One warning per deployment whose ``api_base`` comes from the workspace's own file and would receive an
    API key (``api_key_env``) at a host that is neither loopback nor the key's provider's usual host.

    A cloned repository can hold ``.tierwise.toml``; without this check it could send, say, your
    ``ANTHROPIC_API_KEY`` to a server of its choosing. Values from the user file, the environment, flags
    or editor settings are the user's own and never warned about."""
    warnings: list[str] = []
    for name, tier in resolution.config.tiers.items():
        for index, deployment in enumerate(tier.deployments()):
            fallback = index - (1 if tier.model else 0)
            own = fallback >= 0 and tier.fallbacks[fallback].api_base is not None
            key = f"tiers.{name}.fallbacks[{fallback}].api_base" if own else f"tiers.{name}.api_base"
            source = nearest_ancestor(resolution.sources, key)
            if not deployment.api_base or not deployment.api_key_env or source not in WORKSPACE_LABELS:
                continue
            host = (urlparse(deployment.api_base).hostname or "").lower()
            usual = usual_hosts(deployment.api_key_env, deployment.model)
            if is_loopback_host(host) or any(host == h or host.endswith("." + h) for h in usual):
                continue
            expected = f"the provider's host ({', '.join(usual)})" if usual else "a loopback address"
            warnings.append(
                f"{source} makes tier {name!r} ({deployment.model}) send the key in ${deployment.api_key_env} to "
                f"{host or deployment.api_base!r}, which is not {expected}. If you did not set this up, remove "
                f"{key} from {source}; to keep it, set the endpoint in your user file or editor settings instead."
            )
    return warnings
