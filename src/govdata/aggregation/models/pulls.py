"""Control-plane tables of the aggregation context: pulls."""

from __future__ import annotations

__all__: list[str] = []
