"""HTML pages of the workflow context: the working-day calendar (admins declare extra days)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from govdata.core.errors import DomainError
from govdata.core.workdays import package_year_range
from govdata.web.edge import PAGE_LANGUAGE
from govdata.web.forms import page, read_form
from govdata.web.render import expose, menu_entry, render
from govdata.core.policy import allowed
from govdata.workflow import policy, service
from govdata.workflow.schemas import CalendarDaySet

router = APIRouter(include_in_schema=False)
expose(workflow_policy=policy)
menu_entry(100, "工作日历", "/calendar", lambda actor: allowed(actor, policy.set_calendar_day))


def _calendar(request: Request, status_code: int = 200, **extra: object) -> Response:
    with page(request) as (session, actor):
        first, last = package_year_range()
        return render(request, "workflow/calendar.html", actor, status_code=status_code,
                      days=service.list_calendar_days(session, actor), first_year=first, last_year=last, **extra)


@router.get("/calendar")
def calendar_page(request: Request) -> Response:
    return _calendar(request)


@router.post("/calendar")
async def set_calendar_day_form(request: Request) -> Response:
    data = await read_form(request)
    try:
        with page(request) as (session, actor):
            service.set_calendar_day(session, actor, CalendarDaySet.model_validate(data))
    except DomainError as exc:
        return _calendar(request, status_code=exc.status or 400, form=data, error=exc.message(PAGE_LANGUAGE))
    return RedirectResponse("/calendar", status_code=303)
