"""The national catalog standard (政务信息资源目录编制指南（试行）): code lists and the seeded classification.

Pure data and small pure functions; the catalog service validates entries against it.
"""

from __future__ import annotations

FORMATS = ("电子文件", "电子表格", "数据库", "图形图像", "流媒体", "自描述格式", "服务接口")
STRUCTURED_FORMATS = ("电子表格", "数据库")
SHARE_TYPES = ("无条件共享", "有条件共享", "暂不共享")
SHARE_METHODS = ("接口", "库表", "文件")
UPDATE_CYCLES = ("实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期")
DATA_LEVELS = ("一般", "重要", "核心")
SENSITIVITY = ("L1", "L2", "L3", "L4")
PII_KINDS = ("姓名", "身份证件号码", "手机号码", "住址", "银行账户", "生物识别", "健康医疗", "行踪轨迹", "其他个人信息")

# data type code -> (Chinese name, whether a length applies)
DATA_TYPES: dict[str, tuple[str, bool]] = {
    "C": ("字符型", True),
    "N": ("数值型", True),
    "Y": ("货币型", False),
    "D": ("日期型", False),
    "T": ("日期时间型", False),
    "L": ("逻辑型", False),
    "M": ("备注型", False),
    "G": ("通用型", False),
    "B": ("双精度型", False),
    "I": ("整型", False),
    "F": ("浮点型", False),
}

# Which share methods fit which formats: a file can always be delivered as a file; structured data also by
# interface or table sync; a service interface only by interface.
METHODS_FOR_FORMAT: dict[str, tuple[str, ...]] = {
    "电子文件": ("文件",),
    "电子表格": ("接口", "库表", "文件"),
    "数据库": ("接口", "库表", "文件"),
    "图形图像": ("文件", "接口"),
    "流媒体": ("文件", "接口"),
    "自描述格式": ("接口", "文件"),
    "服务接口": ("接口",),
}

# The seeded classification: (code, name, parent code). 类: 1 基础, 2 主题, 3 部门; 项 two digits.
CLASSIFICATION: list[tuple[str, str, str | None]] = [
    ("1", "基础信息资源", None),
    ("101", "人口", "1"),
    ("102", "法人单位", "1"),
    ("103", "自然资源和空间地理", "1"),
    ("104", "社会信用", "1"),
    ("105", "电子证照", "1"),
    ("2", "主题信息资源", None),
    ("201", "公共服务", "2"),
    ("202", "健康保障", "2"),
    ("203", "社会保障", "2"),
    ("204", "食品药品安全", "2"),
    ("205", "安全生产", "2"),
    ("206", "价格监管", "2"),
    ("207", "能源安全", "2"),
    ("208", "信用体系", "2"),
    ("209", "城乡建设", "2"),
    ("210", "社区治理", "2"),
    ("211", "生态环保", "2"),
    ("212", "应急维稳", "2"),
    ("213", "教育文化", "2"),
    ("214", "交通出行", "2"),
    ("215", "市场监管", "2"),
    ("3", "部门信息资源", None),
]
BASE_CLASS_CODES = ("101", "102", "103", "104", "105")


def resource_code(classification_code: str, sequence: int) -> str:
    """Resource code: the classification code padded to 类1+项2+目3+细目3 digits, a hyphen (the standard's
    "/" is not URL-safe), and a 6-digit sequence, e.g. ``101000000-000012``."""
    padded = classification_code.ljust(9, "0")
    return f"{padded}-{sequence:06d}"
