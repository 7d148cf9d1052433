"""Configuration: the validated model, its sources and their precedence."""

from tierwise.config.loader import ConfigError, load_config, load_config_with_sources, resolve_config
from tierwise.config.model import ACTIONS, DEFAULT_ROUTES, DEFAULT_TIER_NAMES, Config, Deployment, Route, Tier

__all__ = [
    "ACTIONS",
    "DEFAULT_ROUTES",
    "DEFAULT_TIER_NAMES",
    "Config",
    "ConfigError",
    "Deployment",
    "Route",
    "Tier",
    "load_config",
    "load_config_with_sources",
    "resolve_config",
]
