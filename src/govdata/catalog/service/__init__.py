"""Catalog services: register entries, keep every version, review and publish them, withdraw them, one
module per topic; every public function whose second parameter is the actor has a rule of the same name in
``catalog.policy`` (tests/test_policy_pairing.py).

An entry is a ``Resource`` with versions. Editing a published entry makes a new draft version; the
published one stays visible until the new one passes review (CAT-2). Review runs on the workflow core:
the department's own confidentiality review (CAT-4, SEC-5), then the big data center.

- ``versions``: an entry and its versions — look-ups, a version's content as a snapshot, the rules check;
- ``reads``: the catalog list, search and facets, one entry, its draft and history, the classification tree;
- ``drafts``: registering an entry and changing its draft;
- ``review``: submission, review and publication;
- ``withdrawal``: withdrawal of a published entry, with approval;
- ``harvest``: the published catalog for harvesters (DCAT, CKAN action API);
- ``reports``: reads for other contexts' reports, and the sharing pressure;
- ``workbooks``: import and export of a department's catalog as an Excel workbook.

``on_published`` (``catalog.events``) is offered here: followers of publication subscribe through the service.
"""

from govdata.catalog.events import on_published  # noqa: F401  (followers subscribe through the service)

# Each topic module lists its public names in __all__.
from govdata.catalog.service.versions import *  # noqa: F401,F403
from govdata.catalog.service.reads import *  # noqa: F401,F403
from govdata.catalog.service.drafts import *  # noqa: F401,F403
from govdata.catalog.service.review import *  # noqa: F401,F403
from govdata.catalog.service.review import _share_review_date  # noqa: F401  (tests/collection/test_matching.py)
from govdata.catalog.service.withdrawal import *  # noqa: F401,F403
from govdata.catalog.service.harvest import *  # noqa: F401,F403
from govdata.catalog.service.reports import *  # noqa: F401,F403
from govdata.catalog.service.workbooks import *  # noqa: F401,F403
