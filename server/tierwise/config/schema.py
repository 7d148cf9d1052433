"""The JSON Schema of the configuration file, as written by people (shorthands included).

``Config.model_json_schema()`` describes the validated shape; files may also write a route as a tier name or a
list of tier names, and a fallback as a bare model string. This schema accepts those too, so that editors
validating ``.tierwise.toml`` against it do not flag valid files.
"""

from __future__ import annotations

from typing import Any

from tierwise.config.keys import KNOWN_ACTIONS as ACTIONS
from tierwise.config.model import Config

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def config_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a tierwise configuration file."""
    schema = Config.model_json_schema(mode="validation")
    schema["$schema"] = SCHEMA_DIALECT
    schema["title"] = "tierwise configuration (.tierwise.toml or [tool.tierwise])"
    properties = schema.get("properties", {})
    routes = properties.get("routes")
    if isinstance(routes, dict):
        routes.pop("default", None)
        routes["description"] = (
            "Action → tier, or escalation ladder of tiers (weakest first). Actions: " + ", ".join(ACTIONS) + "."
        )
        routes["propertyNames"] = {"enum": list(ACTIONS)}
        routes["additionalProperties"] = {
            "anyOf": [
                {"type": "string", "description": "One tier."},
                {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "A ladder, weakest first."},
                {"$ref": "#/$defs/Route"},
            ]
        }
    tier = schema.get("$defs", {}).get("Tier", {})
    fallbacks = tier.get("properties", {}).get("fallbacks")
    if isinstance(fallbacks, dict):
        fallbacks["items"] = {"anyOf": [{"type": "string", "description": "A model string."}, {"$ref": "#/$defs/Deployment"}]}
    tiers = properties.get("tiers")
    if isinstance(tiers, dict):
        tiers.pop("default", None)
    return schema
