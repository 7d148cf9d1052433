"""tierwise: a language server that runs a plan → implement → test → review loop on tiered models."""

__version__ = "0.1.0"
