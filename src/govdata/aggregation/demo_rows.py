"""Realistic, deterministic rows for the demo datasets (``aggregation.demo``): people of 云川市 with valid
resident ID numbers (GB 11643 check digit), market entities with valid unified social credit codes
(GB 32100, ``core.validators.make_credit_code``), mobiles, local addresses, vehicles with valid VINs
(ISO 3779 check digit), amounts and dates. Surnames and company word stems come from Faker zh_CN;
the rest from code lists of the relevant standards. Everything is drawn from one seeded generator and
dated relative to ``today``, so the same seed and day give the same rows. All of it is invented.

Values are what a business system would send in JSON: strings, numbers, ISO dates and times with +08:00.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from faker import Faker

from govdata.core.validators import CREDIT_CODE_CHARSET, make_credit_code, resident_id_check_char

# 云川市 (990100) and its two counties; the city's districts get invented codes beside them.
CITY_AREAS = {"990102": ("东城区", ["东城街道", "南湖街道", "城南街道"]),
              "990103": ("西城区", ["西城街道", "北山街道", "滨江街道"]),
              "990104": ("高新区", ["高新街道", "科技城街道"])}
COUNTY_AREAS = {"990121": ("青河县", ["青河镇", "柳营镇", "白沙乡", "清泉乡"]),
                "990122": ("石桥县", ["石桥镇", "龙潭镇", "红岩乡"])}
ELSEWHERE = {"510104": "四川省成都市", "430102": "湖南省长沙市", "420106": "湖北省武汉市", "410105": "河南省郑州市",
             "360102": "江西省南昌市", "500103": "重庆市", "520102": "贵州省贵阳市", "530102": "云南省昆明市",
             "450103": "广西壮族自治区南宁市", "440106": "广东省广州市"}
ROADS = ["人民路", "解放路", "建设路", "中山路", "和平路", "文化路", "新华路", "滨江路", "长江路", "青年路", "胜利路",
         "朝阳路", "幸福路", "光明路", "工业路", "学府路", "科技路", "花园路", "东风路", "迎宾大道", "环城北路",
         "南湖大道", "站前路", "北山路", "金桥路", "振兴路"]
ESTATES = ["阳光花园", "锦绣家园", "翠湖苑", "金色港湾", "滨江一号", "书香门第", "碧桂园", "世纪城", "南湖名都",
           "幸福里", "怡景小区", "教师新村", "电力小区", "和园", "绿洲家园", "香樟苑"]
MALE = list("伟强磊军洋勇杰涛明超斌鹏浩宇俊辉刚健峰亮晨博文华平东林波")
FEMALE = list("芳娜敏静丽艳娟霞燕玲婷雪慧琳颖洁倩晶红梅兰萍琴蓉欣怡")
MALE2 = ["建国", "志强", "国庆", "子轩", "浩然", "宇航", "俊杰", "思远", "明辉", "家豪", "晓东", "文博", "天佑", "嘉诚"]
FEMALE2 = ["欣怡", "子涵", "梓涵", "雨桐", "诗琪", "佳怡", "晓燕", "秀英", "桂芳", "丽华", "雅婷", "思雨", "梦瑶", "海燕"]
ETHNICITIES = ["01"] * 92 + ["02", "03", "03", "04", "06", "07", "08", "08", "09", "15"]
MOBILE_PREFIXES = ["139", "138", "137", "136", "135", "158", "159", "150", "151", "187", "188", "186", "185", "133",
                   "153", "177", "180", "189", "199", "198", "166", "176", "173"]
COMPANY_KINDS = [("科技有限公司", "1130"), ("商贸有限公司", "1130"), ("餐饮管理有限公司", "1130"),
                 ("建筑工程有限公司", "1110"), ("物流有限公司", "1130"), ("食品有限公司", "1110"),
                 ("信息技术有限公司", "1130"), ("农业开发有限公司", "1110"), ("医药连锁有限公司", "1110"),
                 ("房地产开发有限公司", "1110"), ("农民专业合作社", "9100"), ("股份有限公司", "1210")]
INDUSTRIES = ["批发业", "零售业", "餐饮业", "软件和信息技术服务业", "道路运输业", "房屋建筑业", "农副食品加工业",
              "商务服务业", "医药制造业", "房地产业"]
WMI = [("LSV", "大众牌"), ("LFV", "一汽-大众牌"), ("LGX", "比亚迪牌"), ("LVG", "丰田牌"), ("LB3", "吉利牌"),
       ("LSG", "别克牌"), ("LGB", "日产牌"), ("LVS", "福特牌"), ("LFP", "奔腾牌"), ("LRW", "特斯拉牌")]
_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
               **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
               **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def vin_check_char(vin: str) -> str:
    """The ISO 3779 / GB 16735 check character (position 9) of a 17-character VIN."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    return "X" if total % 11 == 10 else str(total % 11)


