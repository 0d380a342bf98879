"""Import every context's models so that metadata (migrations, tests) sees all tables."""

from __future__ import annotations


def load_all() -> None:
    import govdata.aggregation.models  # noqa: F401
    import govdata.catalog.models  # noqa: F401
    import govdata.catalog.search  # noqa: F401
    import govdata.collection.models  # noqa: F401
    import govdata.core.audit  # noqa: F401
    import govdata.org.models  # noqa: F401
    import govdata.sharing.models  # noqa: F401
    import govdata.systems.models  # noqa: F401
    import govdata.workflow.models  # noqa: F401
