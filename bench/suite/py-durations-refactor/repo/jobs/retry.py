"""Exponential back-off between attempts of a failed job."""


def _seconds(text: str) -> int:
    if text.endswith("m"):
        return int(text[:-1]) * 60
    if text.endswith("s"):
        return int(text[:-1])
    return int(text)


def delays(first: str, limit: str, attempts: int) -> list[int]:
    """Delays before each retry: ``first`` doubling each time, capped at ``limit``."""
    start, cap = _seconds(first), _seconds(limit)
    out = []
    delay = start
    for _ in range(attempts):
        out.append(min(delay, cap))
        delay *= 2
    return out
