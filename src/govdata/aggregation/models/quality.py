"""Control-plane tables of the aggregation context: quality."""

from __future__ import annotations

__all__: list[str] = []
