"""The words for the codes of the systems context (``core.labels``): its actions and policy rules, signed
calls, the business systems its entries name, and the fields and values they hold."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from govdata.core import labels
from govdata.core.labels import Found, ObjectKind, int_keys
from govdata.systems import policy
from govdata.systems.models import SYSTEM_STATUSES, BusinessSystem
from govdata.workflow.service import REGISTRY


def _systems(session: Session, keys: list[str]) -> dict[str, Found]:
    rows = session.scalars(select(BusinessSystem).where(BusinessSystem.id.in_(int_keys(keys))))
    return {str(s.id): Found(s, s.name, f"/systems/{s.id}") for s in rows}


labels.register(
    scope="systems",
    categories={"systems": "应用系统接入"},
    actions={
        "auth.signed_call": "应用系统签名调用",
        "systems.list_systems": "查看应用系统列表",
        "systems.get_system": "查看应用系统",
        "systems.register_system": "登记应用系统",
        "systems.update_system": "修改应用系统信息",
        "systems.decide_system": "审核应用系统接入",
        **{f"systems.decide_system.{t.name}": f"审核应用系统接入：{t.label}"
           for t in REGISTRY["system_registration"].transitions},
        "systems.reveal_secret": "查看应用系统密钥（AppSecret）",
        "systems.rotate_secret": "更换应用系统密钥（AppSecret）",
        "systems.revoke_system": "吊销应用系统接入",
    },
    objects={"business_system": ObjectKind("应用系统", _systems, policy.get_system)},
    fields={
        "purpose": "用途", "owner_name": "负责人", "owner_phone": "负责人电话", "owner_email": "负责人邮箱",
        "network_zone": "网络区域", "security_grade": "等级保护级别", "assessor": "测评机构",
        "assessment_report_no": "测评报告编号", "assessment_date": "测评日期", "assessment_valid_until": "测评有效期至",
        "perf_tester": "性能测试机构", "perf_report_no": "性能测试报告编号", "perf_test_date": "性能测试日期",
        "status": "状态", "app_key": "AppKey", "secret_id": "密钥编号", "new_secret_id": "新密钥编号",
        "previous_secret_id": "原密钥编号", "previous_valid_until": "原密钥有效期至", "http_method": "请求方法",
        "path": "请求地址", "query": "查询参数", "end_user": "使用人员",
    },
    values=SYSTEM_STATUSES,
)
