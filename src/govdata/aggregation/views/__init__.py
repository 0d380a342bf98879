"""HTML pages of the aggregation context, one module per topic, gathered in one router."""

from fastapi import APIRouter

from govdata.aggregation.views import datasets, files, pulls, schedules

router = APIRouter(include_in_schema=False)
for _module in (datasets, files, pulls, schedules):
    router.include_router(_module.router)
