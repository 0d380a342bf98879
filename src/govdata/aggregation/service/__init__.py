"""Aggregation services (AGG), one module per way in or topic; every public function whose second
parameter is the actor has a rule of the same name in ``aggregation.policy`` (tests/test_policy_pairing.py).

- ``push``: real-time push of records by signed business systems;
- ``records``: the providing department's own check of a record;
- ``datasets``: the dataset table that follows a structured entry's publication;
- ``reads``: reads of a dataset for the sharing data service (no actor: the caller authorizes);
- ``common``: what they share (the published entry, its dataset, the append-only upsert).

``ItemSpec`` and ``Validator`` (``aggregation.validation``) are offered to other contexts that must read a
value the way aggregation stores it (the sharing filters).
"""

from govdata.aggregation.service.common import CHUNK, KEY_SAMPLE, MAX_KEY_LENGTH
from govdata.aggregation.service.datasets import dataset_published
from govdata.aggregation.service.push import MAX_IDEMPOTENCY_KEY, MAX_ROWS, PushResult, push_records
from govdata.aggregation.service.records import get_record
from govdata.aggregation.validation import ItemSpec, Validator

__all__ = ["CHUNK", "KEY_SAMPLE", "MAX_IDEMPOTENCY_KEY", "MAX_KEY_LENGTH", "MAX_ROWS", "ItemSpec", "PushResult",
           "Validator", "dataset_published", "get_record", "push_records"]

# Each topic module lists its public names in __all__.
from govdata.aggregation.service.files import *  # noqa: E402,F401,F403
from govdata.aggregation.service.pulls import *  # noqa: E402,F401,F403
from govdata.aggregation.service.stream import *  # noqa: E402,F401,F403
from govdata.aggregation.service.pull_runs import *  # noqa: E402,F401,F403
from govdata.aggregation.service.schedules import *  # noqa: E402,F401,F403
from govdata.aggregation.service.quality import *  # noqa: E402,F401,F403
from govdata.aggregation.service.deletions import *  # noqa: E402,F401,F403
from govdata.aggregation.service.findings import *  # noqa: E402,F401,F403
from govdata.aggregation.service.reads import *  # noqa: E402,F401,F403
