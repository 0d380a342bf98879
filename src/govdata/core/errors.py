"""Domain errors and their RFC 9457 problem+json form.

Every error has a stable ``code``; its title comes from ``MESSAGES`` in Chinese and English. Services
raise these; the API turns them into problem+json and the UI shows the same message in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# code -> (HTTP status, Chinese title, English title)
MESSAGES: dict[str, tuple[int, str, str]] = {
    "validation_failed": (422, "提交的数据不符合要求", "The submitted data is invalid"),
    "body_too_large": (413, "请求体过大", "Request body too large"),
    "bad_request": (400, "请求格式错误", "Malformed request"),
    "not_found": (404, "对象不存在", "Not found"),
    "conflict": (409, "与现有数据冲突", "Conflicts with existing data"),
    "duplicate": (409, "名称或编码已存在", "Name or code already exists"),
    "forbidden": (403, "无权执行此操作", "You are not allowed to do this"),
    "csrf_failed": (403, "表单已过期或来源不可信，请刷新页面后重试", "CSRF check failed; reload the page"),
    "unauthenticated": (401, "请先登录", "Authentication required"),
    "login_failed": (401, "用户名或密码错误", "Wrong username or password"),
    "account_locked": (423, "登录失败次数过多，账号已临时锁定", "Too many failed sign-ins; account locked"),
    "account_disabled": (403, "账号已停用", "Account disabled"),
    "session_expired": (401, "会话已超时，请重新登录", "Session expired; sign in again"),
    "token_invalid": (401, "访问令牌无效或已撤销", "API token invalid or revoked"),
    "weak_password": (422, "密码不符合安全策略", "Password does not meet the policy"),
    # signed calls of business systems (docs/api-signing.md)
    "signature_missing": (401, "缺少签名请求头", "Signature headers missing"),
    "signature_invalid": (401, "签名校验失败", "Signature does not match"),
    "app_key_unknown": (401, "AppKey 不存在", "Unknown AppKey"),
    "app_key_revoked": (401, "AppKey 已吊销", "AppKey revoked"),
    "timestamp_invalid": (401, "时间戳格式错误", "Malformed timestamp"),
    "timestamp_skewed": (401, "时间戳与服务器时间相差超过5分钟", "Timestamp more than 5 minutes off"),
    "nonce_invalid": (401, "随机串格式错误", "Malformed nonce"),
    "nonce_reused": (401, "随机串已使用（疑似重放）", "Nonce already used (replay)"),
    "system_not_approved": (403, "应用系统未通过接入审核", "Business system not approved"),
    "system_assessment_expired": (403, "应用系统等保测评已过期", "Security assessment expired"),
    # catalog
    "secret_refused": (409, "涉密数据不得在平台登记发布", "Data declared a state secret cannot be published"),
    # catalog Excel import (catalog/excel/)
    "upload_too_large": (413, "上传的文件过大", "Uploaded file too large"),
    "excel_unreadable": (422, "无法读取 Excel 文件", "The Excel file cannot be read"),
    "excel_too_many_rows": (422, "Excel 文件行数超过上限", "Too many rows in the Excel file"),
    "import_rejected": (422, "导入数据有误，未导入任何内容", "The import has errors; nothing was imported"),
    # aggregation (aggregation/service/)
    "resource_not_published": (409, "数据资源目录尚未发布，不能汇聚数据", "The catalog entry is not published"),
    "dataset_not_structured": (409, "该目录的数据格式不是数据库或电子表格，不能按记录汇聚",
                               "The entry's format holds no structured records"),
    "dataset_column_type_changed": (409, "信息项的数据类型不能变更（数据表的列不可修改）",
                                    "An item's data type cannot change (dataset columns are never altered)"),
    "payload_malformed": (422, "推送的数据格式错误", "The pushed payload is malformed"),
    "batch_too_large": (422, "单批记录数超过上限", "Too many rows in one batch"),
    "batch_rejected": (422, "批次中有不合格的记录，整批未写入", "The batch has rejected rows; nothing was written"),
    "idempotency_key_reused": (409, "幂等键已用于内容不同的批次", "Idempotency-Key already used for another payload"),
    "concurrent_write": (409, "同一记录正被并发写入，请重试", "The same records are being written concurrently; retry"),
    "item_type_changed": (422, "已发布信息项的数据类型不能修改", "A published item's data type cannot change"),
    # file loads (aggregation/service/files.py)
    "file_empty": (422, "文件为空", "The file is empty"),
    "file_encoding": (422, "无法识别文件编码，CSV文件应为UTF-8或GB18030", "CSV must be UTF-8 or GB18030"),
    "file_unreadable": (422, "文件无法读取", "The file cannot be read"),
    "file_no_header": (422, "文件第1行应为列名", "The first row must hold column names"),
    "file_no_rows": (422, "文件中没有数据行", "The file holds no data rows"),
    "file_duplicate_column": (422, "文件中有重复的列名", "The file has duplicate column names"),
    # limits of uploaded files, checked before they are parsed (core/sheet_guard.py)
    "file_too_large_unpacked": (422, "Excel文件解压后超过上限", "The workbook unpacks to more than the limit"),
    "file_compression_ratio": (422, "Excel文件压缩比异常，疑似压缩炸弹", "Suspicious compression ratio (decompression bomb)"),
    "file_unsafe": (422, "文件含有不允许的内容", "The file holds content that is not allowed"),
    "file_too_many_rows": (422, "文件行数超过上限", "Too many rows in the file"),
    "file_too_many_columns": (422, "文件列数超过上限", "Too many columns in the file"),
    "file_line_too_long": (422, "CSV文件中有一行过长", "A line of the CSV file is too long"),
    "mapping_invalid": (422, "列与信息项的对应关系有误", "The column mapping is invalid"),
    "columns_unmapped": (422, "有列既未对应信息项也未声明不导入", "Some columns are neither mapped nor ignored"),
    "file_load_done": (409, "该文件已导入", "This file load has already run"),
    "file_missing": (409, "上传的文件已不在服务器上", "The uploaded file is missing"),
    # filed schedules (aggregation/service/schedules.py)
    "schedule_pending": (409, "该数据集已有待审核的汇聚时限备案", "A filed schedule is still waiting for a decision"),
    # database pulls and streams (aggregation/service/pulls.py, stream.py)
    "pull_source_url_invalid": (422, "数据源连接地址无效或数据库类型不受支持", "Invalid source URL or unsupported database"),
    "pull_query_refused": (422, "查询语句不是单条只读SELECT", "The query is not a single read-only SELECT"),
    "pull_source_failed": (422, "数据源连接或读取失败", "The source database could not be reached or read"),
    "source_param_refused": (422, "连接地址含有不允许的参数", "The connection URL holds a parameter that is not allowed"),
    "source_host_refused": (422, "数据源主机不在平台允许连接的范围内", "The source host may not be reached"),
    "source_path_refused": (422, "SQLite数据源文件不在平台允许的目录中", "The SQLite file is outside the allowed folder"),
    # sharing (sharing/filters.py)
    "share_item_not_granted": (403, "请求的信息项不在授权范围内", "The item is not in the grant"),
    # the data service API (sharing/service/access.py)
    "share_not_granted": (403, "未获得该数据资源的共享授权", "No grant for this resource"),
    "share_grant_expired": (403, "共享授权不在有效期内", "The grant is outside its validity period"),
    "share_grant_suspended": (403, "共享授权已暂停", "The grant is suspended"),
    "share_grant_revoked": (403, "共享授权已撤销", "The grant is revoked"),
    "share_resource_withdrawn": (403, "该数据资源目录已撤销，不再共享", "The catalog entry was withdrawn; it is shared no more"),
    "share_method_not_granted": (403, "共享授权的共享方式不包括此接口",
                                 "The grant's access method excludes this endpoint"),
    "share_rate_limited": (429, "调用频率超过授权上限，请稍后重试", "Rate limit reached; retry later"),
    "share_quota_exceeded": (429, "当日调用次数已达授权配额", "Daily quota used up"),
    "share_filter_not_allowed": (403, "已脱敏的信息项不能作为查询条件（散列脱敏的信息项只能按返回的散列值匹配）",
                                 "A masked item cannot be filtered (a hashed one only by the digests returned)"),
    "request_not_percent_encoded": (401, "请求路径或查询串含有未经百分号编码的非ASCII字符，请按UTF-8百分号编码后签名发送",
                                    "Path or query holds raw non-ASCII characters; percent-encode them (UTF-8) and sign"),
    "end_user_invalid": (422, "X-End-User 应为百分号编码的UTF-8文本，解码后不超过64个字符且不含控制字符",
                         "X-End-User must be percent-encoded UTF-8 of at most 64 characters, no control characters"),
    "share_verify_misses_exceeded": (429, "今日按脱敏标识核验未命中次数已达上限，请明日再试",
                                     "Too many verification misses today; retry tomorrow"),
    "share_cursor_invalid": (422, "分页游标无效或不属于本次查询", "Invalid cursor"),
    # share requests and grants (sharing/service/requests.py, grants.py)
    "share_not_shareable": (409, "该数据资源为暂不共享类，不能申请共享", "The resource is not shared for now"),
    "share_own_resource": (409, "不能申请共享本部门的数据资源", "A department does not apply for its own data"),
    "share_kind_mismatch": (409, "无条件共享资源应直接订阅，有条件共享资源应提交申请",
                            "Subscribe to unconditional resources; request conditional ones"),
    "share_already_granted": (409, "该应用系统已获得此数据资源的有效授权", "The system already holds a grant for it"),
    "share_request_pending": (409, "该应用系统对此数据资源已有审核中的申请", "A request of the system is under review"),
    "share_request_state": (409, "共享申请当前状态下不能执行此操作", "Not possible in the request's current state"),
    "share_grant_state": (409, "共享授权当前状态下不能执行此操作", "Not possible in the grant's current state"),
    "method_not_allowed": (405, "不支持的请求方法", "Method not allowed"),
    "internal_error": (500, "服务器内部错误", "Internal server error"),
}


@dataclass
class FieldError:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass
class DomainError(Exception):
    """An expected failure with a stable code. ``detail`` is Chinese; ``detail_en`` its English twin."""

    code: str
    detail: str | None = None
    detail_en: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    status: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # True when what the session wrote before the error must still be committed (e.g. the record of a
    # failed sign-in); otherwise the unit of work rolls back.
    keep_writes: bool = False

    def __post_init__(self) -> None:
        Exception.__init__(self, self.code, self.detail)
        if self.status is None:
            self.status = MESSAGES.get(self.code, (400, "", ""))[0]

    def title(self, lang: str) -> str:
        _, zh, en = MESSAGES.get(self.code, (400, self.code, self.code))
        return en if lang == "en" else zh

    def message(self, lang: str) -> str:
        if lang == "en":
            return self.detail_en or self.detail or self.title(lang)
        return self.detail or self.title(lang)

    def problem(self, lang: str, instance: str | None = None, request_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"urn:govdata:problem:{self.code}",
            "title": self.title(lang),
            "status": self.status,
            "code": self.code,
            "detail": self.message(lang),
        }
        if instance:
            body["instance"] = instance
        if request_id:
            body["request_id"] = request_id
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        body.update(self.extra)
        return body


class NotFound(DomainError):
    def __init__(self, what: str, key: object, what_en: str | None = None) -> None:
        super().__init__("not_found", f"{what}不存在：{key}", f"{what_en or what} not found: {key}")


class Conflict(DomainError):
    def __init__(self, detail: str, detail_en: str | None = None, code: str = "conflict", **kw: Any) -> None:
        super().__init__(code, detail, detail_en, **kw)


class Forbidden(DomainError):
    """Refused by policy. ``action`` names the rule that refused, for the audit entry."""

    def __init__(self, action: str, detail: str | None = None, detail_en: str | None = None) -> None:
        super().__init__("forbidden", detail, detail_en)
        self.action = action


class Unauthenticated(DomainError):
    """Not signed in, or the credentials failed; what was recorded about the attempt is kept."""

    def __init__(self, code: str = "unauthenticated", detail: str | None = None, **kw: Any) -> None:
        super().__init__(code, detail, keep_writes=True, **kw)


class Invalid(DomainError):
    """Validation failure naming the fields at fault."""

    def __init__(self, errors: list[FieldError], code: str = "validation_failed", detail: str | None = None,
                 detail_en: str | None = None) -> None:
        if detail is None:
            detail = "；".join(f"{e.field}：{e.message}" for e in errors)
        super().__init__(code, detail, detail_en, errors=errors)


def invalid(field_name: str, message: str, code: str = "validation_failed", message_en: str | None = None) -> Invalid:
    return Invalid([FieldError(field_name, code, message)], code=code,
                   detail=f"{field_name}：{message}", detail_en=message_en and f"{field_name}: {message_en}")
