"""The words for the codes of the sharing context (``core.labels``): its actions and policy rules (the data
service's calls among them), the grants and requests its entries name, misuse findings with a sentence for
each rule, and the fields and values its entries hold."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govdata.core import labels
from govdata.core.labels import FindingKind, Found, ObjectKind, int_keys
from govdata.sharing import policy
from govdata.sharing.call_records import ACTIONS as CALL_ACTIONS
from govdata.sharing.filters import OPS
from govdata.sharing.masking import RULES as MASKING_RULES
from govdata.sharing.models import Grant, ShareRequest
from govdata.sharing.models.grants import GRANT_STATUSES
from govdata.sharing.models.requests import ACCESS_METHODS, KINDS, STATUSES
from govdata.sharing.service import ENDPOINT_LABELS, MISUSE_RULES, REASON_LABELS
from govdata.workflow.service import REGISTRY

#: the data service's calls (``call_records.ACTIONS``: endpoint -> action)
CALLS = {"record": "读取共享数据（单条查询）", "query": "读取共享数据（条件查询）",
         "changes": "读取共享数据（增量同步）", "export": "导出共享数据"}


def _grants(session: Session, keys: list[str]) -> dict[str, Found]:
    rows = session.scalars(select(Grant).where(Grant.id.in_(int_keys(keys))))
    return {str(g.id): Found(g, f"#{g.id}（{g.resource_code}）", f"/sharing/grants/{g.id}") for g in rows}


def _requests(session: Session, keys: list[str]) -> dict[str, Found]:
    rows = session.scalars(select(ShareRequest).where(ShareRequest.id.in_(int_keys(keys))))
    return {str(r.id): Found(r, f"#{r.id}（{r.resource_code}）", f"/sharing/requests/{r.id}") for r in rows}


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _figures(rule: str, x: dict[str, Any]) -> str:
    if rule == "volume":
        return (f"当日调用 {x.get('calls')} 次，此前 {x.get('baseline_days')} 天的日调用中位数为 "
                f"{_number(x.get('baseline_median'))} 次")
    if rule == "bulk_personal_export":
        days = "；".join(f"{day} 导出 {n} 条" for day, n in (x.get("personal_rows_by_day") or {}).items())
        return f"含未脱敏个人信息的导出：{days}"
    return f"被拒绝的调用 {x.get('denied_calls', 0)} 次"


def _misuse(finding: dict[str, Any]) -> str:
    d = finding.get("detail") or {}
    rule = str(d.get("rule") or "")
    label = MISUSE_RULES[rule][0] if rule in MISUSE_RULES else d.get("rule_label") or rule
    who = d.get("system_name") or finding.get("actor_name") or "使用方"
    what = d.get("resource_name") or d.get("resource_code") or ""
    text = f"{d.get('day', '')} {who} 使用“{what}”：{label}（{_figures(rule, d.get('figures') or {})}）"
    if d.get("correct_by"):
        text += f"，须于 {d['correct_by']} 前改正"
    return text


def _steps(process: str, action: str, family: str) -> dict[str, str]:
    return {action: family} | {f"{action}.{t.name}": f"{family}：{t.label}" for t in REGISTRY[process].transitions}


labels.register(
    scope="sharing",
    categories={"sharing": "数据共享"},
    actions={
        **{f"sharing.{action}": CALLS[endpoint] for endpoint, action in CALL_ACTIONS.items()},
        "sharing.list_shareable": "查看可共享的数据资源",
        "sharing.get_shareable": "查看可共享的数据资源",
        "sharing.subscribe": "订阅无条件共享数据",
        "sharing.request_share": "申请有条件共享",
        "sharing.list_requests": "查看共享申请",
        "sharing.get_request": "查看共享申请",
        **_steps("share_request", "sharing.review_request", "审核共享申请"),
        "sharing.withdraw_request": "撤回共享申请",
        "sharing.object_to_refusal": "对不予共享提出异议",
        **_steps("share_objection", "sharing.decide_objection", "处理共享异议"),
        "sharing.draft_request": "起草共享申请",
        "sharing.update_draft": "修改共享申请草稿",
        "sharing.submit_draft": "提交共享申请草稿",
        "sharing.decline_draft": "退回共享申请草稿",
        "sharing.withdraw_draft": "撤回共享申请草稿",
        "sharing.list_grants": "查看共享授权",
        "sharing.get_grant": "查看共享授权",
        "sharing.suspend_grant": "暂停共享授权",
        "sharing.resume_grant": "恢复共享授权",
        "sharing.revoke_grant": "撤销共享授权",
        "sharing.update_grant": "修改共享授权条件",
        "sharing.usage_report": "查看共享数据使用情况",
        "sharing.get_usage": "查看共享数据调用记录",
        "sharing.detect_misuse": "检查共享数据违规使用",
        "sharing.list_misuse": "查看共享数据违规使用",
    },
    objects={
        "grant": ObjectKind("共享授权", _grants, policy.get_grant),
        "share_request": ObjectKind("共享申请", _requests, policy.get_request),
    },
    findings={"misuse": FindingKind("违规使用共享数据", _misuse,
                                    lambda d: [("grant", d["grant_id"])] if d.get("grant_id") else [])},
    fields={
        "resource": "数据资源", "items": "信息项", "keys": "记录标识", "count": "记录数", "endpoint": "调用方式",
        "end_user": "使用人员", "provider_department_id": "提供部门", "consumer_department_id": "使用部门",
        "requester_department_id": "申请部门", "conditions": "查询条件", "reason": "原因", "grant_id": "共享授权",
        "request_id": "共享申请", "system_id": "应用系统", "system_name": "应用系统", "basis": "申请依据",
        "access_method": "共享方式", "period": "使用期限", "masking": "脱敏规则", "terms": "授权条件",
        "row_scope": "数据范围", "rate_per_minute": "每分钟调用上限", "daily_quota": "每日调用上限",
        "valid_until": "有效期至", "valid_from": "有效期自", "on_platform": "数据已在平台", "review_days": "审核时限（工作日）",
        "status": "状态", "status_reason": "原因", "purpose": "用途", "rule": "情形", "rule_label": None,
        "violation": "违反条款", "day": "日期", "resource_code": "资源代码", "resource_name": "数据资源",
        "figures": "数据", "correct_by": "限期改正至", "correct_within_workdays": None, "finding_id": None,
        "calls": "调用次数", "denied_calls": "被拒绝的调用", "by_reason": "按原因", "baseline_median": "日调用中位数",
        "baseline_days": "基线天数", "threshold": "阈值", "personal_rows_by_day": "每日导出的个人信息条数",
        "drafted_by": "起草人", "kind": "共享类型", "item": "信息项", "op": "条件", "value": "取值",
    },
    values={
        **STATUSES, **GRANT_STATUSES, **ACCESS_METHODS, **KINDS, **ENDPOINT_LABELS, **REASON_LABELS,
        **{rule: label for rule, (label, _) in MISUSE_RULES.items()},
        **{f"masking={rule}": words for rule, words in MASKING_RULES.items()},
        **{f"op={op}": words for op, words in OPS.items()},
    },
)
