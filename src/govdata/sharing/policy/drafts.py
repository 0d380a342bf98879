"""Rules for ``sharing.service.drafts``, one per function, of the same name (SEC-1: by role and department).

A department's data users draft; its data managers submit, edit or decline. obj is the catalog ``Resource``
for ``draft_request`` and the ``ShareRequest`` otherwise; the services check the draft's state (409).
"""

from __future__ import annotations

from typing import Any

from govdata.core.actor import Actor
from govdata.core.policy import refusal
from govdata.sharing.policy.requests import _drafted_by

__all__ = ["decline_draft", "draft_request", "submit_draft", "update_draft"]


def _manager_of(actor: Actor, obj: Any) -> bool:
    return (obj is not None and actor.kind == "user" and actor.has("dept_manager")
            and actor.department_id is not None and actor.department_id == obj.requester_department_id)


@refusal("只有政务部门的数据使用人员可以起草共享申请；部门数据管理员请直接订阅或申请")
def draft_request(actor: Actor, obj: Any = None) -> bool:
    """A data user of a department drafts for the department's data manager to submit."""
    return actor.kind == "user" and actor.department_id is not None and actor.has("data_user")


@refusal("只有起草人和本部门数据管理员可以修改申请草稿")
def update_draft(actor: Actor, obj: Any = None) -> bool:
    """The drafter, and the data managers of the requesting department."""
    return _manager_of(actor, obj) or (_drafted_by(actor, obj) and actor.department_id == obj.requester_department_id)


@refusal("只有申请部门的数据管理员可以提交申请草稿")
def submit_draft(actor: Actor, obj: Any = None) -> bool:
    """The requesting department's data manager: the application is theirs once submitted."""
    return _manager_of(actor, obj)


@refusal("只有申请部门的数据管理员可以退回申请草稿")
def decline_draft(actor: Actor, obj: Any = None) -> bool:
    """The requesting department's data manager, with a reason for the drafter."""
    return _manager_of(actor, obj)
