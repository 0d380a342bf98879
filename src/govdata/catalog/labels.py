"""The words for the codes of the catalog context (``core.labels``): its actions and policy rules, the
entries its audit records name, and the fields and values they hold."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govdata.catalog import policy
from govdata.catalog.models import RESOURCE_STATUSES, VERSION_STATUSES, Resource, ResourceItem, ResourceVersion
from govdata.core import labels
from govdata.core.labels import Found, ObjectKind
from govdata.workflow.service import REGISTRY


def resources_by_code(session: Session, codes: list[str]) -> dict[str, tuple[Resource, str]]:
    """Entries by code with the name of their published version (else of their draft)."""
    shown = func.coalesce(Resource.published_version_id, Resource.draft_version_id)
    rows = session.execute(select(Resource, ResourceVersion.name)
                           .join(ResourceVersion, ResourceVersion.id == shown, isouter=True)
                           .where(Resource.code.in_(codes)))
    return {r.code: (r, name or r.code) for r, name in rows}


def _resources(session: Session, keys: list[str]) -> dict[str, Found]:
    return {code: Found(r, f"{name}（{code}）", f"/catalog/{code}")
            for code, (r, name) in resources_by_code(session, keys).items()}


def _item_names(session: Session, codes: list[str]) -> dict[str, dict[str, str]]:
    rows = session.execute(select(Resource.code, ResourceItem.field_code, ResourceItem.name)
                           .join(ResourceVersion, ResourceVersion.id == Resource.published_version_id)
                           .join(ResourceItem, ResourceItem.version_id == ResourceVersion.id)
                           .where(Resource.code.in_(codes)))
    names: dict[str, dict[str, str]] = {}
    for code, field_code, name in rows:
        names.setdefault(code, {})[field_code] = name
    return names


def _steps(process: str, action: str, family: str) -> dict[str, str]:
    return {action: family} | {f"{action}.{t.name}": f"{family}：{t.label}" for t in REGISTRY[process].transitions}


labels.register(
    scope="catalog",
    categories={"catalog": "数据资源目录"},
    actions={
        "catalog.list_resources": "查看目录列表",
        "catalog.facets": "查看目录分类统计",
        "catalog.classification_tree": "查看目录分类",
        "catalog.get_resource": "查看目录",
        "catalog.get_resource_by_id": "查看目录",
        "catalog.draft_for": "查看目录草稿",
        "catalog.version_history": "查看目录版本记录",
        "catalog.create_resource": "登记目录",
        "catalog.update_draft": "修改目录草稿",
        "catalog.submit_resource": "提交目录审核",
        **_steps("catalog_review", "catalog.review_resource", "审核目录"),
        "catalog.request_withdrawal": "申请撤销目录",
        **_steps("catalog_withdrawal", "catalog.decide_withdrawal", "审批目录撤销"),
        "catalog.list_published": "查看已发布目录",
        "catalog.get_published": "查看已发布目录",
        "catalog.list_publishers": "查看发布部门",
        "catalog.get_publisher": "查看发布部门",
        "catalog.published_contents": "查看已发布目录的内容",
        "catalog.sharing_pressure": "查看共享需求统计",
        "catalog.import_catalog": "导入目录（Excel）",
        "catalog.export_catalog": "导出目录（Excel）",
        "catalog.export_dcat": "导出目录（DCAT）",
    },
    objects={
        "catalog_resource": ObjectKind("目录", _resources, policy.get_resource),
        "catalog": ObjectKind("数据资源目录"),
    },
    fields={
        "summary": "摘要", "format": "格式", "share_type": "共享类型", "share_condition": "共享条件",
        "share_method": "共享方式", "legal_basis": "共享依据", "open_to_public": "向社会开放",
        "open_condition": "开放条件", "update_cycle": "更新周期", "release_date": "发布日期",
        "related_codes": "关联资源代码", "data_level": "数据分级", "secret_declared": "涉密",
        "keywords": "关键词", "change_reason": "变更原因", "classification_code": "分类代码", "items": "信息项",
        "version_no": "版本", "mode": "方式", "resources": "资源数", "errors": "错误数", "created": "新增",
        "updated": "更新", "entries": "条目数", "codes": "资源代码", "department": "部门",
        "field_code": "字段代码", "data_type": "数据类型", "length": "长度", "required": "必填",
        "is_key": "主键", "sensitivity": "敏感级别", "pii_kind": "个人信息类型", "shared": "共享",
        "description": "说明", "position": None,
    },
    item_names=_item_names,
    values={**VERSION_STATUSES, **RESOURCE_STATUSES, "secret_declared": "声明为涉密数据"},
)
