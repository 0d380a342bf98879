"""Demo content for a fictional setting: 示范省 / 云川市 / 青河县 / 石桥县.

Pure data, no database code. All names, codes, phone numbers and e-mail
addresses are invented for demonstration (e-mail domain ``ycs.gov.example``).

Administrative division codes (invented, consistent with the 6-digit
GB/T 2260 layout):

* 990000 示范省 (province)
* 990100 云川市 (city)
* 990121 青河县, 990122 石桥县 (counties of 云川市)

Unified social credit codes are computed with
:func:`govdata.core.validators.make_credit_code`:

* 行政机关: authority ``1`` + category ``1``
* 事业单位: authority ``1`` + category ``2``
* 社会团体: authority ``5`` + category ``1``

The 8-character organization code body is the last four digits of the
region code followed by the department's 4-digit serial number, so it is
deterministic and unique.
"""

from __future__ import annotations

from typing import Any

from govdata.core.validators import make_credit_code

__all__ = [
    "EMAIL_DOMAIN",
    "REGIONS",
    "DEPARTMENTS",
    "DEPARTMENTS_BY_KEY",
    "KEY_DEPARTMENTS",
    "ACCOUNTS",
    "STAFF",
]

EMAIL_DOMAIN = "ycs.gov.example"
_AREA_CODE = "0990"

PROVINCE_CODE = "990000"
CITY_CODE = "990100"
QINGHE_CODE = "990121"
SHIQIAO_CODE = "990122"

REGIONS: list[dict[str, Any]] = [
    {"code": PROVINCE_CODE, "name": "示范省", "level": "province", "parent_code": None},
    {"code": CITY_CODE, "name": "云川市", "level": "city", "parent_code": PROVINCE_CODE},
    {"code": QINGHE_CODE, "name": "青河县", "level": "county", "parent_code": CITY_CODE},
    {"code": SHIQIAO_CODE, "name": "石桥县", "level": "county", "parent_code": CITY_CODE},
]


# Department kinds -> (registration authority, institution category).
_KIND_CODES = {
    "行政机关": ("1", "1"),
    "事业单位": ("1", "2"),
    "社会团体": ("5", "1"),
}

# Landline number prefixes (after the area code) per region.
_LANDLINE_PREFIX = {CITY_CODE: "8612", QINGHE_CODE: "6231", SHIQIAO_CODE: "6532"}

_MOBILE_PREFIXES = ("139", "138", "137", "158", "159", "186", "187", "135", "150", "181", "177", "199")

# A person: (name, e-mail local part in pinyin, title).
_Person = tuple[str, str, str]

