"""The words for the codes of the aggregation context (``core.labels``): its actions and policy rules, the
datasets, batches, file loads and pull sources its entries name, the kinds of finding it records (with a
sentence for each), and the fields and values its entries hold."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govdata.aggregation import policy
from govdata.aggregation.models import (
    DELETION_STATUSES, DUE_UNITS, FILE_LOAD_STATUSES, FREQUENCIES, PULL_RUN_STATUSES, SCHEDULE_STATUSES, Batch,
    Dataset, FileLoad, PullSource,
)
from govdata.catalog.models import Resource, ResourceVersion
from govdata.core import labels
from govdata.core.labels import FindingKind, Found, ObjectKind, int_keys, local_time
from govdata.workflow.service import REGISTRY


def _resources(session: Session, codes: list[str]) -> dict[str, Found]:
    shown = func.coalesce(Resource.published_version_id, Resource.draft_version_id)
    rows = session.execute(select(Resource, ResourceVersion.name)
                           .join(Dataset, Dataset.resource_id == Resource.id)
                           .join(ResourceVersion, ResourceVersion.id == shown, isouter=True)
                           .where(Resource.code.in_(codes)))
    return {r.code: Found(r, f"{name or r.code}（{r.code}）", f"/aggregation/datasets/{r.code}") for r, name in rows}


def _batches(session: Session, keys: list[str]) -> dict[str, Found]:
    rows = session.execute(select(Batch.id, Resource).join(Dataset, Dataset.id == Batch.dataset_id)
                           .join(Resource, Resource.id == Dataset.resource_id).where(Batch.id.in_(int_keys(keys))))
    return {str(i): Found(r, f"#{i}（{r.code}）", f"/aggregation/batches/{i}") for i, r in rows}


def _file_loads(session: Session, keys: list[str]) -> dict[str, Found]:
    rows = session.execute(select(FileLoad, Resource.code).join(Dataset, Dataset.id == FileLoad.dataset_id)
                           .join(Resource, Resource.id == Dataset.resource_id).where(FileLoad.id.in_(int_keys(keys))))
    return {str(f.id): Found(f, f.filename, f"/aggregation/datasets/{code}/loads/{f.id}") for f, code in rows}


def _pull_sources(session: Session, keys: list[str]) -> dict[str, Found]:
    rows = session.execute(select(PullSource, Resource.code).join(Resource, Resource.id == PullSource.resource_id)
                           .where(PullSource.id.in_(int_keys(keys))))
    return {str(s.id): Found(s, s.name, f"/aggregation/datasets/{code}/sources/{s.id}") for s, code in rows}


def _scope_expansion(finding: dict[str, Any]) -> str:
    d = finding.get("detail") or {}
    return (f"{finding.get('actor_name') or '提交方'} 提交了未登记的信息项：{'、'.join(d.get('fields') or [])}，"
            f"{d.get('rows', 0)} 条记录被拒收")


def _late(finding: dict[str, Any]) -> str:
    d = finding.get("detail") or {}
    last = local_time(d["last_batch_at"]) if d.get("last_batch_at") else "尚无"
    return (f"应于 {local_time(d.get('expected_by'))} 前汇聚，已迟报 {float(d.get('late_by_hours') or 0):.1f} 小时"
            f"（最近一次汇聚：{last}）")


def _duplicate(finding: dict[str, Any]) -> str:
    d = finding.get("detail") or {}
    return "、".join(str(v) for v in (d.get("fields") or d.get("items") or [])) or "与其他部门采集的信息重复"


def _steps(process: str, action: str, family: str) -> dict[str, str]:
    return {action: family} | {f"{action}.{t.name}": f"{family}：{t.label}" for t in REGISTRY[process].transitions}


labels.register(
    scope="aggregation",
    categories={"aggregation": "数据汇聚"},
    actions={
        "aggregation.list_datasets": "查看数据集列表",
        "aggregation.get_dataset": "查看数据集",
        "aggregation.dataset_published": "建立数据集（目录发布后）",
        "aggregation.push_records": "推送数据",
        "aggregation.get_record": "查看汇聚的记录",
        "aggregation.list_batches": "查看汇聚批次",
        "aggregation.get_batch": "查看汇聚批次",
        "aggregation.quality_history": "查看数据质量",
        "aggregation.refresh_quality": "评估数据质量",
        "aggregation.refresh_stale_quality": "定时评估数据质量",
        "aggregation.list_findings": "查看监督发现",
        "aggregation.upload_file": "上传数据文件",
        "aggregation.map_columns": "设置文件列与信息项的对应",
        "aggregation.start_file_load": "开始导入数据文件",
        "aggregation.run_file_load": "导入数据文件",
        "aggregation.load_file": "导入数据文件",
        "aggregation.list_file_loads": "查看文件导入记录",
        "aggregation.get_file_load": "查看文件导入记录",
        "aggregation.rejection_report": "下载拒收记录报告",
        "aggregation.register_pull_source": "登记数据库抽取来源",
        "aggregation.update_pull_source": "修改数据库抽取来源",
        "aggregation.set_pull_source_enabled": "启用或停用数据库抽取",
        "aggregation.check_pull_source": "测试数据库抽取来源",
        "aggregation.run_pull": "执行数据库抽取",
        "aggregation.run_due_pulls": "定时执行数据库抽取",
        "aggregation.list_pull_sources": "查看数据库抽取来源",
        "aggregation.get_pull_source": "查看数据库抽取来源",
        "aggregation.list_pull_runs": "查看数据库抽取记录",
        "aggregation.register_stream_subscription": "登记消息流订阅",
        "aggregation.set_stream_subscription_enabled": "启用或停用消息流订阅",
        "aggregation.consume_stream": "接收消息流数据",
        "aggregation.consume_streams": "定时接收消息流数据",
        "aggregation.list_stream_subscriptions": "查看消息流订阅",
        "aggregation.list_stream_runs": "查看消息流接收记录",
        "aggregation.file_schedule": "备案汇聚时限",
        **_steps("aggregation_schedule_filing", "aggregation.decide_schedule", "审核汇聚时限备案"),
        "aggregation.list_schedules": "查看汇聚时限备案",
        "aggregation.get_schedule": "查看汇聚时限备案",
        "aggregation.dataset_timeliness": "查看数据集汇聚及时性",
        "aggregation.department_timeliness": "查看部门汇聚及时性",
        "aggregation.check_timeliness": "检查汇聚及时性",
        "aggregation.request_deletion": "申请删除数据",
        **_steps("aggregation_deletion", "aggregation.decide_deletion", "审批数据删除"),
        "aggregation.list_deletions": "查看数据删除申请",
        "aggregation.get_deletion": "查看数据删除申请",
    },
    objects={
        "dataset": ObjectKind("数据集", _resources, policy.get_dataset),
        "batch": ObjectKind("汇聚批次", _batches, policy.get_batch),
        "file_load": ObjectKind("文件导入", _file_loads, policy.get_file_load),
        "pull_source": ObjectKind("数据库抽取来源", _pull_sources, policy.get_pull_source),
        "stream_subscription": ObjectKind("消息流订阅"),
    },
    findings={
        "scope_expansion": FindingKind("超范围采集", _scope_expansion,
                                       lambda d: [("batch", d["batch_id"])] if d.get("batch_id") else []),
        "late_aggregation": FindingKind("未按时汇聚（迟报）", _late),
        "duplicate_collection": FindingKind("重复采集", _duplicate),
    },
    fields={
        "resource_code": "资源代码", "batch_id": "批次", "batch_ids": "批次", "source": "汇聚方式", "mode": "写入方式",
        "status": "状态", "payload_digest": None, "idempotency_key": None, "digest": None, "received": "收到",
        "inserted": "新增", "updated": "更新", "unchanged": "未变", "rejected": "拒收", "out_of_scope_fields": "未登记的信息项",
        "fields": "信息项", "count": "记录数", "keys": "记录标识", "added_columns": "新增的列", "table": None,
        "version_no": "目录版本", "snapshot_id": None, "score": "质量评分", "current_rows": "现有记录数",
        "refreshed": "已评估", "stale": "待评估", "codes": "资源代码", "filename": "文件名", "size": "大小（字节）",
        "encoding": "编码", "columns": "列", "mapping": "列与信息项的对应", "name": "名称", "enabled": "启用",
        "error": "错误", "run_id": None, "rows": "记录数", "batches": "批次数", "more": "尚有未读数据",
        "schedule_id": "备案", "work_item": "审批事项", "frequency": "汇聚频率", "every_hours": "间隔小时数",
        "due_within": "汇聚时限", "due_unit": "时限单位", "superseded": "替代的备案", "deletion_id": "删除申请",
        "finding_id": None, "basis": "依据", "expected_by": "应汇聚时间", "late_by_hours": "迟报小时数",
        "last_batch_at": "最近一次汇聚", "changes": "修改", "host": "主机", "port": "端口", "database": "数据库", "dialect": "数据库类型",
        "table_name": "数据表", "query": "查询语句", "key_columns": "主键列", "watermark_column": "增量标记列",
        "interval_minutes": "抽取间隔（分钟）",
    },
    values={
        **PULL_RUN_STATUSES, **FILE_LOAD_STATUSES, **DELETION_STATUSES, **SCHEDULE_STATUSES, **FREQUENCIES,
        **DUE_UNITS, "committed": "已写入", "rejected": "未通过", "approved": "已批准",
        "push": "实时推送", "file": "文件导入", "pull": "数据库抽取", "stream": "消息流", "delete": "删除（已批准）",
        "all": "全部或全不", "partial": "部分写入", "filed_schedule": "备案的汇聚时限", "irregular": "不定期",
        "update_cycle": "目录的更新周期", "real_time": "实时",
    },
)
