"""Excel interchange of a department's catalog (CAT-1): the import writes every entry of a parsed workbook
through ``create_resource`` / ``update_draft``; the export gives the rows of the entries a reader may see.
The workbook itself (template, cells, reading, writing) is the package ``catalog/excel/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from govdata.catalog import policy
from govdata.catalog.excel import CellError, ParsedCatalog, sort_errors
from govdata.catalog.models import RESOURCE_STATUSES, Classification, Resource, ResourceVersion
from govdata.catalog.schemas import ResourceCreate
from govdata.catalog.service.drafts import create_resource, update_draft
from govdata.catalog.service.versions import snapshot
from govdata.core import audit
from govdata.core.actor import Actor
from govdata.core.errors import DomainError, FieldError, invalid
from govdata.core.policy import allowed, authorize
from govdata.org import service as org_service
from govdata.org.models import Department

__all__ = ["IMPORT_CHANGE_REASON", "IMPORT_MODES", "ImportResult", "export_catalog", "import_catalog"]

IMPORT_MODES = ("all", "valid")
IMPORT_CHANGE_REASON = "通过 Excel 批量导入修改"


@dataclass
class ImportResult:
    imported: list[str]  # the codes of the entries created or changed, in sheet order
    created: int
    updated: int
    errors: list[CellError]  # with mode "valid": the rows that were left out, and why


def import_catalog(session: Session, actor: Actor, department_id: int | None, parsed: ParsedCatalog,
                   mode: str = "all") -> ImportResult:
    """Register (no 资源代码) or change (资源代码 of one of the department's entries) every entry of a parsed
    workbook, each through ``create_resource`` / ``update_draft`` so it is validated and audited like any other.
    mode "all": when any cell fails nothing is written (``import_rejected``, every error listed); mode "valid":
    the entries without errors are written and every error is still reported. What needs the database is
    checked for every row before the first write, so a rejected import has written nothing."""
    department_id = department_id or actor.department_id
    authorize(actor, policy.import_catalog, department_id)
    if mode not in IMPORT_MODES:
        raise invalid("mode", "导入方式只能是 all（全部无误才导入）或 valid（只导入无误的资源）")
    if department_id is None:
        raise invalid("department_id", "请选择导入到哪个部门")
    department = org_service.get_department(session, actor, department_id)
    _check_import(session, department, parsed)
    errors = sort_errors([*parsed.errors, *(e for r in parsed.resources for e in r.errors)])
    summary = {"mode": mode, "resources": len(parsed.resources), "items": parsed.item_count, "errors": len(errors)}
    if errors and mode == "all":
        audit.record(session, actor, "catalog.import_catalog", object_type="department", object_id=department.id,
                     department_id=department.id, medium="xlsx", result="failure",
                     detail={**summary, "created": 0, "updated": 0})
        raise _rejected(errors, keep_writes=True)  # only the audit entry was written
    imported: list[str] = []
    created = updated = 0
    for entry in parsed.valid:
        assert entry.draft is not None
        try:
            if entry.code:
                draft = entry.draft
                if not draft.change_reason:
                    draft = draft.model_copy(update={"change_reason": IMPORT_CHANGE_REASON})
                resource = update_draft(session, actor, entry.code, draft)
                updated += 1
            else:
                payload = ResourceCreate.model_validate({**entry.draft.model_dump(), "department_id": department.id})
                resource = create_resource(session, actor, payload)
                created += 1
        except DomainError as exc:  # not foreseen by the checks above: the whole import is undone
            failed = entry.add(exc.errors) if exc.errors else [entry.locate("key", exc.message("zh"))]
            raise _rejected(sort_errors([*errors, *failed])) from exc
        imported.append(resource.code)
    audit.record(session, actor, "catalog.import_catalog", object_type="department", object_id=department.id,
                 department_id=department.id, medium="xlsx",
                 detail={**summary, "created": created, "updated": updated})
    return ImportResult(imported, created, updated, errors)


def _check_import(session: Session, department: Department, parsed: ParsedCatalog) -> None:
    """What the workbook alone cannot tell: known classification codes, and entries to change that exist,
    belong to this department and are not under review or withdrawn. Errors land on the entry's cells."""
    classifications = set(session.scalars(select(Classification.code)))
    codes = [r.code for r in parsed.resources if r.code]
    existing: dict[str, Resource] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        existing.update((r.code, r) for r in session.scalars(select(Resource).where(Resource.code.in_(chunk))))
    for entry in parsed.resources:
        if entry.draft is not None and entry.draft.classification_code not in classifications:
            entry.add([FieldError("classification_code", "unknown",
                                  f"分类代码“{entry.draft.classification_code}”不存在，见“说明”表的资源分类")])
        if not entry.code:
            continue
        resource = existing.get(entry.code)
        problem = None
        if resource is None:
            problem = f"资源代码“{entry.code}”不存在；登记新目录请留空"
        elif resource.department_id != department.id:
            problem = f"资源代码“{entry.code}”不是{department.name}的目录，不能在此修改；复制到本部门请清空资源代码"
        elif resource.status in ("confidentiality_review", "center_review"):
            problem = "该目录正在审核中，不能修改，请等待审核结果或联系审核人退回"
        elif resource.status == "withdrawn":
            problem = "该目录已撤销，不能修改"
        if problem:
            entry.add([FieldError("code", "unknown", problem)])


def _rejected(errors: list[CellError], keep_writes: bool = False) -> DomainError:
    shown = "；".join(e.text() for e in errors[:5]) + ("……" if len(errors) > 5 else "")
    return DomainError("import_rejected", f"共{len(errors)}处错误，未导入任何内容：{shown}",
                       f"{len(errors)} errors; nothing was imported", keep_writes=keep_writes,
                       extra={"imported": [], "errors": [e.as_dict() for e in errors]})


def export_catalog(session: Session, actor: Actor, department_id: int | None = None,
                   status: str | None = None) -> list[dict[str, Any]]:
    """The entries the actor may see, for the workbook, in code order: a department's (``department_id``) or
    every department's. Each entry's draft where the actor may see drafts (its own department, the
    overseers), else its published version; ``status`` filters on the entry's status as the catalog list does
    (``published`` exports the published content). Withdrawn entries only when asked for. Each row is the
    version's content (``snapshot``) with the entry's code, status, version number and department."""
    authorize(actor, policy.export_catalog, department_id)
    if status is not None and status not in RESOURCE_STATUSES:
        raise invalid("status", "目录状态只能是：" + "、".join(RESOURCE_STATUSES))
    query = select(Resource).where(policy.resources_visible_to(actor)).options(selectinload(Resource.department))
    if department_id is not None:
        query = query.where(Resource.department_id == org_service.get_department(session, actor, department_id).id)
    query = query.where(Resource.status == status) if status else query.where(Resource.status != "withdrawn")
    chosen: list[tuple[Resource, int]] = []
    for resource in session.scalars(query.order_by(Resource.code)):
        shown = resource.published_version_id
        if status != "published" and resource.draft_version_id and allowed(actor, policy.draft_for, resource):
            shown = resource.draft_version_id
        if shown is not None:
            chosen.append((resource, shown))
    versions: dict[int, ResourceVersion] = {}
    ids = [v for _, v in chosen]
    for start in range(0, len(ids), 500):
        versions.update((v.id, v) for v in session.scalars(
            select(ResourceVersion).where(ResourceVersion.id.in_(ids[start:start + 500]))
            .options(selectinload(ResourceVersion.classification))))
    rows = [{**snapshot(versions[v]), "code": r.code, "status": r.status, "version_no": versions[v].version_no,
             "department": r.department.name} for r, v in chosen]
    audit.record(session, actor, "catalog.export_catalog", object_type="catalog_resource", medium="xlsx",
                 department_id=department_id,
                 detail={"department_id": department_id, "status": status, "entries": len(rows),
                         "codes": [r["code"] for r in rows][:200]})
    return rows
