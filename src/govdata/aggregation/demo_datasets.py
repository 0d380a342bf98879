"""Row generators of the demo datasets, one per published demo catalog entry (``aggregation.demo``). Each
takes the seeded ``Maker``, the shared ``World`` (the city's people and market entities, so the datasets
agree with each other: the same person is resident, insured and vehicle owner) and a row count, and
returns rows keyed by the entry's field codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from govdata.aggregation.demo_rows import CITY_AREAS, COUNTY_AREAS, ROADS, WMI, Entity, Maker, Person

Row = dict[str, Any]
Generator = Callable[["Maker", "World", int], list[Row]]
AREAS = {**CITY_AREAS, **COUNTY_AREAS}


class World:
    """The demo city's people and market entities, made once and shared by the generators."""

    def __init__(self, mk: Maker, people: int, entities: int) -> None:
        self.people = [mk.person(area_code=mk.pick(list(CITY_AREAS))) for _ in range(people)]
        self.entities = [mk.entity() for _ in range(entities)]
        self.adults = [p for p in self.people if p.age(mk.today) >= 18]
        self.vehicles: list[str] = []
        self.insured: list[Person] = []
        # 社会保险单位编号 of each employer
        self.employer_codes = {e.credit_code: f"9901{n:08d}" for n, e in enumerate(self.entities, 1)}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _plus_years(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year + years, day=28 if (day.month, day.day) == (2, 29) else day.day)


def _maybe(mk: Maker, p: float, value: Any) -> Any:
    return value if mk.chance(p) else None


def _station(p: Person) -> str:
    district = AREAS[p.area_code][0]
    if p.area_code in COUNTY_AREAS:
        return f"{district}公安局{p.street[:2]}派出所"
    return f"云川市公安局{district.removesuffix('区')}分局{p.street.removesuffix('街道')}派出所"


def _marital(mk: Maker, age: int) -> str:
    if age < 22:
        return "10"
    return mk.pick(["20"] * 14 + ["10", "10", "40"] + (["30", "30"] if age > 60 else []))


def residents(mk: Maker, w: World, n: int) -> list[Row]:
    rows = []
    for p in w.people[:n]:
        age = p.age(mk.today)
        service = None
        if 6 <= age <= 17:
            service = f"云川市{mk.pick(['实验', '第一', '第三', '南湖', '滨江'])}{'小学' if age < 12 else '中学'}"
        elif 22 <= age <= 60 and mk.chance(0.55):
            service = mk.pick(w.entities).name
        rows.append({"id_number": p.id_number, "name": p.name, "gender": p.gender,
                     "ethnicity": _maybe(mk, 0.98, mk.pick(["01"] * 92 + ["03", "08", "09", "15"])),
                     "birth_date": _iso(p.birth_date), "birthplace": _maybe(mk, 0.9, p.birthplace),
                     "address": _maybe(mk, 0.99, p.address), "household_no": _maybe(mk, 0.97, p.area_code + mk.digits(6)),
                     "relation_to_head": _maybe(mk, 0.97, mk.pick(["02"] * 8 + ["10"] * 6 + ["20", "30"] * 2 + ["51", "52"])),
                     "police_station": _station(p), "marital_status": _maybe(mk, 0.85, _marital(mk, age)),
                     "service_place": service})
    return rows


