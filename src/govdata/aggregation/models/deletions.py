"""Control-plane tables of the aggregation context: deletions."""

from __future__ import annotations

__all__: list[str] = []
