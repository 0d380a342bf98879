"""Periodic jobs of the aggregation context (registered with ``core.jobs.job``): each calls services."""

from __future__ import annotations
