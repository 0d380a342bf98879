"""Control-plane tables of the aggregation context: schedules."""

from __future__ import annotations

__all__: list[str] = []
