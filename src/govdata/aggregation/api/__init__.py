"""JSON routes of the aggregation context, one module per topic, gathered in one router."""

from fastapi import APIRouter

from govdata.aggregation.api import datasets, files, pulls, push, schedules

router = APIRouter()
for _module in (push, datasets, files, pulls, schedules):
    router.include_router(_module.router)

#: Per-path body limits wider than GOVDATA_MAX_BODY_BYTES (web.middleware.BodyLimit).
BODY_LIMITS = {**push.BODY_LIMITS, **files.BODY_LIMITS}
