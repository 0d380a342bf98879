"""HTML pages of the sharing context, one module per topic, gathered into one router."""

from fastapi import APIRouter

from govdata.sharing.views import grants, requests, usage
from govdata.web.render import menu_entry

menu_entry(60, "数据共享", "/sharing", lambda actor: actor.kind == "user")

router = APIRouter()
for module in (requests, grants, usage):
    router.include_router(module.router)