# (key, name, short_name, kind, region_code, serial, leader, daily_manager, contacts)
_DEPARTMENT_SPECS: list[tuple[str, str, str, str, str, int, _Person, _Person, list[_Person]]] = [
    # ---- 云川市 (city level) ----
    (
        "ps-city", "云川市公安局", "市公安局", "行政机关", CITY_CODE, 1,
        ("陈建国", "chenjianguo", "党委书记、局长"),
        ("刘思远", "liusiyuan", "科技信息化科科长"),
        [("周晓明", "zhouxiaoming", "科技信息化科副科长"), ("吴静", "wujing", "数据管理员")],
    ),
    (
        "amr-city", "云川市市场监督管理局", "市市场监管局", "行政机关", CITY_CODE, 2,
        ("王立群", "wangliqun", "局长"),
        ("赵敏", "zhaomin", "信息中心主任"),
        [("孙浩然", "sunhaoran", "信息中心科员")],
    ),
    (
        "amr-cq-city", "云川市市场监督管理局城区市场监管所", "城区市场监管所", "行政机关", CITY_CODE, 3,
        ("郑文博", "zhengwenbo", "所长"),
        ("冯雪", "fengxue", "副所长"),
        [("韩磊", "hanlei", "科员")],
    ),
    (
        "hrss-city", "云川市人力资源和社会保障局", "市人社局", "行政机关", CITY_CODE, 4,
        ("杨卫东", "yangweidong", "局长"),
        ("黄丽娟", "huanglijuan", "信息中心主任"),
        [("林峰", "linfeng", "信息中心工程师")],
    ),
    (
        "si-city", "云川市社会保险事业管理中心", "市社保中心", "事业单位", CITY_CODE, 5,
        ("何志刚", "hezhigang", "主任"),
        ("罗慧", "luohui", "信息科科长"),
        [("许文杰", "xuwenjie", "信息科科员")],
    ),
    (
        "mca-city", "云川市民政局", "市民政局", "行政机关", CITY_CODE, 6,
        ("马红梅", "mahongmei", "局长"),
        ("高俊", "gaojun", "办公室主任"),
        [("郭晓燕", "guoxiaoyan", "办公室科员")],
    ),
    (
        "hc-city", "云川市卫生健康委员会", "市卫健委", "行政机关", CITY_CODE, 7,
        ("梁国栋", "liangguodong", "主任"),
        ("宋佳", "songjia", "规划发展与信息化科科长"),
        [("谢宇航", "xieyuhang", "规划发展与信息化科科员")],
    ),
    (
        "edu-city", "云川市教育局", "市教育局", "行政机关", CITY_CODE, 8,
        ("唐振华", "tangzhenhua", "局长"),
        ("韩雪梅", "hanxuemei", "教育信息化科科长"),
        [("曹阳", "caoyang", "教育信息化科科员")],
    ),
    (
        "nr-city", "云川市自然资源和规划局", "市自然资源规划局", "行政机关", CITY_CODE, 9,
        ("邓建平", "dengjianping", "局长"),
        ("彭丽", "pengli", "信息中心主任"),
        [("曾凡宇", "zengfanyu", "信息中心工程师")],
    ),
    (
        "rer-city", "云川市不动产登记中心", "市不动产登记中心", "事业单位", CITY_CODE, 10,
        ("萧永强", "xiaoyongqiang", "主任"),
        ("田甜", "tiantian", "登记科科长"),
        [("潘志远", "panzhiyuan", "登记科科员")],
    ),
    (
        "hud-city", "云川市住房和城乡建设局", "市住建局", "行政机关", CITY_CODE, 11,
        ("董海涛", "donghaitao", "局长"),
        ("袁媛", "yuanyuan", "办公室副主任"),
        [("蒋涛", "jiangtao", "办公室科员")],
    ),
    (
        "tax-city", "国家税务总局云川市税务局", "市税务局", "行政机关", CITY_CODE, 12,
        ("蔡明亮", "caimingliang", "党委书记、局长"),
        ("余晓丽", "yuxiaoli", "信息中心主任"),
        [("杜成", "ducheng", "信息中心科员")],
    ),
    (
        "fin-city", "云川市财政局", "市财政局", "行政机关", CITY_CODE, 13,
        ("叶振国", "yezhenguo", "局长"),
        ("程晓梅", "chengxiaomei", "经济建设科科长"),
        [("魏强", "weiqiang", "经济建设科科员")],
    ),
    (
        "bdc-city", "云川市大数据中心", "市大数据中心", "事业单位", CITY_CODE, 14,
        ("苏志明", "suzhiming", "主任"),
        ("卢晓峰", "luxiaofeng", "数据资源部部长"),
        [("蒋欣怡", "jiangxinyi", "平台运维工程师"), ("沈宏伟", "shenhongwei", "数据治理工程师")],
    ),
    (
        "egov-city", "云川市电子政务办公室", "市电子政务办", "行政机关", CITY_CODE, 15,
        ("范文华", "fanwenhua", "主任"),
        ("贾蕾", "jialei", "综合科科长"),
        [("丁磊", "dinglei", "综合科科员")],
    ),
    (
        "cac-city", "中共云川市委网络安全和信息化委员会办公室", "市委网信办", "行政机关", CITY_CODE, 16,
        ("崔建华", "cuijianhua", "主任"),
        ("薛莉", "xueli", "网络安全协调科科长"),
        [("任杰", "renjie", "网络安全协调科科员")],
    ),
    (
        "tra-city", "云川市交通运输局", "市交通运输局", "行政机关", CITY_CODE, 17,
        ("姚志强", "yaozhiqiang", "局长"),
        ("方芳", "fangfang", "科技信息科科长"),
        [("石磊", "shilei", "科技信息科科员")],
    ),
    (
        "eco-city", "云川市生态环境局", "市生态环境局", "行政机关", CITY_CODE, 18,
        ("谭永红", "tanyonghong", "局长"),
        ("廖静", "liaojing", "生态环境监测科科长"),
        [("邹鹏", "zoupeng", "生态环境监测科科员")],
    ),
    (
        "hsa-city", "云川市医疗保障局", "市医保局", "行政机关", CITY_CODE, 19,
        ("熊伟", "xiongwei", "局长"),
        ("金晶", "jinjing", "信息中心主任"),
        [("陆晨", "luchen", "信息中心工程师")],
    ),
    (
        "stats-city", "云川市统计局", "市统计局", "行政机关", CITY_CODE, 20,
        ("郝建军", "haojianjun", "局长"),
        ("孔丽华", "konglihua", "数据管理中心主任"),
        [("白雪", "baixue", "数据管理中心科员")],
    ),
    (
        "just-city", "云川市司法局", "市司法局", "行政机关", CITY_CODE, 21,
        ("邱文斌", "qiuwenbin", "局长"),
        ("秦悦", "qinyue", "办公室主任"),
        [("江浩", "jianghao", "办公室科员")],
    ),
    (
        "rc-city", "云川市红十字会", "市红十字会", "社会团体", CITY_CODE, 22,
        ("史秀英", "shixiuying", "常务副会长"),
        ("顾小琴", "guxiaoqin", "办公室主任"),
        [("侯宇", "houyu", "办公室干事")],
    ),
    (
        "dpf-city", "云川市残疾人联合会", "市残联", "社会团体", CITY_CODE, 23,
        ("邵光明", "shaoguangming", "理事长"),
        ("孟晓红", "mengxiaohong", "办公室主任"),
        [("龙飞", "longfei", "办公室干事")],
    ),
    # ---- 青河县 (county level) ----
    (
        "qh-ps", "青河县公安局", "县公安局", "行政机关", QINGHE_CODE, 24,
        ("万建军", "wanjianjun", "局长"),
        ("段宏", "duanhong", "科技信息化大队大队长"),
        [("雷鸣", "leiming", "科技信息化大队民警")],
    ),
    (
        "qh-mca", "青河县民政局", "县民政局", "行政机关", QINGHE_CODE, 25,
        ("钱桂芳", "qianguifang", "局长"),
        ("汤文", "tangwen", "办公室主任"),
        [("尹晓东", "yinxiaodong", "办公室科员")],
    ),
    (
        "qh-bdc", "青河县大数据中心", "县大数据中心", "事业单位", QINGHE_CODE, 26,
        ("黎明辉", "liminghui", "主任"),
        ("易小龙", "yixiaolong", "技术股股长"),
        [("常乐", "changle", "技术股工程师")],
    ),
    (
        "qh-fin", "青河县财政局", "县财政局", "行政机关", QINGHE_CODE, 27,
        ("武国庆", "wuguoqing", "局长"),
        ("乔丽", "qiaoli", "综合股股长"),
        [("贺斌", "hebin", "综合股科员")],
    ),
    (
        "qh-hrss", "青河县人力资源和社会保障局", "县人社局", "行政机关", QINGHE_CODE, 28,
        ("赖春生", "laichunsheng", "局长"),
        ("龚雪", "gongxue", "信息股股长"),
        [("文涛", "wentao", "信息股科员")],
    ),
    # ---- 石桥县 (county level) ----
    (
        "sq-ps", "石桥县公安局", "县公安局", "行政机关", SHIQIAO_CODE, 29,
        ("庞振东", "pangzhendong", "局长"),
        ("樊华", "fanhua", "科技信息化大队大队长"),
        [("兰天", "lantian", "科技信息化大队民警")],
    ),
    (
        "sq-mca", "石桥县民政局", "县民政局", "行政机关", SHIQIAO_CODE, 30,
        ("殷淑珍", "yinshuzhen", "局长"),
        ("施伟", "shiwei", "办公室主任"),
        [("陶然", "taoran", "办公室科员")],
    ),
    (
        "sq-bdc", "石桥县大数据中心", "县大数据中心", "事业单位", SHIQIAO_CODE, 31,
        ("洪亮", "hongliang", "主任"),
        ("翟晓宇", "zhaixiaoyu", "技术股股长"),
        [("安琪", "anqi", "技术股工程师")],
    ),
    (
        "sq-fin", "石桥县财政局", "县财政局", "行政机关", SHIQIAO_CODE, 32,
        ("倪建新", "nijianxin", "局长"),
        ("严红", "yanhong", "综合股股长"),
        [("牛犇", "niuben", "综合股科员")],
    ),
    (
        "sq-amr", "石桥县市场监督管理局", "县市场监管局", "行政机关", SHIQIAO_CODE, 33,
        ("温志华", "wenzhihua", "局长"),
        ("芮敏", "ruimin", "信息化股股长"),
        [("季昊", "jihao", "信息化股科员")],
    ),
]


