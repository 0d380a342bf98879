"""Who may do what with shared data: one rule per service function, of the same name, in the module named
like the service module (``policy.requests`` for ``service.requests``…)."""

# Each topic module lists its public names in __all__.
from govdata.sharing.policy.shareable import *  # noqa: F401,F403
from govdata.sharing.policy.requests import *  # noqa: F401,F403
from govdata.sharing.policy.drafts import *  # noqa: F401,F403
from govdata.sharing.policy.grants import *  # noqa: F401,F403
from govdata.sharing.policy.access import *  # noqa: F401,F403
from govdata.sharing.policy.usage import *  # noqa: F401,F403
from govdata.sharing.policy.misuse import *  # noqa: F401,F403