def vehicles(mk: Maker, w: World, n: int) -> list[Row]:
    rows = []
    for _ in range(n):
        owner = mk.pick(w.adults)
        wmi, brand = mk.pick(WMI)
        year = mk.rng.randint(2009, mk.today.year)
        electric = brand in ("比亚迪牌", "特斯拉牌") and mk.chance(0.7) or mk.chance(0.08)
        plate = mk.plate(electric)
        w.vehicles.append(plate)
        first = mk.day_between(dt.date(year, 1, 1), min(dt.date(year, 12, 31), mk.today))
        expired = mk.chance(0.05)
        valid_to = mk.days_ago(30, 400) if expired else mk.today + dt.timedelta(days=mk.rng.randint(10, 700))
        rows.append({"vin": mk.vin(wmi, year), "plate_no": plate, "plate_type": "52" if electric else mk.pick(["02"] * 19 + ["01"]),
                     "brand_model": f"{brand}{wmi[1:]}{mk.rng.randint(6, 7)}{mk.digits(3)}{mk.pick(['AD', 'BD', 'EV', 'MD', 'BEV'])}",
                     "vehicle_type": mk.pick(["K33"] * 11 + ["K31"] * 6 + ["H31", "H31", "K11"]),
                     "use_nature": mk.pick("A" * 22 + "DFC"), "owner_name": owner.name, "owner_id": owner.id_number,
                     "first_reg_date": _iso(first), "inspect_valid_to": _iso(valid_to),
                     "fuel_type": "C" if electric else mk.pick("AAAAAAB"),
                     "vehicle_status": "Q" if expired else mk.pick("A" * 24 + "G")})
    return rows


VIOLATIONS = [("1625", 6, "200"), ("1039", 0, "150"), ("1352", 3, "200"), ("1019", 0, "100"), ("1208", 3, "200"),
              ("1344", 3, "200"), ("1636", 1, "100"), ("1223", 2, "100")]


def violations(mk: Maker, w: World, n: int) -> list[Row]:
    rows = []
    for _ in range(n):
        code, points, fine = mk.pick(VIOLATIONS)
        day = mk.days_ago(4, 180)
        place = (f"{mk.pick(ROADS)}与{mk.pick(ROADS)}交叉口" if mk.chance(0.6)
                 else f"{mk.pick(ROADS)}{mk.rng.randint(1, 399)}号路段")
        rows.append({"decision_no": mk.unique_code(lambda: "9901" + mk.digits(12)), "plate_no": mk.pick(w.vehicles),
                     "violation_time": mk.moment(day, 6, 23), "violation_place": place, "violation_code": code,
                     "penalty_points": points, "fine": fine,
                     "handled": mk.chance(0.9 if (mk.today - day).days > 30 else 0.4)})
    return rows


SCOPES = {"批发业": "日用百货、五金交电、建筑材料批发", "零售业": "预包装食品、日用百货零售",
          "餐饮业": "餐饮服务；食品销售", "软件和信息技术服务业": "软件开发；信息系统集成服务；数据处理服务",
          "道路运输业": "普通货物道路运输；仓储服务（不含危险化学品）", "房屋建筑业": "房屋建筑工程施工；市政公用工程施工",
          "农副食品加工业": "粮食收购；农副产品加工、销售", "商务服务业": "企业管理咨询；会议及展览服务",
          "医药制造业": "药品生产；医疗器械销售", "房地产业": "房地产开发经营；物业管理"}


def _authority(e: Entity) -> str:
    county = next((v[0] for k, v in COUNTY_AREAS.items() if e.credit_code[2:8] == k), None)
    return f"{county}市场监督管理局" if county else "云川市市场监督管理局"


def market_entities(mk: Maker, w: World, n: int) -> list[Row]:
    rows = []
    for e in w.entities[:n]:
        coop = e.entity_type == "9100"
        term = None if mk.chance(0.4) else _plus_years(e.est_date, mk.pick([20, 30, 50]))
        rows.append({"credit_code": e.credit_code, "entity_name": e.name, "entity_type": e.entity_type,
                     "legal_rep": e.legal_rep, "reg_capital": "50.00" if coop else mk.pick(["10.00", "50.00", "100.00", "200.00", "500.00", "1000.00", mk.money(30, 3000)]),
                     "est_date": _iso(e.est_date), "business_term_to": _iso(term), "reg_address": e.address,
                     "business_scope": _maybe(mk, 0.95, SCOPES[e.industry] + "（依法须经批准的项目，经相关部门批准后方可开展经营活动）"),
                     "reg_authority": _authority(e), "entity_status": mk.pick(["存续"] * 18 + ["吊销", "注销"])})
    return rows