def _mobile(n: int) -> str:
    """Deterministic, distinct (for distinct n) 11-digit mobile number."""
    prefix = _MOBILE_PREFIXES[n % len(_MOBILE_PREFIXES)]
    return f"{prefix}{(n * 104729 + 35710000) % 10**8:08d}"


def _landline(region_code: str, serial: int) -> str:
    return f"{_AREA_CODE}-{_LANDLINE_PREFIX[region_code]}{serial * 37 % 10000:04d}"


def _contact(person: _Person, phone: str) -> dict[str, str]:
    name, mailbox, title = person
    return {"name": name, "title": title, "phone": phone, "email": f"{mailbox}@{EMAIL_DOMAIN}"}


def _build_departments() -> list[dict[str, Any]]:
    departments = []
    for key, name, short_name, kind, region_code, serial, leader, manager, contacts in _DEPARTMENT_SPECS:
        authority, category = _KIND_CODES[kind]
        org_body = f"{region_code[2:]}{serial:04d}"
        n = serial * 10
        departments.append(
            {
                "key": key,
                "name": name,
                "short_name": short_name,
                "kind": kind,
                "region_code": region_code,
                "credit_code": make_credit_code(authority, category, region_code, org_body),
                # Leaders are listed with their office landline; others with a mobile.
                "leader": _contact(leader, _landline(region_code, serial)),
                "daily_manager": _contact(manager, _mobile(n + 1)),
                "contacts": [_contact(p, _mobile(n + 2 + i)) for i, p in enumerate(contacts)],
            }
        )
    return departments


