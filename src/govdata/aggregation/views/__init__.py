"""HTML pages of the aggregation context, one module per topic, gathered in one router."""

from fastapi import APIRouter

from govdata.aggregation import policy
from govdata.aggregation.views import datasets, files, pulls, schedules
from govdata.core.policy import allowed
from govdata.web.render import expose, menu_entry

menu_entry(50, "数据汇聚", "/aggregation/datasets", lambda actor: allowed(actor, policy.list_datasets))
expose(aggregation_policy=policy)  # templates ask the rule of the page a link leads to

router = APIRouter(include_in_schema=False)
for _module in (datasets, files, pulls, schedules):
    router.include_router(_module.router)
