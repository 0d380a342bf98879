"""HTML pages of the aggregation context, one module per topic, gathered in one router."""

from fastapi import APIRouter

from govdata.aggregation import policy
from govdata.aggregation.views import datasets, files, pulls, schedules
from govdata.core.policy import allowed
from govdata.web.render import menu_entry

menu_entry(50, "数据汇聚", "/aggregation/datasets", lambda actor: allowed(actor, policy.list_datasets))

router = APIRouter(include_in_schema=False)
for _module in (datasets, files, pulls, schedules):
    router.include_router(_module.router)
