"""The one authorization mechanism (SEC-1: authorize by duty, i.e. role and department).

Each context keeps its rules in ``<context>/policy.py``: one function per service function, of the same
name, taking ``(actor, obj)`` and returning True or False. Services call ``authorize``; list services
narrow their queries with the context's ``visible_to`` clauses. ``tests/test_policy_pairing.py`` checks
that every service function has its rule and every rule its service function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govdata.core.actor import Actor
from govdata.core.errors import Forbidden

Rule = Callable[[Actor, Any], bool]

ROLES: dict[str, tuple[str, str]] = {
    "platform_admin": ("平台管理员（大数据中心）", "Platform administrator (big data center)"),
    "supervisor": ("监督管理员（电子政务管理部门）", "Supervisor (e-government authority)"),
    "security_regulator": ("安全监管员（信息网络安全监管部门）", "Security regulator"),
    "finance_viewer": ("财政查阅员（财政局）", "Finance viewer (finance bureau)"),
    "dept_manager": ("部门数据管理员", "Department data manager"),
    "dept_reviewer": ("部门审核员", "Department reviewer"),
    "data_user": ("数据使用人员", "Data user"),
    "evaluator": ("第三方评估人员", "Third-party evaluator"),
    "vendor": ("技术服务单位人员", "Technical service unit staff"),
}

# Roles that see across all departments for oversight.
OVERSIGHT_ROLES = ("platform_admin", "supervisor", "security_regulator")


def refusal(message: str) -> Callable[[Rule], Rule]:
    """Decorate a rule with the sentence a refused person reads (plain Chinese: who may do it), instead of
    the rule's name."""
    def mark(rule: Rule) -> Rule:
        rule.refusal = message  # type: ignore[attr-defined]
        return rule
    return mark


def authorize(actor: Actor, rule: Rule, obj: Any = None) -> None:
    """Raise ``Forbidden`` unless ``rule`` allows ``actor`` to act on ``obj``.

    The refusal names the rule (``<context>.<function>``), so the edge can audit the refused attempt; its
    message is the rule's ``refusal`` sentence when it has one.
    """
    if actor.kind == "platform" or rule(actor, obj):
        return
    action = f"{rule.__module__.split('.')[1]}.{rule.__name__}"  # govdata.<context>.policy[.<topic>]
    raise Forbidden(action, getattr(rule, "refusal", None) or f"当前账号无权执行“{action}”", f"Not allowed: {action}")


def allowed(actor: Actor, rule: Rule, obj: Any = None) -> bool:
    """For templates and menus: the same answer ``authorize`` would give, without raising."""
    return actor.kind == "platform" or rule(actor, obj)
