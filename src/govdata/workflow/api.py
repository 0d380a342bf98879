"""JSON routes of the workflow context: the inbox, an item with its history, the calendar."""

from __future__ import annotations

from fastapi import APIRouter, Request

from govdata.web.edge import call
from govdata.workflow import service
from govdata.workflow.models import WorkItem, WorkStep
from govdata.workflow.schemas import CalendarDayRead, CalendarDaySet, ItemRead, StepRead

router = APIRouter(prefix="/api/v1", tags=["workflow"])


def item_out(item: WorkItem, steps: list[WorkStep] | None = None) -> ItemRead:
    return ItemRead.model_validate(item).model_copy(update={
        "state_label": service.state_label(item),
        "steps": [StepRead.model_validate(s) for s in steps or []]})


@router.get("/inbox", response_model=list[ItemRead])
def inbox(request: Request) -> object:
    """Items waiting for the caller, nearest deadline first."""
    return call(request, service.inbox, out=lambda rows: [item_out(i) for i in rows])


@router.get("/work-items/{item_id}", response_model=ItemRead)
def get_item(request: Request, item_id: int) -> object:
    return call(request, service.get_item, item_id, out=lambda r: item_out(*r))


@router.get("/calendar", response_model=list[CalendarDayRead])
def list_calendar_days(request: Request) -> object:
    return call(request, service.list_calendar_days, out=lambda rows: [CalendarDayRead.model_validate(d) for d in rows])


@router.put("/calendar", response_model=CalendarDayRead)
def set_calendar_day(request: Request, payload: CalendarDaySet) -> object:
    """Declare a holiday or an adjusted working day (for years the built-in calendar does not cover)."""
    return call(request, service.set_calendar_day, payload, out=CalendarDayRead.model_validate)
