"""The words for the codes of the workflow context (``core.labels``): its actions and policy rules, and the
steps of every approval process, named from the process definitions themselves (``workflow.process``), so a
new process or transition is named where it is defined."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from govdata.core import labels
from govdata.core.labels import Found, ObjectKind, int_keys
from govdata.workflow import policy
from govdata.workflow.models import WorkItem
from govdata.workflow.process import REGISTRY

#: a state name used by several processes with different words gets one word that fits them all
_SHARED_STATES = {"approved": "已批准", "rejected": "未通过", "withdrawn": "已撤回", "pending_review": "待审核",
                  "center_review": "待大数据中心审核"}


def _process_actions() -> dict[str, str]:
    actions: dict[str, str] = {}
    for process in REGISTRY.values():
        actions[f"workflow.{process.name}"] = process.label
        actions[f"workflow.{process.name}.start"] = f"发起{process.label}"
        for transition in process.transitions:
            actions[f"workflow.{process.name}.{transition.name}"] = f"{process.label}：{transition.label}"
    return actions


def _state_words() -> dict[str, str]:
    words: dict[str, set[str]] = {}
    for process in REGISTRY.values():
        for state in process.states.values():
            words.setdefault(state.name, set()).add(state.label)
    return {name: _SHARED_STATES.get(name) or next(iter(found)) if len(found) == 1 else _SHARED_STATES[name]
            for name, found in words.items()}


def _items(session: Session, keys: list[str]) -> dict[str, Found]:
    rows = session.scalars(select(WorkItem).where(WorkItem.id.in_(int_keys(keys))))
    return {str(i.id): Found(i, i.title) for i in rows}


def _days(session: Session, keys: list[str]) -> dict[str, Found]:
    return {key: Found(None, key, "/calendar") for key in keys}


labels.register(
    scope="workflow",
    categories={"workflow": "审批流程"},
    actions={
        "workflow.start": "发起审批",
        "workflow.advance": "办理审批",
        "workflow.get_item": "查看审批事项",
        "workflow.inbox": "查看待办事项",
        "workflow.list_calendar_days": "查看工作日历",
        "workflow.set_calendar_day": "设置工作日历",
        **_process_actions(),
    },
    objects={
        "work_item": ObjectKind("审批事项", _items, policy.get_item),
        "calendar_day": ObjectKind("日期", _days, policy.list_calendar_days),
    },
    fields={"subject": "办理对象", "state": "状态", "deadline_at": "办理时限", "was_overdue": "已超期",
            "kind": "类型", "note": "说明", "work_item": "审批事项", "transition": "办理结果"},
    values={**_state_words(), "holiday": "休息日", "workday": "工作日"},
)
