"""The contexts the platform is made of, put together by the entry points (``app``, ``cli``).

Importing a context's service registers what it contributes to the kernel and to the contexts below it: its
periodic jobs (``core.jobs.job``) and its event handlers (e.g. aggregation follows
``catalog.events.on_published``); importing its ``labels`` registers the words for its codes (``core.labels``). The kernel and the lower contexts never import the higher ones
(docs/architecture.md, ``.importlinter``); this module, above them all, does it once.
"""

from __future__ import annotations

import importlib
from functools import cache

__all__ = ["CONTEXTS", "load"]

#: Every bounded context, lowest layer first (the order of docs/architecture.md).
CONTEXTS = ("org", "workflow", "systems", "catalog", "collection", "aggregation", "sharing", "supervision")
#: Kernel modules that declare jobs of their own.
_KERNEL_JOBS = ("govdata.core.checkpoints",)


@cache
def load() -> None:
    """Import every context's service and labels (and the kernel's job modules, the web edge's labels) once:
    jobs, handlers and words registered."""
    for name in _KERNEL_JOBS:
        importlib.import_module(name)
    for context in CONTEXTS:
        importlib.import_module(f"govdata.{context}.service")
    for name in (*(f"govdata.{context}.labels" for context in CONTEXTS), "govdata.web.labels"):
        importlib.import_module(name)
