"""The words for the codes of the collection context (``core.labels``): its actions and policy rules, the
collection catalogs its entries name, and the fields they hold."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from govdata.collection import policy
from govdata.collection.models import CollectionCatalog
from govdata.core import labels
from govdata.core.labels import Found, ObjectKind, int_keys


def _catalogs(session: Session, keys: list[str]) -> dict[str, Found]:
    rows = session.scalars(select(CollectionCatalog).where(CollectionCatalog.id.in_(int_keys(keys))))
    return {str(c.id): Found(c, f"{c.name}（第 {c.version_no} 版）", f"/collection/catalogs/{c.id}") for c in rows}


labels.register(
    scope="collection",
    categories={"collection": "采集目录"},
    actions={
        "collection.list_catalogs": "查看采集目录",
        "collection.get_catalog": "查看采集目录",
        "collection.import_catalog": "导入采集目录",
        "collection.coverage_report": "查看采集目录落实情况",
        "collection.duplicate_report": "查看重复采集情况",
    },
    objects={"collection_catalog": ObjectKind("采集目录", _catalogs, policy.get_catalog)},
    fields={"region": "行政区划代码", "level": "层级", "name": "名称", "version_no": "版本",
            "supersedes": "替代的采集目录", "requirements": "采集事项数", "items": "信息项数", "file": "文件",
            "sm3": None},
    values={"province": "省级", "city": "市级", "county": "县级", "in_force": "现行", "superseded": "已被替代"},
)
