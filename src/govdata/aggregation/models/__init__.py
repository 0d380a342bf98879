"""Control-plane tables of the aggregation context, one module per topic."""

from govdata.aggregation.models.datasets import Batch, Dataset, Finding

__all__ = ["Batch", "Dataset", "Finding"]

# Each topic module lists its public names in __all__.
from govdata.aggregation.models.files import *  # noqa: E402,F401,F403
from govdata.aggregation.models.pulls import *  # noqa: E402,F401,F403
from govdata.aggregation.models.stream import *  # noqa: E402,F401,F403
from govdata.aggregation.models.schedules import *  # noqa: E402,F401,F403
from govdata.aggregation.models.quality import *  # noqa: E402,F401,F403
from govdata.aggregation.models.deletions import *  # noqa: E402,F401,F403
