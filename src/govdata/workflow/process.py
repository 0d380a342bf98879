"""Process definitions: states, transitions, who may take each, required fields, deadlines in working days.

A definition is data. ``workflow.service`` runs it: it checks the transition is open from the current
state, that the actor may take it, that the required fields are there (a rejection always needs a
reason), records the step and the audit entry, and computes the next state's deadline in working days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from govdata.core.actor import Actor

# (actor, item) -> may this actor take the transition on this item?
Who = Callable[[Actor, "ItemView"], bool]


class ItemView:
    """What a permission check sees of an item (kept minimal, so definitions stay independent of the ORM)."""

    def __init__(self, owner_department_id: int, holder_role: str | None, holder_department_id: int | None):
        self.owner_department_id = owner_department_id
        self.holder_role = holder_role
        self.holder_department_id = holder_department_id


def holder(actor: Actor, item: ItemView) -> bool:
    """The default: the actor holds the state's role, in the holding department (or any, when none is set)."""
    if item.holder_role is None or not actor.has(item.holder_role):
        return False
    return item.holder_department_id is None or item.holder_department_id == actor.department_id


def owner_manager(actor: Actor, item: ItemView) -> bool:
    """A data manager of the department that owns the item (the requester)."""
    return actor.has("dept_manager") and actor.department_id == item.owner_department_id


def owner_staff(actor: Actor, item: ItemView) -> bool:
    """A data user or data manager of the department that owns the item (the sharing service checks that
    it is the drafter)."""
    return actor.has("data_user", "dept_manager") and actor.department_id == item.owner_department_id


@dataclass(frozen=True)
class State:
    name: str
    label: str
    holder_role: str | None = None
    # "owner": the item's own department; "counterpart": the other party's (a share request's provider);
    # None: any department (e.g. the one big data center)
    holder_scope: str | None = None
    deadline_workdays: int | None = None
    final: bool = False


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    who: Who = holder
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Process:
    name: str
    label: str
    initial: str
    states: dict[str, State]
    transitions: tuple[Transition, ...]
    fields: dict[str, str] = field(default_factory=dict)  # required-field name -> Chinese label

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def open_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]


REGISTRY: dict[str, Process] = {}


def register(process: Process) -> Process:
    for t in process.transitions:
        assert t.target in process.states, (process.name, t.name)
        assert all(s in process.states for s in t.sources), (process.name, t.name)
        if t.name == "reject":
            assert "reason" in t.requires, "a rejection always needs a reason"
    REGISTRY[process.name] = process
    return process


# --- the processes of the platform ---------------------------------------------------------------

SYSTEM_REGISTRATION = register(Process(
    name="system_registration",
    label="应用系统接入审批",
    initial="pending_review",
    states={
        "pending_review": State("pending_review", "待大数据中心审核", holder_role="platform_admin",
                                deadline_workdays=5),
        "rejected": State("rejected", "已退回，待部门修改", holder_role="dept_manager", holder_scope="owner",
                          deadline_workdays=10),
        "approved": State("approved", "已通过", final=True),
        "withdrawn": State("withdrawn", "已撤回", final=True),
    },
    transitions=(
        Transition("approve", "通过", ("pending_review",), "approved"),
        Transition("reject", "退回", ("pending_review",), "rejected", requires=("reason",)),
        Transition("resubmit", "重新提交", ("rejected",), "pending_review", who=owner_manager),
        Transition("withdraw", "撤回", ("pending_review", "rejected"), "withdrawn", who=owner_manager,
                   requires=("reason",)),
    ),
))

CATALOG_REVIEW = register(Process(
    name="catalog_review",
    label="目录登记审核",
    initial="confidentiality_review",
    states={
        "confidentiality_review": State("confidentiality_review", "待本部门保密审查", holder_role="dept_reviewer",
                                        holder_scope="owner", deadline_workdays=5),
        "center_review": State("center_review", "待大数据中心审核", holder_role="platform_admin",
                               deadline_workdays=5),
        "returned": State("returned", "已退回，待部门修改", holder_role="dept_manager", holder_scope="owner",
                          deadline_workdays=10),
        "published": State("published", "已发布", final=True),
        "abandoned": State("abandoned", "已放弃", final=True),
    },
    transitions=(
        Transition("pass", "保密审查通过", ("confidentiality_review",), "center_review"),
        Transition("approve", "审核通过并发布", ("center_review",), "published"),
        Transition("reject", "退回", ("confidentiality_review", "center_review"), "returned", requires=("reason",)),
        Transition("resubmit", "修改后重新提交", ("returned",), "confidentiality_review", who=owner_manager),
        Transition("abandon", "放弃本次变更", ("returned",), "abandoned", who=owner_manager, requires=("reason",)),
    ),
))

