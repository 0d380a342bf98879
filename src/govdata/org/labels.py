"""The words for the codes of the org context and of signing in (``core.labels``): its actions and policy
rules, the objects its entries name (departments, users), and the fields and values they hold."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from govdata.core import labels
from govdata.core.labels import Found, ObjectKind, int_keys
from govdata.core.policy import ROLES
from govdata.org import policy
from govdata.org.models import PERSON_ROLE_LABELS, REGION_LEVEL_LABELS, Department, Region, User

ACTIONS = {
    # signing in (org/signin.py)
    "auth.sign_in": "登录",
    "auth.sign_out": "退出登录",
    "auth.session_end": "登录会话结束",
    # services and their rules
    "org.list_regions": "查看行政区划",
    "org.create_region": "新增行政区划",
    "org.summary": "查看平台概况",
    "org.list_departments": "查看部门列表",
    "org.get_department": "查看部门信息",
    "org.create_department": "新增部门",
    "org.update_department": "修改部门信息",
    "org.list_people": "查看部门责任人",
    "org.set_person": "设定部门责任人",
    "org.add_contact": "新增部门联系人",
    "org.end_contact": "停用部门联系人",
    "org.list_users": "查看用户列表",
    "org.get_user": "查看用户信息",
    "org.create_user": "新增用户",
    "org.update_user": "修改用户信息",
    "org.change_password": "修改密码",
    "org.list_tokens": "查看接口令牌",
    "org.create_token": "创建接口令牌",
    "org.revoke_token": "吊销接口令牌",
}

FIELDS: dict[str, str | None] = {
    "role": "职责", "roles": "角色", "name": "名称", "title": "职务", "phone": "电话", "email": "电子邮箱",
    "username": "用户名", "display_name": "姓名", "active": "启用", "department_id": "部门",
    "credit_code": "统一社会信用代码", "short_name": "简称", "kind": "类型", "duties": "职责描述",
    "management_rules": "管理制度", "region_id": "行政区划", "code": "代码", "level": "层级",
    "parent_id": "上级", "reason": "原因", "expires_at": "有效期至", "prefix": "令牌前缀",
}

VALUES = {
    **PERSON_ROLE_LABELS, **REGION_LEVEL_LABELS, **{code: names[0] for code, names in ROLES.items()},
    "wrong_password": "密码错误", "unknown_user": "用户名不存在", "account_locked": "账号已锁定（多次密码错误）",
    "account_disabled": "账号已停用", "idle_timeout": "长时间未操作", "max_lifetime": "超过最长登录时间",
    "sign_out": "主动退出",
}


def _users(session: Session, keys: list[str]) -> dict[str, Found]:
    rows = session.scalars(select(User).where(User.id.in_(int_keys(keys))))
    return {str(u.id): Found(u, f"{u.display_name}（{u.username}）", f"/users/{u.id}") for u in rows}


def _departments(session: Session, keys: list[str]) -> dict[str, Found]:
    rows = session.scalars(select(Department).where(Department.id.in_(int_keys(keys))))
    return {str(d.id): Found(d, d.name, f"/departments/{d.id}") for d in rows}


def _regions(session: Session, keys: list[str]) -> dict[str, Found]:
    rows = session.scalars(select(Region).where(Region.id.in_(int_keys(keys))))
    return {str(r.id): Found(r, r.name) for r in rows}


labels.register(
    scope="org",
    categories={"auth": "登录与身份认证", "org": "部门与用户"},
    actions=ACTIONS,
    objects={
        "user": ObjectKind("用户", _users, policy.get_user),
        "department": ObjectKind("部门", _departments, policy.get_department),
        "region": ObjectKind("行政区划", _regions, policy.list_regions),
        "api_token": ObjectKind("接口令牌"),
    },
    fields=FIELDS,
    values=VALUES,
)