def food_licences(mk: Maker, w: World, n: int) -> list[Row]:
    rows = []
    for e in mk.rng.sample(w.entities, n):
        fmt = mk.pick(["食品销售经营者", "餐饮服务经营者", "餐饮服务经营者", "单位食堂"])
        issued = mk.days_ago(20, 1800)
        rows.append({"licence_no": mk.unique_code(lambda: f"JY{'2' if '餐饮' in fmt or '食堂' in fmt else '1'}"
                                                          f"{e.credit_code[2:8]}{mk.digits(7)}"),
                     "licensee": e.name, "credit_code": e.credit_code,
                     "business_place": e.address, "main_format": fmt,
                     "business_items": "热食类食品制售；冷食类食品制售" if fmt != "食品销售经营者" else "预包装食品（含冷藏冷冻食品）销售；散装食品销售",
                     "issue_date": _iso(issued), "valid_to": _iso(_plus_years(issued, 5)),
                     "issuing_authority": _authority(e)})
    return rows


def employment(mk: Maker, w: World, n: int) -> list[Row]:
    rows = []
    workers = [p for p in w.adults if p.age(mk.today) <= 60]
    for p in mk.rng.sample(workers, n):
        kind = mk.pick(["01"] * 8 + ["02", "03"])
        employer = mk.pick(w.entities) if kind == "01" else None
        rows.append({"id_number": p.id_number, "employment_date": _iso(mk.days_ago(10, 3000)), "name": p.name,
                     "employer": employer.name if employer else None, "employment_type": kind,
                     "credit_code": employer.credit_code if employer else None})
    return rows


INSURANCE_TYPES = ["110", "310", "210", "410", "510"]  # 养老、医疗、失业、工伤、生育


def insurance(mk: Maker, w: World, n: int) -> list[Row]:
    rows: list[Row] = []
    candidates = [p for p in w.adults if p.age(mk.today) <= 70]
    mk.rng.shuffle(candidates)
    for p in candidates:
        if len(rows) >= n:
            break
        w.insured.append(p)
        employer = mk.pick(w.entities)
        code = w.employer_codes[employer.credit_code]
        since = mk.days_ago(60, 6000)
        for kind in INSURANCE_TYPES[:mk.rng.randint(2, 5)]:
            rows.append({"insured_no": p.id_number, "insurance_type": kind, "name": p.name,
                         "employer_name": employer.name, "employer_code": code, "insured_date": _iso(since),
                         "insured_status": mk.pick("1" * 17 + "23")})
    return rows[:n]


def low_income(mk: Maker, w: World, n: int, area: str | None = None) -> list[Row]:
    rows = []
    people = [mk.person(18, 90, area) for _ in range(n)] if area else mk.rng.sample(w.adults, n)
    for p in people:
        rural = p.area_code in COUNTY_AREAS
        size = mk.rng.randint(1, 5)
        income = mk.rng.randint(0, 45000) if mk.chance(0.7) else 0
        standard = 56000 if rural else 78000  # fen per person and month
        row = {"id_number": p.id_number, "name": p.name, "gender": p.gender, "address": p.address,
               "aid_type": "02" if rural else "01", "family_size": size,
               "aid_amount": f"{max(5000, (standard - income) * size) / 100:.2f}",
               "approve_date": _iso(mk.days_ago(20, 2500)), "aid_status": mk.pick(["01"] * 12 + ["02", "03"])}
        if area is None:
            row |= {"mobile": _maybe(mk, 0.85, p.mobile), "income_monthly": f"{income / 100:.2f}"}
        rows.append(row)
    return rows