CATALOG_WITHDRAWAL = register(Process(
    name="catalog_withdrawal",
    label="目录撤销审批",
    initial="pending",
    states={
        "pending": State("pending", "待大数据中心审批撤销", holder_role="platform_admin", deadline_workdays=5),
        "approved": State("approved", "已撤销", final=True),
        "rejected": State("rejected", "撤销申请未通过", final=True),
    },
    transitions=(
        Transition("approve", "同意撤销", ("pending",), "approved"),
        Transition("reject", "不同意", ("pending",), "rejected", requires=("reason",)),
    ),
))

AGGREGATION_SCHEDULE_FILING = register(Process(
    name="aggregation_schedule_filing",
    label="汇聚时限备案审批",
    initial="pending_review",
    states={
        "pending_review": State("pending_review", "待大数据中心审核备案", holder_role="platform_admin",
                                deadline_workdays=5),
        "approved": State("approved", "备案已通过", final=True),
        "rejected": State("rejected", "备案未通过", final=True),
        "withdrawn": State("withdrawn", "备案已撤回", final=True),
    },
    transitions=(
        Transition("approve", "通过备案", ("pending_review",), "approved"),
        Transition("reject", "不予备案", ("pending_review",), "rejected", requires=("reason",)),
        Transition("withdraw", "撤回备案", ("pending_review",), "withdrawn", who=owner_manager,
                   requires=("reason",)),
    ),
))

AGGREGATION_DELETION = register(Process(
    name="aggregation_deletion",
    label="政务数据删除审批",
    initial="dept_review",
    states={
        "dept_review": State("dept_review", "待本部门审核删除", holder_role="dept_reviewer", holder_scope="owner",
                             deadline_workdays=5),
        "center_review": State("center_review", "待大数据中心审批删除", holder_role="platform_admin",
                               deadline_workdays=5),
        "approved": State("approved", "已批准，数据已删除（逻辑删除）", final=True),
        "rejected": State("rejected", "删除申请未通过", final=True),
        "withdrawn": State("withdrawn", "删除申请已撤回", final=True),
    },
    transitions=(
        Transition("pass", "部门审核通过", ("dept_review",), "center_review"),
        Transition("approve", "批准删除", ("center_review",), "approved"),
        Transition("reject", "不同意删除", ("dept_review", "center_review"), "rejected", requires=("reason",)),
        Transition("withdraw", "撤回申请", ("dept_review", "center_review"), "withdrawn", who=owner_manager,
                   requires=("reason",)),
    ),
))


SHARE_DRAFT = register(Process(
    name="share_draft",
    label="共享申请草稿",
    initial="draft",
    states={
        # no deadline: the regulation sets none for a department's own preparation
        "draft": State("draft", "待本部门数据管理员提交", holder_role="dept_manager", holder_scope="owner"),
        "submitted": State("submitted", "已提交", final=True),
        "declined": State("declined", "数据管理员已退回", final=True),
        "withdrawn": State("withdrawn", "起草人已撤回", final=True),
    },
    transitions=(
        Transition("submit", "提交申请", ("draft",), "submitted", who=owner_manager),
        Transition("decline", "退回起草人", ("draft",), "declined", who=owner_manager, requires=("reason",)),
        Transition("withdraw", "撤回草稿", ("draft",), "withdrawn", who=owner_staff, requires=("reason",)),
    ),
))

SHARE_REQUEST = register(Process(
    name="share_request",
    label="有条件共享申请审批",
    initial="provider_review",
    states={
        # 10 working days, 5 when the data is already on the platform (the share service sets it per item)
        "provider_review": State("provider_review", "待提供部门审核", holder_role="dept_reviewer",
                                 holder_scope="counterpart", deadline_workdays=10),
        "center_review": State("center_review", "待大数据中心审核", holder_role="platform_admin",
                               deadline_workdays=2),
        "granted": State("granted", "已授权", final=True),
        "refused": State("refused", "未通过", final=True),
        "withdrawn": State("withdrawn", "已撤回", final=True),
    },
    transitions=(
        Transition("pass", "提供部门同意", ("provider_review",), "center_review"),
        Transition("approve", "大数据中心审核通过", ("center_review",), "granted"),
        Transition("reject", "不予共享", ("provider_review", "center_review"), "refused", requires=("reason",)),
        Transition("withdraw", "撤回申请", ("provider_review", "center_review"), "withdrawn", who=owner_manager,
                   requires=("reason",)),
    ),
))

SHARE_OBJECTION = register(Process(
    name="share_objection",
    label="共享争议处理",
    initial="authority_review",
    states={
        "authority_review": State("authority_review", "待电子政务管理部门处理", holder_role="supervisor",
                                  deadline_workdays=10),
        "upheld": State("upheld", "异议成立，予以共享", final=True),
        "dismissed": State("dismissed", "异议不成立，维持不予共享", final=True),
    },
    transitions=(
        Transition("uphold", "异议成立", ("authority_review",), "upheld", requires=("reason",)),
        Transition("reject", "异议不成立", ("authority_review",), "dismissed", requires=("reason",)),
    ),
))
