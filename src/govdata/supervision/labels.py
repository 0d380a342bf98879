"""The words for the codes of the supervision context (``core.labels``): its policy rules."""

from __future__ import annotations

from govdata.core import labels

labels.register(
    scope="supervision",
    categories={"supervision": "审计监督"},
    actions={"supervision.search_audit": "查看审计日志", "supervision.verify_audit": "校验审计日志"},
)
