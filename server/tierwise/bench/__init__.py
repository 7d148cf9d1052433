"""The routing benchmark harness behind ``tierwise bench`` (see docs/bench.md).

``suite`` and ``configs`` read the formats, ``workspace`` isolates runs, ``scripted`` turns per-task
behaviours into replay scripts, ``drive`` runs the loop as ``tierwise run --yes`` does, ``runner``
schedules runs, ``records``/``aggregate`` hold and sum the results, ``render`` and ``chart`` show them.
Importing this package is cheap: the engine, gateway and matplotlib load only when used.
"""
