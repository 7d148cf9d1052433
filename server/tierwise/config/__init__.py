"""Configuration: the validated model, its sources and their precedence."""

from tierwise.config.model import ACTIONS, DEFAULT_ROUTES, DEFAULT_TIER_NAMES, Config, Deployment, Route, Tier

__all__ = ["ACTIONS", "DEFAULT_ROUTES", "DEFAULT_TIER_NAMES", "Config", "Deployment", "Route", "Tier"]
