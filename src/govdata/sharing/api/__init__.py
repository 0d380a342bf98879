"""JSON routes of the sharing context, one module per topic, gathered into one router."""

from fastapi import APIRouter

from govdata.sharing.api import access, grants, requests, usage

router = APIRouter()
for module in (requests, grants, usage, access):
    router.include_router(module.router)
