"""Cross-field rules of a catalog entry (CAT-1, SHR-1, SEC-7): each broken rule names its field."""

from __future__ import annotations

from govdata.catalog.schemas import ResourceDraft
from govdata.catalog.standard import DATA_TYPES, METHODS_FOR_FORMAT, STRUCTURED_FORMATS
from govdata.core.errors import FieldError


def check(draft: ResourceDraft) -> list[FieldError]:
    errors: list[FieldError] = []

    def fail(field: str, message: str, code: str = "rule") -> None:
        errors.append(FieldError(field, code, message))

    if draft.share_type in ("有条件共享", "暂不共享") and not (draft.legal_basis or "").strip():
        fail("legal_basis", f"“{draft.share_type}”须注明法律、法规或国家政策依据", "legal_basis_required")
    if draft.share_type == "有条件共享" and not (draft.share_condition or "").strip():
        fail("share_condition", "有条件共享须写明共享条件（可共享的部门或字段范围）")
    if draft.share_method not in METHODS_FOR_FORMAT[draft.format]:
        allowed = "、".join(METHODS_FOR_FORMAT[draft.format])
        fail("share_method", f"资源格式“{draft.format}”的共享方式只能是：{allowed}", "method_format_mismatch")
    if draft.open_to_public:
        if draft.share_type != "无条件共享":
            fail("open_to_public", "向社会开放的资源应为无条件共享")
        if draft.data_level == "核心":
            fail("open_to_public", "核心数据不得向社会开放")
        if any(i.sensitivity in ("L3", "L4") or i.pii_kind for i in draft.items if i.shared):
            fail("open_to_public", "含个人信息或L3/L4敏感信息项的资源不得向社会开放")
    if draft.format in STRUCTURED_FORMATS:
        if not draft.items:
            fail("items", f"“{draft.format}”格式的资源须登记信息项")
        elif not any(i.is_key for i in draft.items):
            fail("items", "须指定至少一个主键信息项（用于汇聚时识别记录）")
    seen: dict[str, int] = {}
    for n, item in enumerate(draft.items):
        where = f"items.{n}"
        if item.field_code in seen:
            fail(f"{where}.field_code", f"字段编码“{item.field_code}”与第{seen[item.field_code] + 1}项重复")
        seen.setdefault(item.field_code, n)
        needs_length = DATA_TYPES[item.data_type][1]
        if needs_length and item.length is None:
            fail(f"{where}.length", f"{DATA_TYPES[item.data_type][0]}信息项须填写长度")
        if item.is_key and not item.required:
            fail(f"{where}.required", "主键信息项必须为必填")
        if item.pii_kind and item.sensitivity == "L1":
            fail(f"{where}.sensitivity", "个人信息项的敏感级别不应低于L2")
    names = [i.name for i in draft.items]
    for n, name in enumerate(names):
        if names.index(name) != n:
            fail(f"items.{n}.name", f"信息项名称“{name}”重复")
    return errors
