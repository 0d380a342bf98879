"""HTML pages of the sharing context, one module per topic, gathered into one router."""

from fastapi import APIRouter

from govdata.sharing.views import grants, requests, usage

router = APIRouter()
for module in (requests, grants, usage):
    router.include_router(module.router)
