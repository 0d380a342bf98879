"""Rules for the aggregation services in ``service.quality``, one per function, of the same name."""

from __future__ import annotations

__all__: list[str] = []