DIAGNOSES = ["J06.900 急性上呼吸道感染", "I10.x00 高血压", "E11.900 2型糖尿病", "K29.700 胃炎", "J20.900 急性支气管炎",
             "M54.500 腰痛", "I25.103 冠状动脉粥样硬化性心脏病", "N39.000 泌尿道感染", "H10.900 结膜炎", "J18.900 肺炎"]


def med_settlements(mk: Maker, w: World, n: int) -> list[Row]:
    rows = []
    sites = [f"H{mk.pick(list(AREAS))}{mk.digits(5)}" for _ in range(40)] + \
            [f"P{mk.pick(list(AREAS))}{mk.digits(5)}" for _ in range(60)]
    for _ in range(n):
        p = mk.pick(w.insured or w.adults)
        site = mk.pick(sites)
        inpatient = site.startswith("H") and mk.chance(0.08)
        total = mk.rng.randint(300000, 3000000) if inpatient else mk.rng.randint(1500, 80000)
        fund = total * mk.rng.randint(0 if site.startswith("P") else 50, 85) // 100
        day = mk.days_ago(1, 60)
        rows.append({"settle_no": mk.unique_code(lambda d=day: f"{site[1:7]}{d:%Y%m%d}{mk.digits(10)}"),
                     "insured_no": p.id_number, "designated_code": site, "settle_time": mk.moment(day, 7, 21),
                     "diagnosis": mk.pick(DIAGNOSES) if site.startswith("H") else None,
                     "total_cost": f"{total / 100:.2f}", "fund_paid": f"{fund / 100:.2f}",
                     "self_paid": f"{(total - fund) / 100:.2f}"})
    return rows


SCHEDULE = [("乙肝疫苗", 1, 0), ("卡介苗", 1, 0), ("乙肝疫苗", 2, 1), ("脊灰灭活疫苗", 1, 2), ("脊灰灭活疫苗", 2, 3),
            ("百白破疫苗", 1, 3), ("百白破疫苗", 2, 4), ("二价脊灰减毒活疫苗", 3, 4), ("百白破疫苗", 3, 5),
            ("乙肝疫苗", 3, 6), ("A群流脑多糖疫苗", 1, 6), ("麻腮风疫苗", 1, 8), ("乙脑减毒活疫苗", 1, 8),
            ("A群流脑多糖疫苗", 2, 9), ("百白破疫苗", 4, 18), ("麻腮风疫苗", 2, 18), ("甲肝减毒活疫苗", 1, 18),
            ("乙脑减毒活疫苗", 2, 24), ("A群C群流脑多糖疫苗", 1, 36), ("二价脊灰减毒活疫苗", 4, 48),
            ("A群C群流脑多糖疫苗", 2, 72)]


def vaccinations(mk: Maker, w: World, n: int) -> list[Row]:
    rows: list[Row] = []
    sites = [f"云川市{street}社区卫生服务中心" for _, streets in CITY_AREAS.values() for street in streets]
    while len(rows) < n:
        child = mk.person(0, 6)
        guardian = mk.name(mk.pick("12"))
        phone = mk.mobile()
        for vaccine, dose, months in SCHEDULE:
            day = child.birth_date + dt.timedelta(days=months * 30 + mk.rng.randint(0, 20))
            if day > mk.today:
                break
            rows.append({"recipient_id": child.id_number, "vaccine_name": vaccine, "dose_no": dose,
                         "recipient_name": child.name, "vaccinate_date": _iso(day),
                         "vaccine_batch": f"{day.year}{mk.pick('ABCDE')}{mk.digits(4)}", "vaccinate_site": mk.pick(sites),
                         "guardian_name": guardian, "guardian_phone": phone})
    return rows[:n]


