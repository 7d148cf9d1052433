"""When periodic jobs run next."""

from dataclasses import dataclass


def _parse_interval(text: str) -> int:
    text = text.strip()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text and text[-1] in units:
        return int(text[:-1]) * units[text[-1]]
    return int(text)


@dataclass
class Job:
    name: str
    every: str
    last_run: int = 0

    @property
    def interval_s(self) -> int:
        return _parse_interval(self.every)

    def next_run(self) -> int:
        return self.last_run + self.interval_s

    def due(self, now: int) -> bool:
        return now >= self.next_run()
