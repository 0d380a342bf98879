"""The words for the codes the web edge writes itself (``core.labels``): the per-minute entry of calls
without credentials, and what a refused request's entry holds (``edge.audit_denial``)."""

from __future__ import annotations

from govdata.core import labels

labels.register(
    scope="web",
    actions={"auth.anonymous_calls": "未登录的接口调用（每分钟汇总）"},
    fields={"code": "原因", "path": "请求地址", "http_method": "请求方法", "from": "自", "to": "至",
            "calls": "调用次数", "by": "明细", "client": "来源地址", "result": "结果", "reason": "原因"},
    values={"success": "成功", "denied": "拒绝", "failure": "失败", "unauthenticated": "未登录"},
)
