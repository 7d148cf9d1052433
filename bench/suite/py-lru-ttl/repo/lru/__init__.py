"""A least-recently-used cache and a memoizing decorator built on it."""
