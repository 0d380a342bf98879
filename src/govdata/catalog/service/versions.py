"""An entry and its versions: finding them, a version's content as a snapshot (the audit entries'
before/after, the exports), and the rules every saved or submitted draft must pass.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govdata.catalog import rules
from govdata.catalog.models import Classification, Resource, ResourceVersion
from govdata.catalog.schemas import ResourceDraft
from govdata.core.errors import FieldError, Invalid, NotFound

__all__ = ["ITEM_FIELDS", "VERSION_FIELDS", "classification_by_code", "snapshot", "version"]

VERSION_FIELDS = ("name", "summary", "format", "share_type", "share_condition", "share_method", "legal_basis",
                  "open_to_public", "open_condition", "update_cycle", "release_date", "related_codes", "data_level",
                  "secret_declared", "keywords")
ITEM_FIELDS = ("name", "field_code", "data_type", "length", "required", "is_key", "sensitivity", "pii_kind",
               "shared", "description")


def resource_by_code(session: Session, code: str, lock: bool = False) -> Resource:
    query = select(Resource).where(Resource.code == code)
    if lock:
        query = query.with_for_update()
    resource = session.scalar(query)
    if resource is None:
        raise NotFound("目录资源", code, "Catalog resource")
    return resource


def version(session: Session, version_id: int | None) -> ResourceVersion | None:
    return session.get(ResourceVersion, version_id) if version_id else None


def classification_by_code(session: Session, code: str) -> Classification:
    found = session.scalar(select(Classification).where(Classification.code == code))
    if found is None:
        raise Invalid([FieldError("classification_code", "unknown", f"分类代码不存在：{code}")])
    return found


def snapshot(v: ResourceVersion) -> dict[str, Any]:
    data = {f: getattr(v, f) for f in VERSION_FIELDS}
    data["classification_code"] = v.classification.code if v.classification else None
    data["items"] = [{f: getattr(i, f) for f in ITEM_FIELDS} for i in v.items]
    return data


def validate_draft(draft: ResourceDraft) -> None:
    errors = rules.check(draft)
    if errors:
        raise Invalid(errors)