def students(mk: Maker, w: World, n: int) -> list[Row]:
    rows = []
    grades = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级"]
    for _ in range(n):
        child = mk.person(6, 15)
        age = child.age(mk.today)
        stage = min(max(age - 6, 0), 8)
        school = f"云川市{mk.pick(['实验', '南湖', '滨江', '北山', '东城'])}{'小学' if stage < 6 else '中学'}"
        entered = dt.date(mk.today.year - (stage if stage < 6 else stage - 6) - (mk.today.month < 9), 9, 1)
        # 全国学籍号 is "G" + the ID number; validation reads the item (personal information kind 身份证件号码) as a
        # GB 11643 number and would refuse the prefix, so the bare ID number is sent.
        rows.append({"student_no": child.id_number, "name": child.name, "gender": child.gender,
                     "birth_date": _iso(child.birth_date), "school_name": school, "grade": grades[stage],
                     "class_name": f"{mk.rng.randint(1, 8)}班", "enroll_date": _iso(entered), "student_status": "在读",
                     "guardian_name": mk.name(mk.pick("12")), "guardian_phone": mk.mobile()})
    return rows


APPEALS = [("夜间施工噪音扰民", "云川市住房和城乡建设局"), ("路灯不亮", "云川市城市管理局"), ("下水道堵塞", "云川市城市管理局"),
           ("占道经营", "云川市城市管理局"), ("小区垃圾清运不及时", "云川市城市管理局"),
           ("商家拒绝退换商品", "云川市市场监督管理局"), ("养老保险缴费年限查询", "云川市人力资源和社会保障局"),
           ("公交站台破损", "云川市交通运输局"), ("餐馆油烟扰民", "云川市生态环境局"), ("医保异地备案咨询", "云川市医疗保障局")]


def hotline(mk: Maker, w: World, n: int, duplicates: int = 0) -> list[Row]:
    rows: list[Row] = []
    for _ in range(n - duplicates):
        p = mk.pick(w.adults)
        issue, unit = mk.pick(APPEALS)
        kind = "咨询" if "咨询" in issue or "查询" in issue else mk.pick(["投诉", "投诉", "求助", "举报", "建议"])
        day = mk.days_ago(0, 60)
        rows.append({"ticket_no": mk.unique_code(lambda d=day: f"{d:%Y%m%d}{mk.digits(6)}"),
                     "caller_name": _maybe(mk, 0.7, p.name), "caller_phone": _maybe(mk, 0.92, p.mobile),
                     "appeal_type": kind, "appeal_content": f"来电人反映{p.street}{mk.pick(ROADS)}附近{issue}，希望尽快处理。",
                     "handling_unit": unit, "satisfaction": _maybe(mk, 0.8, mk.pick(["满意"] * 7 + ["基本满意"] * 2 + ["不满意"])),
                     "received_at": mk.moment(day, 0, 23)})
    # the same call delivered twice under a second ticket number (a resend by the hotline system)
    for row in mk.rng.sample(rows, duplicates):
        rows.append({**row, "ticket_no": mk.unique_code(lambda: row["ticket_no"][:8] + mk.digits(6))})
    return rows


def real_estate(mk: Maker, w: World, n: int) -> list[Row]:
    rows = []
    for _ in range(n):
        p = mk.pick(w.adults)
        code, _, address = mk.local_address(mk.pick(list(CITY_AREAS)))
        year = mk.rng.randint(2016, mk.today.year)
        rows.append({"unit_no": mk.unique_code(lambda c=code: f"{c}{mk.digits(6)}GB{mk.digits(5)}F{mk.digits(8)}"),
                     "re_cert_no": mk.unique_code(lambda y=year: f"示（{y}）云川市不动产权第{mk.digits(7)}号"),
                     "right_holder": p.name, "right_holder_id": p.id_number,
                     "right_type": mk.pick(["房屋所有权"] * 9 + ["国有建设用地使用权"]),
                     "right_nature": mk.pick(["市场化商品房"] * 7 + ["出让", "房改房", "经济适用住房"]),
                     "land_location": address, "building_area": round(mk.rng.uniform(38, 180), 2),
                     "record_date": _iso(mk.day_between(dt.date(year, 1, 1), min(dt.date(year, 12, 31), mk.today)))})
    return rows


