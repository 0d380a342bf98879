"""Who may do what with aggregated data: one rule per service function, of the same name, in the module
named like the service module (``policy.push`` for ``service.push``…)."""

from govdata.aggregation.policy.push import dataset_published, get_record, push_records

__all__ = ["dataset_published", "get_record", "push_records"]

# Each topic module lists its public names in __all__.
from govdata.aggregation.policy.files import *  # noqa: E402,F401,F403
from govdata.aggregation.policy.pulls import *  # noqa: E402,F401,F403
from govdata.aggregation.policy.stream import *  # noqa: E402,F401,F403
from govdata.aggregation.policy.schedules import *  # noqa: E402,F401,F403
from govdata.aggregation.policy.quality import *  # noqa: E402,F401,F403
from govdata.aggregation.policy.deletions import *  # noqa: E402,F401,F403
from govdata.aggregation.policy.findings import *  # noqa: E402,F401,F403
