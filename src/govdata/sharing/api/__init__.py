"""JSON routes of the sharing context, one module per topic: ``router`` (requests, grants, usage) and
``data_router``, the data service API, which the app includes before every other router so that its calls
are matched first."""

from fastapi import APIRouter

from govdata.sharing.api import access, grants, requests, usage

router = APIRouter()
for module in (requests, grants, usage):
    router.include_router(module.router)
data_router = access.router