REG_TYPES = {"1110": "有限责任公司", "1130": "有限责任公司", "1210": "股份有限公司", "9100": "农民专业合作社"}


def tax_registration(mk: Maker, w: World, n: int) -> list[Row]:
    rows = []
    for e in mk.rng.sample(w.entities, n):
        district = AREAS[e.credit_code[2:8]][0]
        rows.append({"taxpayer_id": e.credit_code, "taxpayer_name": e.name, "credit_code": e.credit_code,
                     "reg_type": REG_TYPES[e.entity_type], "industry": e.industry,
                     "tax_reg_date": _iso(min(mk.today, e.est_date + dt.timedelta(days=mk.rng.randint(3, 30)))),
                     "tax_authority": f"国家税务总局云川市{district}税务局" if e.credit_code[2:8] in CITY_AREAS
                     else f"国家税务总局{district}税务局",
                     "tax_status": mk.pick(["正常"] * 18 + ["非正常", "注销"])})
    return rows


SECTIONS = [("青河大桥", 2), ("青河入境断面", 2), ("南湖出口", 3), ("滨江水厂取水口", 2), ("石桥水库", 1),
            ("龙潭河口", 3), ("柳营渡口", 3), ("白沙河", 4), ("城南污水厂下游", 4), ("北山溪", 2), ("红岩河", 3),
            ("云川江出境断面", 3)]
CLASSES = ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ"]


def _months(mk: Maker, count: int) -> list[dt.date]:
    first = mk.today.replace(day=1)
    out = []
    for k in range(count, 0, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - k, 12)
        out.append(dt.date(year, month + 1, 10))
    return out


def water_quality(mk: Maker, w: World, n: int) -> list[Row]:
    rows = []
    for day in _months(mk, max(1, n // len(SECTIONS))):
        for section, base in SECTIONS:
            level = min(5, max(0, base - 1 + mk.pick([0, 0, 0, 1, 1, 2]) - (1 if day.month in (1, 2, 12) else 0)))
            rows.append({"water_section": section, "monitor_date": _iso(day), "water_class": CLASSES[level],
                         "codmn": round(1.2 + level * 1.6 + mk.rng.uniform(0, 1.4), 1),
                         "nh3n": round(0.05 + level * 0.3 + mk.rng.uniform(0, 0.25), 3)})
    return rows[:n]


INDICATORS = [("地区生产总值", "亿元", 210.0, 5.3), ("规模以上工业增加值", "亿元", 62.0, 6.1),
              ("社会消费品零售总额", "亿元", 88.0, 4.6), ("固定资产投资", "亿元", 75.0, 3.2),
              ("一般公共预算收入", "亿元", 14.5, 2.8), ("城镇居民人均可支配收入", "元", 3900.0, 4.9),
              ("农村居民人均可支配收入", "元", 1750.0, 6.6), ("进出口总额", "亿元", 9.8, -1.5),
              ("城镇调查失业率", "%", 5.1, -0.2), ("居民消费价格指数", "上年同月=100", 100.4, 0.0)]


def indicators(mk: Maker, w: World, n: int) -> list[Row]:
    rows = []
    for day in _months(mk, max(1, n // len(INDICATORS))):
        for name, unit, base, growth in INDICATORS:
            yoy = round(growth + mk.rng.uniform(-1.2, 1.2), 1)
            value = base * (1 + mk.rng.uniform(-0.04, 0.06)) if unit not in ("%", "上年同月=100") else base + mk.rng.uniform(-0.4, 0.4)
            rows.append({"stat_period": f"{day:%Y-%m}", "indicator_name": name, "indicator_value": round(value, 2),
                         "indicator_unit": unit, "yoy": None if unit in ("%", "上年同月=100") else yoy})
    return rows[:n]
