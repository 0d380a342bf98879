"""HTML pages of the datasets: the list, one dataset (columns, lineage, findings, quality trend), one batch.
Each page calls the same service functions as its JSON twin in ``api.datasets``."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from govdata.aggregation import policy, service
from govdata.catalog.standard import DATA_TYPES
from govdata.core import labels
from govdata.core.policy import OVERSIGHT_ROLES, allowed
from govdata.org import service as org_service
from govdata.org.schemas import DepartmentFilter
from govdata.web.entries import finding_refs
from govdata.web.forms import page, read_form
from govdata.web.render import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 100
BATCHES_SHOWN = 20
REJECTIONS_SHOWN = 500
LABELS = {
    "type_names": {code: name for code, (name, _) in DATA_TYPES.items()},
    "source_labels": {"push": "实时推送", "file": "文件导入", "pull": "数据库抽取", "stream": "消息流",
                      "delete": "删除（已批准）"},
    "status_labels": {"committed": "已写入", "rejected": "整批拒收"},
    "mode_labels": {"all": "全部或全不", "partial": "部分写入"},
    "actor_kinds": {"system": "应用系统", "user": "用户", "platform": "平台"},
    "finding_labels": {"scope_expansion": "超范围采集", "late_aggregation": "未按时汇聚（迟报）",
                       "duplicate_collection": "重复采集", "misuse": "违规使用"},
    "trigger_labels": {"batch": "批次入库后", "refresh": "手动评估", "job": "定时评估"},
    "resource_statuses": {"published": "已发布", "withdrawn": "已撤销"},
}


def _params(request: Request) -> dict[str, str]:
    return {k: v.strip() for k, v in request.query_params.items() if v.strip() != ""}


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


@router.get("/aggregation/datasets")
def datasets_page(request: Request) -> Response:
    params = _params(request)
    department_id, offset = _int(params.get("department_id")), _int(params.get("offset")) or 0
    with page(request) as (session, actor):
        data = service.list_datasets(session, actor, department_id, params.get("q"), PAGE_SIZE, offset,
                                     params.get("aggregated") == "1")
        departments: list[Any] = []
        if actor.has(*OVERSIGHT_ROLES):
            departments, _ = org_service.list_departments(session, actor, DepartmentFilter(limit=500))
        return render(request, "aggregation/datasets.html", actor, data=data, departments=departments,
                      params=params, department_id=department_id, page_size=PAGE_SIZE, **LABELS)


def _chart(history: dict[str, Any]) -> dict[str, list[Any]]:
    """Series for ECharts: [epoch ms, value in %] per dimension and the score."""
    series: dict[str, list[Any]] = {k: [] for k in ("score", "completeness", "validity", "uniqueness", "timeliness")}
    for p in history["points"]:
        at = int(p["measured_at"].timestamp() * 1000)
        series["score"].append([at, p["score"]])
        for k in ("completeness", "validity", "uniqueness", "timeliness"):
            series[k].append([at, round(p[k] * 100, 2) if p[k] is not None else None])
    return series


@router.get("/aggregation/datasets/{code}")
def dataset_page(request: Request, code: str) -> Response:
    with page(request) as (session, actor):
        dataset = service.get_dataset(session, actor, code)
        batches = service.list_batches(session, actor, code, BATCHES_SHOWN, 0)
        history = service.quality_history(session, actor, code, 30, 200)
        owner = SimpleNamespace(department_id=dataset["department_id"])  # what the dataset's rules look at
        can_refresh = allowed(actor, policy.refresh_quality, owner)
        refs = labels.object_refs(session, actor, [r for f in dataset["findings"] for r in finding_refs(f)])
        return render(request, "aggregation/dataset.html", actor, d=dataset, batches=batches, history=history,
                      chart=_chart(history), can_refresh=can_refresh, owner=owner, saved=request.query_params.get("saved"),
                      refs=refs, **LABELS)


@router.get("/aggregation/datasets/{code}/batches")
def batches_partial(request: Request, code: str) -> Response:
    """More of the lineage table (htmx), from ``offset``."""
    offset = _int(request.query_params.get("offset")) or 0
    with page(request) as (session, actor):
        batches = service.list_batches(session, actor, code, BATCHES_SHOWN, offset)
        return render(request, "aggregation/_batches.html", actor, batches=batches, code=code, **LABELS)


@router.post("/aggregation/datasets/{code}/quality")
async def refresh_form(request: Request, code: str) -> Response:
    await read_form(request)
    with page(request) as (session, actor):
        service.refresh_quality(session, actor, code)
    return RedirectResponse(f"/aggregation/datasets/{code}?saved=refreshed#quality", status_code=303)


@router.get("/aggregation/batches/{batch_id}")
def batch_page(request: Request, batch_id: int) -> Response:
    with page(request) as (session, actor):
        batch = service.get_batch(session, actor, batch_id, REJECTIONS_SHOWN)
        return render(request, "aggregation/batch.html", actor, b=batch, shown=REJECTIONS_SHOWN, **LABELS)
