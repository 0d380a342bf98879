"""Control-plane tables of the aggregation context: files."""

from __future__ import annotations

__all__: list[str] = []
