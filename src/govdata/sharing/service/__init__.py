"""Sharing services (SHR, SEC-1, SEC-2, SEC-7), one module per topic; every public function whose second
parameter is the actor has a rule of the same name in ``sharing.policy`` (tests/test_policy_pairing.py).

- ``requests``: the shareable listing, subscriptions (unconditional), requests (conditional), their review
  and objections;
- ``drafts``: requests drafted by a department's staff, which its data manager submits, edits or declines;
- ``grants``: grants of a department, suspension, resumption, revocation, changes of terms;
- ``access``: the data service API — record, query, changes, export — with the usage record of each call;
- ``usage``: who used what (charts, the provider's and the supervisor's view);
- ``misuse``: usage anomalies recorded as misuse findings (SUP-5).
"""

# Each topic module lists its public names in __all__.
from govdata.sharing.service.shareable import *  # noqa: F401,F403
from govdata.sharing.service.requests import *  # noqa: F401,F403
from govdata.sharing.service.drafts import *  # noqa: F401,F403
from govdata.sharing.service.grants import *  # noqa: F401,F403
from govdata.sharing.service.access import *  # noqa: F401,F403
from govdata.sharing.service.usage import *  # noqa: F401,F403
from govdata.sharing.service.misuse import *  # noqa: F401,F403
