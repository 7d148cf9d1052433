"""Command-line drivers of the engine. Each subcommand lives in its own module."""
