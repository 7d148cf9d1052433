"""Periodic jobs and their retry policy."""