@dataclass
class Person:
    id_number: str
    name: str
    gender: str  # GB/T 2261.1: 1 男, 2 女
    birth_date: dt.date
    area_code: str
    street: str
    address: str
    birthplace: str
    mobile: str

    def age(self, today: dt.date) -> int:
        return today.year - self.birth_date.year - ((today.month, today.day) < (self.birth_date.month,
                                                                                 self.birth_date.day))


@dataclass
class Entity:
    credit_code: str
    name: str
    entity_type: str
    legal_rep: str
    address: str
    est_date: dt.date
    industry: str


class Maker:
    """One seeded source of demo values."""

    def __init__(self, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        self._surnames = [fake.last_name() for _ in range(600)]
        lucky = "宏鑫恒华金瑞丰盛兴达源通泰鼎嘉信德安和顺博创汇新鸿富腾昌祥隆"
        self._stems = sorted({fake.company_prefix() for _ in range(400)} | {a + b for a in lucky for b in lucky if a != b})
        self._ids: set[str] = set()
        self._codes: set[str] = set()

    # --- small values ---------------------------------------------------------------------------------
    def pick(self, seq: Any) -> Any:
        return seq[self.rng.randrange(len(seq))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def digits(self, n: int) -> str:
        return f"{self.rng.randrange(10 ** n):0{n}d}"

    def day_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange(max(1, (end - start).days + 1)))

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(low, high))

    def moment(self, day: dt.date, first_hour: int = 8, last_hour: int = 20) -> str:
        at = dt.datetime.combine(day, dt.time(self.rng.randint(first_hour, last_hour), self.rng.randrange(60),
                                              self.rng.randrange(60)))
        return at.isoformat() + "+08:00"

    def money(self, low: float, high: float) -> str:
        return f"{self.rng.uniform(low, high):.2f}"

    def name(self, gender: str) -> str:
        if self.chance(0.45):
            given = self.pick(MALE2 if gender == "1" else FEMALE2)
        else:
            chars = MALE if gender == "1" else FEMALE
            given = self.pick(chars) + (self.pick(chars) if self.chance(0.5) else "")
        return self.pick(self._surnames) + given

    def mobile(self) -> str:
        return self.pick(MOBILE_PREFIXES) + self.digits(8)

    def landline(self) -> str:
        return f"0990-{self.rng.randint(2, 8)}{self.digits(6)}"

    def local_address(self, area_code: str | None = None) -> tuple[str, str, str]:
        """(area code, street, full address) in 云川市 or one of its counties."""
        areas = {**CITY_AREAS, **COUNTY_AREAS}
        code = area_code or self.pick(list(CITY_AREAS) * 4 + list(COUNTY_AREAS))
        district, streets = areas[code]
        street = self.pick(streets)
        prefix = "示范省云川市" + district
        if code in COUNTY_AREAS and street.endswith("乡"):
            return code, street, f"{prefix}{street}{self.pick(['新村', '和平村', '龙井村', '桃园村'])}{self.rng.randint(1, 12)}组"
        building = f"{self.pick(ESTATES)}{self.rng.randint(1, 28)}栋{self.rng.randint(1, 4)}单元" \
                   f"{self.rng.randint(1, 26)}{self.rng.randint(1, 4):02d}室"
        return code, street, f"{prefix}{street}{self.pick(ROADS)}{self.rng.randint(1, 399)}号{building}"

    # --- identifiers ----------------------------------------------------------------------------------
    def id_number(self, birth: dt.date, gender: str, area_code: str) -> str:
        while True:
            order = self.rng.randrange(100) * 10 + self.rng.randrange(5) * 2 + (1 if gender == "1" else 0)
            body = f"{area_code}{birth:%Y%m%d}{order:03d}"
            number = body + resident_id_check_char(body)
            if number not in self._ids:
                self._ids.add(number)
                return number

    def unique_code(self, make: Any) -> str:
        while True:
            code = make()
            if code not in self._codes:
                self._codes.add(code)
                return str(code)

    def credit_code(self, authority: str = "9", category: str = "1", division: str | None = None) -> str:
        def make() -> str:
            body = "MA" + "".join(self.pick(CREDIT_CODE_CHARSET) for _ in range(6))
            return make_credit_code(authority, category, division or self.pick(list(CITY_AREAS) + list(COUNTY_AREAS)),
                                    body)
        return self.unique_code(make)

    def vin(self, wmi: str, year: int) -> str:
        def make() -> str:
            vds = "".join(self.pick(_VIN_CHARS) for _ in range(5))
            year_code = "ABCDEFGHJKLMNPRSTVWXY123456789"[(year - 2010) % 30]
            rest = f"{year_code}{self.pick('0123456789ABCDEFGHJKLMNPRSTUVWXYZ')}{self.digits(6)}"
            partial = wmi + vds + "0" + rest
            return wmi + vds + vin_check_char(partial) + rest
        return self.unique_code(make)

    def plate(self, electric: bool) -> str:
        def make() -> str:
            if electric:
                return "示A" + self.pick("DF") + self.digits(5)
            tail = "".join(self.pick(_PLATE_LETTERS + "0123456789" * 3) for _ in range(5))
            return "示" + self.pick("AAAAB") + tail
        return self.unique_code(make)

    # --- people and entities ----------------------------------------------------------------------
    def person(self, min_age: int = 0, max_age: int = 95, area_code: str | None = None) -> Person:
        gender = self.pick("12")
        # an ageing population: fewer children than adults, few above 85
        age = min(max_age, max(min_age, int(self.rng.triangular(min_age, max_age, 42))))
        birth = self.today - dt.timedelta(days=age * 365 + self.rng.randrange(365))
        code, street, address = self.local_address(area_code)
        born_here = self.chance(0.8)
        origin = code if born_here else self.pick(list(ELSEWHERE))
        birthplace = "示范省云川市" + {**CITY_AREAS, **COUNTY_AREAS}[code][0] if born_here else ELSEWHERE[origin]
        return Person(self.id_number(birth, gender, origin), self.name(gender), gender, birth, code, street, address,
                      birthplace, self.mobile())

    def entity(self) -> Entity:
        area = self.pick(list(CITY_AREAS) * 3 + list(COUNTY_AREAS))
        place = {**CITY_AREAS, **COUNTY_AREAS}[area][0].removesuffix("区").removesuffix("县")
        while True:
            kind, entity_type = self.pick(COMPANY_KINDS)
            stem = self.pick(self._stems)
            name = f"云川{stem}{kind}" if self.chance(0.5) else f"云川市{place}{stem}{kind}"
            if name not in self._codes:
                self._codes.add(name)
                break
        category = "3" if entity_type == "9100" else "1"
        return Entity(self.credit_code("9", category, area), name, entity_type, self.name(self.pick("12")),
                      self.local_address(area)[2].split("号")[0] + "号", self.days_ago(90, 8000),
                      self.pick(INDUSTRIES))