DEPARTMENTS: list[dict[str, Any]] = _build_departments()

DEPARTMENTS_BY_KEY: dict[str, dict[str, Any]] = {d["key"]: d for d in DEPARTMENTS}

#: Departments that play a platform-wide role.
KEY_DEPARTMENTS: dict[str, str] = {
    "platform_operator": "bdc-city",  # 大数据中心, operates the platform
    "egov_authority": "egov-city",  # 电子政务管理部门, supervises
    "security_regulator": "cac-city",  # 信息网络安全监管部门
    "finance": "fin-city",  # 财政局
}

#: One demo account per role (two department managers). Passwords satisfy the
#: policy: at least 10 characters with upper case, lower case, digit and symbol,
#: and not containing the username (see govdata.core.passwords.policy_problems).
ACCOUNTS: list[dict[str, Any]] = [
    {
        "username": "admin",
        "display_name": "卢晓峰",
        "department_key": "bdc-city",
        "roles": ["platform_admin"],
        "password": "Yc@2026Platform",
    },
    {
        "username": "supervisor",
        "display_name": "贾蕾",
        "department_key": "egov-city",
        "roles": ["supervisor"],
        "password": "Demo#2026super",
    },
    {
        "username": "sec_regulator",
        "display_name": "薛莉",
        "department_key": "cac-city",
        "roles": ["security_regulator"],
        "password": "Demo$2026secure",
    },
    {
        "username": "finance",
        "display_name": "程晓梅",
        "department_key": "fin-city",
        "roles": ["finance_viewer"],
        "password": "Yc%2026Budget",
    },
    {
        "username": "ps_manager",
        "display_name": "刘思远",
        "department_key": "ps-city",
        "roles": ["dept_manager"],
        "password": "Demo&2026psmgr",
    },
    {
        "username": "hr_manager",
        "display_name": "黄丽娟",
        "department_key": "hrss-city",
        "roles": ["dept_manager"],
        "password": "Demo*2026hrmgr",
    },
    {
        "username": "mca_manager",
        "display_name": "高俊",
        "department_key": "mca-city",
        "roles": ["dept_manager"],
        "password": "Demo^2026mcamgr",
    },
    {
        "username": "ps_reviewer",
        "display_name": "周晓明",
        "department_key": "ps-city",
        "roles": ["dept_reviewer"],
        "password": "Demo!2026psrev",
    },
    {
        "username": "mca_user",
        "display_name": "郭晓燕",
        "department_key": "mca-city",
        "roles": ["data_user"],
        "password": "Demo+2026mcauser",
    },
    {
        "username": "evaluator",
        "display_name": "钟立新",
        "department_key": "egov-city",
        "roles": ["evaluator"],
        "password": "Demo=2026eval",
    },
    {
        "username": "vendor",
        "display_name": "覃宇轩",
        "department_key": "bdc-city",
        "roles": ["vendor"],
        "password": "Yc?2026TechSvc",
    },
]


def _build_staff() -> list[dict[str, Any]]:
    """The people who act in the demo's records beside the accounts above: every department gets a data
    manager and a reviewer account, named after its responsible persons (the daily manager, then the
    contacts, then the leader in charge), unless an account above holds the role. Usernames are the
    persons' e-mail names; their passwords are not published (sign in with the accounts above)."""
    taken = {(a["department_key"], a["display_name"]) for a in ACCOUNTS}
    staff = []
    for key, _name, _short, _kind, _region, _serial, leader, manager, contacts in _DEPARTMENT_SPECS:
        held = {r for a in ACCOUNTS if a["department_key"] == key for r in a["roles"]}
        needed = [r for r in ("dept_manager", "dept_reviewer") if r not in held]
        people = [p for p in (manager, *contacts) if (key, p[0]) not in taken] + [leader]
        for role, (person, mailbox, _title) in zip(needed, people, strict=False):
            staff.append({"username": mailbox, "display_name": person, "department_key": key, "roles": [role],
                          "email": f"{mailbox}@{EMAIL_DOMAIN}"})
    return staff


#: Staff accounts of the departments (``_build_staff``), loaded with the demo catalog.
STAFF: list[dict[str, Any]] = _build_staff()
