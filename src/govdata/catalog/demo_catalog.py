"""Demo content of the catalog: the data resources the demo city's departments register (``govdata demo``).

Pure data plus one loader that registers every entry through the catalog services, as the platform
operator would: most entries are published, a few are left in draft, under review, returned or withdrawn,
and some have more than one published version, so every screen of the catalog has something to show.
All content is invented for demonstration; the laws cited are real.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from govdata.catalog import service
from govdata.catalog.schemas import ResourceCreate, ResourceDraft, ReviewDecision, WithdrawalRequest
from govdata.catalog.standard import DATA_TYPES, PII_KINDS, SENSITIVITY
from govdata.core.actor import platform_actor
from govdata.org import demo_data
from govdata.org import service as org_service

# --- information items --------------------------------------------------------------------------------
# One line per item: field code, Chinese name, data type with its length, optional sensitivity and personal
# information kind (a personal item without a sensitivity is L2). The same code means the same item in
# every entry.
_ITEM_LINES = """
id_number 公民身份号码 C18 L3 身份证件号码
name 姓名 C50 L2 姓名
gender 性别 C1
ethnicity 民族 C2
birth_date 出生日期 D L2
birthplace 出生地 C200 L2
address 住址 C200 L3 住址
mobile 联系电话 C20 L3 手机号码
household_no 户号 C20 L2
relation_to_head 与户主关系 C2 L2
marital_status 婚姻状况 C2 L2
service_place 服务处所 C200 L2
police_station 户籍派出所 C100
region_code 行政区划代码 C6
record_date 登记日期 D
death_date 死亡日期 D L2
hukou_cancel_reason 注销原因 C2 L2
move_type 迁移类别 C2
from_address 迁出地详址 C200 L3 住址
to_address 迁入地详址 C200 L3 住址
move_date 迁移日期 D
move_reason 迁移原因 C2
accept_no 受理编号 C30
apply_reason 申领原因 C2
issuing_office 签发机关 C100
valid_from 有效期起始日期 D
valid_to 有效期截止日期 D
cert_status 证件状态 C2
apply_date 申请日期 D
photo 证件照片 G L4 生物识别
permit_no 居住证编号 C30 L2
residence_address 居住地址 C200 L3 住址
employer 工作单位 C200 L2
arrival_date 来本地日期 D L2
plate_no 号牌号码 C15 L2
plate_type 号牌种类 C2
vin 车辆识别代号 C17 L2
brand_model 品牌型号 C100
vehicle_type 车辆类型 C3
use_nature 使用性质 C2
owner_name 机动车所有人 C200 L2 姓名
owner_id 所有人身份证明号码 C18 L3 身份证件号码
first_reg_date 初次登记日期 D
inspect_valid_to 检验有效期止 D
fuel_type 燃料种类 C2
vehicle_status 机动车状态 C2
dl_file_no 驾驶证档案编号 C12 L2
permitted_class 准驾车型 C15
first_license_date 初次领证日期 D
score 累积记分 I L2
dl_status 驾驶证状态 C2
violation_time 违法时间 T L3 行踪轨迹
violation_place 违法地点 C200 L3 行踪轨迹
violation_code 违法行为代码 C5
penalty_points 记分分值 I
fine 罚款金额 Y
handled 是否已处理 L
travel_doc_type 证件种类 C2
travel_doc_no 出入境证件号码 C20 L3 身份证件号码
destination 前往国家（地区） C100 L3 行踪轨迹
crossing_port 出入境口岸 C50 L3 行踪轨迹
crossing_time 出入境时间 T L3 行踪轨迹
crossing_dir 出入境方向 C1 L3 行踪轨迹
detainee_no 在押人员编号 C20 L3
custody_place 羁押场所 C100 L3 行踪轨迹
custody_date 入所日期 D L3
case_type 案件类别 C50 L3
cert_no 证明编号 C30
cert_purpose 证明用途 C100
cert_date 出具日期 D
org_name 机构名称 C200
office_address 办公地址 C200
office_phone 咨询电话 C30
office_hours 办公时间 C100
service_items 可办理业务 M
longitude 经度 B
latitude 纬度 B
stat_period 统计期 C7
area_name 区域名称 C50
accident_count 事故起数 I
death_count 死亡人数 I
injury_count 受伤人数 I
property_loss 直接财产损失（元） Y
dog_reg_no 犬只登记证号 C30
dog_breed 犬只品种 C50
immunization_no 免疫证号 C30
licence_no 许可证编号 C30
credit_code 统一社会信用代码 C18
entity_name 市场主体名称 C200
entity_type 市场主体类型 C4
legal_rep 法定代表人 C50 L2 姓名
reg_capital 注册资本（万元） Y
est_date 成立日期 D
business_term_to 营业期限至 D
reg_address 住所 C200
business_scope 经营范围 M
reg_authority 登记机关 C100
entity_status 登记状态 C2
change_item 变更事项 C100
change_before 变更前内容 M
change_after 变更后内容 M
change_date 变更日期 D
cancel_date 注销日期 D
cancel_reason 注销原因 C100
licensee 经营者名称 C200
business_place 经营场所 C200
production_address 生产地址 C200
main_format 主体业态 C50
business_items 经营项目 M
food_category 食品类别 M
issue_date 发证日期 D
issuing_authority 发证机关 C100
decision_no 处罚决定书文号 C50
party_name 当事人名称 C200
violation_fact 主要违法事实 M
penalty_basis 处罚依据 M
penalty_type 处罚类别 C20
penalty_content 处罚内容 M
penalty_amount 罚没金额（元） Y
decision_date 处罚决定日期 D
decision_authority 处罚机关 C100
report_year 年报年度 N4
employees 从业人数 I
total_assets 资产总额（万元） Y L2
revenue 营业总收入（万元） Y L2
tax_total 纳税总额（万元） Y L2
insured_count 社会保险参保人数 I
list_reason 列入原因 C200
list_date 列入日期 D
list_authority 作出决定机关 C100
remove_date 移出日期 D
sample_no 抽样编号 C30
sample_name 样品名称 C100
producer_name 标称生产企业名称 C200
sampled_entity 被抽样单位名称 C200
sample_date 抽样日期 D
check_result 检验结论 C10
unqualified_items 不合格项目 C200
complaint_no 投诉举报编号 C30
complainant_name 投诉人姓名 C50 L2 姓名
complainant_phone 投诉人联系电话 C20 L3 手机号码
respondent 被投诉对象 C200
complaint_content 投诉内容 M L2
received_at 登记时间 T
handle_result 处理结果 C200
equipment_code 设备代码 C20
equipment_type 设备种类 C20
use_unit 使用单位 C200
install_place 设备使用地点 C200
next_inspect_date 下次检验日期 D
instrument_name 计量器具名称 C100
instrument_no 出厂编号 C50
verify_date 检定日期 D
verify_result 检定结论 C10
commodity 商品名称 C100
spec 规格等级 C50
price 价格（元） Y
unit 计价单位 C10
monitor_date 监测日期 D
market_name 监测点名称 C100
operator_name 经营者姓名 C50 L2 姓名
operator_id 经营者身份证件号码 C18 L3 身份证件号码
shop_name 个体工商户名称 C200
inspect_date 检查日期 D
inspect_result 检查结果 C10
problems 发现问题 M
insured_no 社会保障号码 C18 L3 身份证件号码
insurance_type 险种类型 C3
insured_status 参保状态 C2
insured_date 参保日期 D
employer_name 参保单位名称 C200
employer_code 参保单位编号 C20
contribution_base 缴费基数 Y L2
pay_period 费款所属期 C6
benefit_month 发放年月 C6
benefit_amount 发放金额 Y L2
bank_account 银行账号 C30 L4 银行账户
bank_name 开户银行 C100 L2
pension_type 待遇类别 C2
retire_date 退休日期 D L2
employment_date 就业日期 D
employment_type 就业形式 C2
unemployed_date 失业登记日期 D
unemployed_reason 失业原因 C2
job_intention 求职意向 C100
cert_level 职业技能等级 C2
occupation_name 职业（工种） C100
cert_number 证书编号 C30
cert_issue_org 评价机构 C200
title_name 专业技术职务 C50
title_level 资格级别 C10
approve_date 批准日期 D
permit_scope 许可业务范围 M
case_no 案件编号 C30
case_reason 案由 C200
case_status 办理状态 C10
claim_amount 涉案金额（元） Y L2
card_no 社会保障卡卡号 C20 L3
card_bank 服务银行 C100
card_status 卡状态 C2
injury_date 受伤害时间 D L3 健康医疗
injury_part 受伤害部位 C100 L3 健康医疗
injury_finding 认定结论 C20 L3 健康医疗
aid_type 救助类别 C2
family_size 保障人口数 I L2
aid_amount 月保障金额（元） Y L2
aid_status 保障状态 C2
income_monthly 家庭月人均收入（元） Y L3 其他个人信息
support_mode 供养方式 C2
care_level 生活自理能力 C2 L3 健康医疗
marriage_type 登记类别 C2 L2
husband_name 男方姓名 C50 L2 姓名
husband_id 男方公民身份号码 C18 L3 身份证件号码
wife_name 女方姓名 C50 L2 姓名
wife_id 女方公民身份号码 C18 L3 身份证件号码
marriage_cert_no 结婚（离婚）证字号 C30 L2
social_org_type 社会组织类型 C10
supervisor_unit 业务主管单位 C200
registered_fund 开办资金（万元） Y
deceased_name 逝者姓名 C50 L2 姓名
deceased_id 逝者公民身份号码 C18 L3 身份证件号码
cremation_date 火化日期 D
funeral_home 殡仪馆 C100
cremation_cert_no 火化证明编号 C30
adopter_name 收养人姓名 C50 L2 姓名
adopter_id 收养人公民身份号码 C18 L3 身份证件号码
adoptee_name 被收养人姓名 C50 L2 姓名
adoptee_birth_date 被收养人出生日期 D L3
adoption_cert_no 收养登记证字号 C30 L3
bed_count 床位数 I
care_org_type 机构性质 C10
rating 等级评定 C10
place_name 标准地名 C100
place_type 地名类别 C20
place_meaning 地名含义 M
subsidy_amount 补贴金额（元） Y L2
committee_name 居（村）委会名称 C100
community_code 居（村）委会代码 C12
household_count 户数 I
population 人口数 I
birth_cert_no 出生医学证明编号 C20 L2
baby_name 新生儿姓名 C50 L2 姓名
birth_time 出生时间 T L2
birth_weight 出生体重（克） I L3 健康医疗
gestational_weeks 出生孕周 I L3 健康医疗
mother_name 母亲姓名 C50 L2 姓名
mother_id 母亲公民身份号码 C18 L3 身份证件号码
father_name 父亲姓名 C50 L2 姓名
father_id 父亲公民身份号码 C18 L3 身份证件号码
birth_hospital 接生机构名称 C200
inst_reg_no 登记号 C30
inst_class 机构类别 C50
inst_level 医院等级 C10
clinical_subjects 诊疗科目 M
owner_type 所有制形式 C10
practice_cert_no 执业证书编码 C30
practice_category 执业类别 C20
practice_scope 执业范围 C100
practice_place 主要执业机构 C200
recipient_name 受种者姓名 C50 L2 姓名
recipient_id 受种者身份证件号码 C18 L3 身份证件号码
vaccine_name 疫苗名称 C100 L3 健康医疗
dose_no 剂次 I L3 健康医疗
vaccinate_date 接种日期 D L3 健康医疗
vaccine_batch 疫苗批号 C30
vaccinate_site 接种单位 C200
guardian_name 监护人姓名 C50 L2 姓名
guardian_phone 监护人联系电话 C20 L3 手机号码
health_record_no 健康档案编号 C30 L3
chronic_disease 慢性病患病情况 C200 L4 健康医疗
blood_type 血型 C5 L3 健康医疗
allergy 过敏史 C200 L3 健康医疗
diagnosis 诊断名称 C200 L4 健康医疗
report_date 报告日期 D
disease_name 传染病病名 C100 L4 健康医疗
onset_date 发病日期 D L3 健康医疗
report_org 报告单位 C200
death_cert_no 死亡医学证明编号 C30 L2
death_cause 根本死因 C200 L3 健康医疗
death_place 死亡地点 C2
sign_team 签约团队 C100
sign_date 签约日期 D
sign_package 签约服务包 C100
risk_level 危险性评估等级 C10 L4 健康医疗
place_category 公共场所类别 C50
student_no 全国学籍号 C19 L3 身份证件号码
school_name 学校名称 C200
school_code 学校标识码 C10
grade 年级 C10
class_name 班级 C20
enroll_date 入学日期 D
student_status 学籍状态 C10
school_type 办学类型 C20
school_nature 举办者类型 C10
student_count 在校生数 I
teacher_count 专任教师数 I
teacher_cert_no 教师资格证书号码 C20 L2
teach_subject 任教学科 C50
teacher_cert_type 资格种类 C20
aid_project 资助项目 C100
exam_no 准考证号 C20 L2
total_score 总分 N5 L3
fitness_score 体测综合成绩 N5 L3 健康医疗
bmi 体重指数 F L3 健康医疗
plan_name 规划名称 C200
plan_level 规划层级 C20
approve_org 批准机关 C100
approve_no 批准文号 C50
plan_period 规划期限 C20
doc_file 成果文件 G
land_parcel_no 宗地代码 C19
land_use 土地用途 C50
land_area 面积（平方米） B
land_location 坐落 C200
land_owner_type 权属性质 C10
project_name 项目名称 C200
builder 建设单位 C200
build_scale 建设规模 C200
transfer_price 成交价款（万元） Y
transfer_method 供地方式 C20
contract_date 合同签订日期 D
hazard_no 隐患点编号 C20
hazard_type 灾害类型 C20
threat_people 威胁人数 I
threat_property 威胁财产（万元） Y
monitor_person 群测群防员 C50 L2 姓名
monitor_phone 群测群防员电话 C20 L3 手机号码
patch_code 图斑编号 C30
geometry 空间坐标 M
unit_no 不动产单元号 C28
re_cert_no 不动产权证书号 C50 L2
right_holder 权利人 C200 L2 姓名
right_holder_id 权利人证件号码 C18 L3 身份证件号码
right_type 权利类型 C10
right_nature 权利性质 C10
building_area 建筑面积（平方米） B
mortgagee 抵押权人 C200
mortgage_amount 被担保主债权数额（万元） Y L2
mortgage_term 债务履行期限 C50
seal_org 查封机关 C200
seal_doc_no 查封文号 C50
seal_from 查封起始日期 D
seal_to 查封截止日期 D
presale_no 预售许可证号 C30
developer 开发企业 C200
project_location 项目坐落 C200
presale_area 预售面积（平方米） B
presale_units 预售套数 I
contract_price 合同价格（万元） Y
construction_unit 施工单位 C200
supervision_unit 监理单位 C200
start_date 计划开工日期 D
end_date 计划竣工日期 D
qualification_no 资质证书编号 C30
qualification_level 资质等级 C50
qualification_type 资质类别 C100
contract_no 合同备案编号 C30
buyer_name 买受人 C200 L2 姓名
buyer_id 买受人证件号码 C18 L3 身份证件号码
house_location 房屋坐落 C200 L3 住址
total_price 合同总价（元） Y L2
filing_date 备案日期 D
housing_mode 保障方式 C10
rent_subsidy 租赁补贴金额（元） Y L2
taxpayer_id 纳税人识别号 C20
taxpayer_name 纳税人名称 C200
credit_level 纳税信用级别 C2
eval_year 评价年度 N4
tax_authority 主管税务机关 C100
reg_type 登记注册类型 C10
industry 行业 C100
tax_reg_date 税务登记日期 D
tax_status 纳税人状态 C10
arrears_type 欠缴税种 C50
arrears_amount 欠缴税额（元） Y
announce_date 公告日期 D
case_nature 案件性质 C50
income_amount 收入额（元） Y L3 其他个人信息
tax_paid 已缴税额（元） Y L3 其他个人信息
tax_type 税种 C20
doc_title 文件标题 C200
doc_no 文号 C50
publish_date 发布日期 D
attachment 附件 G
budget_year 预算年度 N4
dept_name 部门名称 C200
procure_no 采购项目编号 C50
purchaser 采购人 C200
procure_method 采购方式 C20
budget_amount 预算金额（元） Y
winner 成交供应商 C200
win_amount 成交金额（元） Y
asset_code 资产编号 C30
asset_name 资产名称 C200
asset_category 资产分类 C50
book_value 账面价值（元） Y
fund_name 资金名称 C200
transport_permit_no 道路运输经营许可证号 C30
qual_cert_no 从业资格证号 C30 L2
qual_category 从业资格类别 C50
transport_cert_no 网络预约出租汽车运输证号 C30
route_no 线路编号 C20
route_name 线路名称 C50
stop_name 站点名称 C100
stop_seq 站序 I
first_bus 首班时间 C5
last_bus 末班时间 C5
road_code 路线编码 C20
road_name 路线名称 C100
road_grade 技术等级 C10
road_length 里程（公里） B
pollutant_permit_no 排污许可证编号 C30
main_pollutants 主要污染物类别 C200
emission_limit 许可排放量（吨/年） B
station_name 监测点位名称 C100
monitor_time 监测时间 T
aqi 空气质量指数 I
primary_pollutant 首要污染物 C20
pm25 细颗粒物浓度（微克/立方米） B
pm10 可吸入颗粒物浓度（微克/立方米） B
o3 臭氧浓度（微克/立方米） B
water_section 断面名称 C100
water_class 水质类别 C5
codmn 高锰酸盐指数（毫克/升） B
nh3n 氨氮浓度（毫克/升） B
eia_doc_no 环评批复文号 C50
eia_category 环评类别 C20
outlet_code 排放口编号 C20
pollutant_name 污染物名称 C50
emission_conc 排放浓度（毫克/立方米） B
exceeded 是否超标 L
med_insurance_type 参保险种 C10
designated_code 定点医药机构编码 C20
designated_type 机构类型 C20
settle_no 结算流水号 C40
settle_time 结算时间 T
total_cost 医疗费用总额（元） Y L3 健康医疗
fund_paid 统筹基金支付（元） Y L3 健康医疗
self_paid 个人自付（元） Y L3 健康医疗
med_aid_amount 医疗救助金额（元） Y L2
chronic_type 病种名称 C100 L4 健康医疗
indicator_name 指标名称 C100
indicator_value 指标值 B
indicator_unit 计量单位 C20
yoy 同比增长（%） B
industry_code 国民经济行业代码 C5
unit_scale 单位规模 C10
survey_form 调查表号 C20
report_values 填报数据 M L3
cpi_category 商品和服务类别 C50
cpi_index 价格指数（上年同月=100） B
lawyer_license_no 执业证号 C17
law_firm 执业机构 C200
practice_status 执业状态 C10
corr_no 社区矫正对象编号 C20 L3
corr_type 矫正类别 C10 L3
corr_start 矫正起始日期 D L3
corr_end 矫正截止日期 D L3
crime_name 罪名 C100 L4 其他个人信息
mediator_count 人民调解员人数 I
forensic_scope 鉴定业务范围 C200
donor_reg_no 登记编号 C30 L3
donation_kind 捐献类型 C20 L4 健康医疗
donor_org 捐赠方 C200
donation_amount 捐赠金额（元） Y
donation_use 款物用途 C200
disability_cert_no 残疾人证号 C22 L3 身份证件号码
disability_type 残疾类别 C10 L4 健康医疗
disability_level 残疾等级 C10 L4 健康医疗
license_type_name 证照类型名称 C100
license_type_code 证照类型代码 C30
issuing_dept 发证部门 C200
holder_type 持证主体类型 C10
item_code 事项编码 C40
item_name 事项名称 C200
item_type 事项类型 C20
legal_limit 法定办结时限（工作日） I
promised_limit 承诺办结时限（工作日） I
handling_place 办理地点 C200
charged 是否收费 L
public_credit_level 公共信用综合评价等级 C5
eval_score 评价得分 N5
ticket_no 工单编号 C30
caller_name 来电人姓名 C50 L2 姓名
caller_phone 来电号码 C20 L3 手机号码
appeal_content 诉求内容 M L2
appeal_type 诉求类别 C50
handling_unit 承办单位 C200
satisfaction 满意度 C10
account_name 账号名称 C100
platform_name 所在平台 C50
operating_unit 主办单位 C200
site_domain 网站域名 C100
icp_no 备案号 C30
"""


def _parse_items(text: str) -> dict[str, dict[str, Any]]:
    items: dict[str, dict[str, Any]] = {}
    for line in text.strip().splitlines():
        code, name, kind, *rest = line.split()
        data_type, length = kind[0], int(kind[1:]) if kind[1:] else None
        sensitivity = next((t for t in rest if t in SENSITIVITY), None)
        pii = next((t for t in rest if t in PII_KINDS), None)
        assert data_type in DATA_TYPES and code not in items, line
        items[code] = {"name": name, "field_code": code, "data_type": data_type, "length": length,
                       "sensitivity": sensitivity or ("L2" if pii else "L1"), "pii_kind": pii}
    return items


ITEMS = _parse_items(_ITEM_LINES)


def items(spec: str) -> list[dict[str, Any]]:
    """Items from a space-separated list of field codes; suffix ``*`` marks the key (required), ``!`` a
    required item, ``~`` an item withheld even from approved consumers."""
    result = []
    for token in spec.split():
        code = token.rstrip("*!~")
        item = dict(ITEMS[code])
        item["is_key"] = "*" in token
        item["required"] = "*" in token or "!" in token
        item["shared"] = "~" not in token
        result.append(item)
    return result


# --- legal bases ----------------------------------------------------------------------------------------
PIPL = "《中华人民共和国个人信息保护法》第十三条、第三十四条"
PIPL_SENSITIVE = "《中华人民共和国个人信息保护法》第二十八条、第三十四条"
DSL = "《中华人民共和国数据安全法》第三十八条"
ID_CARD = f"《中华人民共和国居民身份证法》第六条；{PIPL}"
HUKOU = f"《中华人民共和国户口登记条例》；{PIPL}"
ROAD = f"《中华人民共和国道路交通安全法》第八条、第十九条；{PIPL}"
EXIT_ENTRY = f"《中华人民共和国出境入境管理法》；{PIPL_SENSITIVE}"
RESIDENCE = f"《居住证暂行条例》；{PIPL}"
SOCIAL = f"《中华人民共和国社会保险法》第八十一条；{PIPL}"
RELIEF = f"《社会救助暂行办法》；《最低生活保障审核确认办法》；{PIPL}"
MARRIAGE = f"《婚姻登记条例》；{PIPL}"
ADOPTION = "《中华人民共和国民法典》第一千一百一十条"
MATERNAL = f"《中华人民共和国母婴保健法》；{PIPL}"
VACCINE = f"《中华人民共和国疫苗管理法》；{PIPL_SENSITIVE}"
HEALTH = f"《中华人民共和国基本医疗卫生与健康促进法》第九十二条；{PIPL_SENSITIVE}"
EPIDEMIC = "《中华人民共和国传染病防治法》第十二条；《中华人民共和国个人信息保护法》第二十八条"
MENTAL = "《中华人民共和国精神卫生法》第四条"
MINORS = f"《中华人民共和国未成年人保护法》第四条；{PIPL}"
TAX = "《中华人民共和国税收征收管理法》第八条"
STATS = "《中华人民共和国统计法》第九条"
REAL_ESTATE = "《不动产登记暂行条例》第二十七条、第二十八条"
MED_INSURANCE = f"《医疗保障基金使用监督管理条例》；{PIPL_SENSITIVE}"
CORRECTION = "《中华人民共和国社区矫正法》第四条；《中华人民共和国个人信息保护法》第二十八条"
DETENTION = "《中华人民共和国看守所条例》；《中华人民共和国个人信息保护法》第二十八条"
DISABILITY = f"《中华人民共和国残疾人保障法》；{PIPL_SENSITIVE}"
ORGANS = "《人体器官捐献和移植条例》；《中华人民共和国个人信息保护法》第二十八条"
GOV_INFO = "《中华人民共和国政府信息公开条例》第十五条"
LABOUR_DISPUTE = f"《中华人民共和国劳动争议调解仲裁法》；{GOV_INFO}"

# --- entries ----------------------------------------------------------------------------------------------
U, C, N = "无条件共享", "有条件共享", "暂不共享"
DB, XLS, DOC, API, IMG, SELF = "数据库", "电子表格", "电子文件", "服务接口", "图形图像", "自描述格式"


@dataclass
class Entry:
    dept: str
    name: str
    classification: str
    format: str
    method: str
    cycle: str
    share: str
    item_spec: str
    summary: str
    condition: str | None = None
    basis: str | None = None
    public: bool = False
    open_condition: str | None = None
    level: str = "一般"
    keywords: str | None = None
    related: tuple[str, ...] = ()  # names of entries registered earlier (of any department)
    # published | draft | confidentiality_review | center_review | returned | withdrawn
    state: str = "published"
    reason: str | None = None  # why it was returned or withdrawn
    revisions: list[dict[str, Any]] = field(default_factory=list)  # later versions: field overrides
    pending: dict[str, Any] | None = None  # a new version left in draft beside the published one

    def draft(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name, "classification_code": self.classification, "summary": self.summary,
            "format": self.format, "share_type": self.share, "share_condition": self.condition,
            "share_method": self.method, "legal_basis": self.basis, "open_to_public": self.public,
            "open_condition": self.open_condition, "update_cycle": self.cycle, "data_level": self.level,
            "keywords": self.keywords, "items": items(self.item_spec)}
        body.update(overrides)
        return body


ENTRIES: list[Entry] = []


def _e(dept: str, name: str, classification: str, fmt: str, method: str, cycle: str, share: str,
       item_spec: str, summary: str, **kw: Any) -> Entry:
    entry = Entry(dept, name, classification, fmt, method, cycle, share, item_spec, summary, **kw)
    ENTRIES.append(entry)
    return entry


# 云川市公安局
_e("ps-city", "常住人口基本信息", "101", DB, "接口", "实时", C,
   "id_number* name! gender! ethnicity birth_date! birthplace address household_no relation_to_head "
   "police_station",
   "本市户籍人口和登记常住人口的公民身份号码、姓名、性别、民族、出生日期、住址等基本信息，由公安人口管理信息系统实时产生。",
   condition="向承担社会保障、民政救助、卫生健康、教育等职责的部门提供身份核验和按需比对，不提供批量下载",
   basis=HUKOU, level="重要", keywords="人口,户籍,身份核验,人口基础库",
   revisions=[{"change_reason": "按人口基础库标准增加婚姻状况、服务处所信息项",
               "add": "marital_status service_place"}])
_e("ps-city", "户籍迁移登记信息", "101", DB, "接口", "每日", C,
   "accept_no* id_number! name! move_type! from_address to_address move_date! move_reason police_station",
   "户口迁入、迁出登记的受理编号、迁移类别、迁出地和迁入地、迁移日期等信息，每日从户政业务系统汇总。",
   condition="向人社、医保、教育、民政部门提供迁移核验，仅限办理本部门业务时查询", basis=HUKOU,
   level="重要", keywords="户籍,迁移,落户", related=("常住人口基本信息",))
_e("ps-city", "居民身份证办理信息", "105", DB, "接口", "每日", C,
   "accept_no* id_number! name! apply_reason! apply_date issuing_office "
   "valid_from valid_to cert_status photo~",
   "居民身份证首次申领、换领、补领的受理和签发信息，含证件有效期限和证件状态，证件照片不对外共享。",
   condition="向政务服务部门提供证件有效性核验，照片信息项不共享", basis=ID_CARD, level="重要",
   keywords="身份证,电子证照,证件核验")
_e("ps-city", "出生登记信息", "101", DB, "接口", "每日", C,
   "id_number* name! gender! birth_date! birthplace household_no police_station record_date!",
   "新生儿申报出生登记落户的信息，与出生医学证明信息比对后办理，可支撑“出生一件事”联办。",
   condition="向卫生健康、医保、人社部门提供，用于新生儿参保和“出生一件事”联办", basis=HUKOU,
   keywords="出生登记,落户,一件事")
_e("ps-city", "死亡人口户口注销信息", "101", DB, "接口", "每日", C,
   "id_number* name! death_date! hukou_cancel_reason record_date! police_station",
   "因死亡注销户口的人员信息，用于停发养老金、低保金等待遇和殡葬管理。",
   condition="向人社、民政、医保、卫生健康部门提供，用于待遇停发和殡葬服务", basis=HUKOU, level="重要",
   keywords="死亡,户口注销,待遇停发")
_e("ps-city", "机动车登记信息", "214", DB, "接口", "每日", C,
   "vin* plate_no! plate_type! brand_model vehicle_type use_nature owner_name owner_id first_reg_date "
   "inspect_valid_to fuel_type vehicle_status",
   "本市登记机动车的号牌、车辆识别代号、品牌型号、使用性质、所有人和检验有效期等信息。",
   condition="向交通运输、税务、生态环境部门提供，所有人身份证明号码仅用于核验", basis=ROAD,
   keywords="机动车,车辆登记,号牌")
_e("ps-city", "机动车驾驶人信息", "105", DB, "接口", "每日", C,
   "id_number* name! dl_file_no permitted_class! first_license_date valid_to score dl_status",
   "本市核发的机动车驾驶证的准驾车型、初次领证日期、有效期限和记分状态等信息。",
   condition="向交通运输部门提供，用于道路运输从业资格和网约车驾驶员审核", basis=ROAD,
   keywords="驾驶证,驾驶人,电子证照")
_e("ps-city", "道路交通违法处理信息", "214", DB, "库表", "每日", C,
   "decision_no* plate_no! violation_time! violation_place violation_code! penalty_points fine handled",
   "交通技术监控和现场执法记录的道路交通违法行为及处理情况。",
   condition="向交通运输部门提供营运车辆的违法记录，用于运输企业安全管理考核", basis=ROAD,
   keywords="交通违法,电子警察,营运车辆")
_e("ps-city", "出入境证件办理信息", "105", DB, "接口", "每日", C,
   "accept_no* id_number! name! travel_doc_type! travel_doc_no apply_date valid_to cert_status",
   "普通护照、往来港澳通行证、往来台湾通行证等出入境证件的申请和签发信息。",
   condition="仅向组织人事、纪检监察部门提供登记备案人员的证件核验", basis=EXIT_ENTRY, level="重要",
   keywords="护照,通行证,出入境")
_e("ps-city", "出入境记录信息", "101", DB, "库表", "实时", N,
   "travel_doc_no* id_number! name crossing_dir! crossing_port crossing_time! destination",
   "本市居民出入境的口岸、时间和前往国家（地区）等记录。",
   basis=EXIT_ENTRY, level="核心", keywords="出入境记录,行踪")
_e("ps-city", "居住证办理信息", "105", DB, "接口", "每日", C,
   "permit_no* id_number! name! residence_address! employer arrival_date apply_date valid_to cert_status",
   "流动人口申领居住证的居住地址、就业单位和证件有效期信息，用于积分入学、公共服务享受资格核验。",
   condition="向教育、人社、卫生健康部门提供资格核验，不提供批量下载", basis=RESIDENCE,
   keywords="居住证,流动人口,积分入学", state="confidentiality_review")
_e("ps-city", "无犯罪记录证明开具信息", "105", DB, "接口", "每日", C,
   "cert_no* id_number! name! cert_purpose cert_date! issuing_office",
   "公安机关开具的无犯罪记录证明的编号、用途和开具日期，供用人单位和办事部门核验。",
   condition="向需核验证明的审批部门提供编号核验，不返回证明以外的信息", basis=PIPL,
   keywords="无犯罪记录证明,证明核验")
_e("ps-city", "保安服务公司许可信息", "105", XLS, "文件", "每月", U,
   "licence_no* entity_name! credit_code! reg_address issue_date issuing_authority",
   "公安机关核发的保安服务许可证信息，含保安服务公司名称、统一社会信用代码、住所和发证日期，按月更新并向社会公开。", public=True, keywords="保安服务,行政许可")
_e("ps-city", "看守所在押人员信息", "212", DB, "库表", "实时", N,
   "detainee_no* id_number! name! custody_place custody_date case_type",
   "看守所在押人员的身份、羁押场所、入所日期和案件类别信息，由监所管理信息系统实时产生。涉及刑事诉讼和敏感个人信息，暂不共享。",
   basis=DETENTION, level="核心", keywords="在押人员,看守所")
_e("ps-city", "户政服务窗口信息", "201", XLS, "文件", "每季度", U,
   "org_name* office_address! office_phone office_hours service_items longitude latitude",
   "全市派出所户政窗口的地址、咨询电话、办公时间和可办理业务，便于群众就近办理户籍业务。",
   public=True, keywords="户政窗口,派出所,办事指南")
_e("ps-city", "道路交通事故统计信息", "214", XLS, "文件", "每月", U,
   "stat_period* area_name* accident_count death_count injury_count property_loss",
   "按月、分区县汇总的道路交通事故起数、死伤人数和直接财产损失。",
   public=True, keywords="交通事故,统计,道路安全")
_e("ps-city", "犬只登记信息", "210", DB, "库表", "每日", C,
   "dog_reg_no* name! mobile address dog_breed immunization_no record_date valid_to",
   "城区养犬登记的犬只信息和犬主联系方式，用于文明养犬管理和狂犬病防控。",
   condition="向卫生健康、城市管理部门提供，犬主联系方式仅用于防疫和执法", basis=PIPL,
   keywords="养犬登记,犬只,狂犬病", state="draft")
# 云川市市场监督管理局
_e("amr-city", "市场主体登记信息", "102", DB, "接口", "每日", U,
   "credit_code* entity_name! entity_type! legal_rep reg_capital est_date! business_term_to reg_address "
   "business_scope reg_authority entity_status!",
   "本市企业、农民专业合作社和个体工商户的登记信息，含统一社会信用代码、名称、类型、法定代表人、注册资本和登记状态。",
   level="重要", keywords="市场主体,企业登记,法人基础库",
   revisions=[{"update_cycle": "实时", "change_reason": "登记系统改造完成，登记信息改为实时推送"}])
_e("amr-city", "市场主体变更登记信息", "102", DB, "接口", "每日", U,
   "credit_code* change_date* change_item! change_before change_after reg_authority",
   "市场主体名称、住所、法定代表人、注册资本等事项的变更登记记录。",
   keywords="变更登记,市场主体", related=("市场主体登记信息",))
_e("amr-city", "市场主体注销登记信息", "102", DB, "接口", "每日", U,
   "credit_code* entity_name! cancel_date! cancel_reason reg_authority",
   "市场主体简易注销和一般注销登记信息，供税务、人社、医保部门同步办理注销业务。",
   keywords="注销登记,市场主体退出")
_e("amr-city", "食品经营许可信息", "105", DB, "接口", "每日", U,
   "licence_no* licensee! credit_code! business_place main_format business_items issue_date! valid_to "
   "issuing_authority",
   "食品经营许可证的许可证编号、经营者名称、经营场所、主体业态、经营项目和有效期。",
   public=True, open_condition="按《市场监督管理行政许可信息公示》要求公示，不含个人信息",
   keywords="食品经营许可,电子证照,食品安全", related=("市场主体登记信息",))
_e("amr-city", "食品生产许可信息", "105", DB, "接口", "每日", U,
   "licence_no* licensee! credit_code! production_address food_category "
   "issue_date! valid_to issuing_authority",
   "食品生产许可证的生产者名称、生产地址、食品类别和有效期信息。", public=True,
   keywords="食品生产许可,电子证照")
_e("amr-city", "市场监管行政处罚信息", "104", DB, "接口", "每日", U,
   "decision_no* party_name! credit_code violation_fact penalty_basis penalty_type penalty_content "
   "penalty_amount decision_date! decision_authority",
   "市场监管部门作出的行政处罚决定信息，依法在作出决定之日起二十个工作日内公示。", public=True,
   keywords="行政处罚,信用监管,双公示", related=("市场主体登记信息",))
_e("amr-city", "企业年度报告信息", "102", DB, "库表", "每年", U,
   "credit_code* report_year* entity_name! employees total_assets revenue tax_total",
   "企业按年度报送的从业人数、资产状况和经营情况等年报信息。", keywords="企业年报,信用信息公示",
   pending={"change_reason": "按新版年报表式增加社保缴纳信息项", "add": "insured_count", "summary":
            "企业按年度报送的从业人数、资产状况、经营情况和社会保险缴纳情况等年报信息。"})
_e("amr-city", "经营异常名录信息", "104", DB, "接口", "每日", U,
   "credit_code* list_date* entity_name! list_reason! list_authority remove_date",
   "因未按期报送年报、通过登记住所无法联系等原因被列入和移出经营异常名录的市场主体，含列入原因、作出决定机关和移出日期。", public=True, keywords="经营异常,信用监管")
_e("amr-city", "严重违法失信名单信息", "104", DB, "接口", "每日", U,
   "credit_code* list_date* entity_name! list_reason! list_authority remove_date",
   "被列入市场监督管理严重违法失信名单的市场主体，供各部门实施联合惩戒。", public=True,
   level="重要", keywords="严重违法失信,联合惩戒")
_e("amr-city", "特种设备使用登记信息", "205", DB, "库表", "每周", U,
   "equipment_code* equipment_type! use_unit! credit_code install_place record_date next_inspect_date",
   "电梯、锅炉、压力容器、起重机械等特种设备的使用登记和定期检验信息。",
   keywords="特种设备,电梯,安全生产")
_e("amr-city", "食品安全监督抽检信息", "204", XLS, "文件", "每月", U,
   "sample_no* sample_name! producer_name sampled_entity sample_date! check_result! unqualified_items",
   "食品安全监督抽检的样品、被抽样单位、检验结论和不合格项目。", public=True,
   keywords="食品抽检,食品安全")
_e("amr-city", "消费投诉举报信息", "215", DB, "库表", "每日", C,
   "complaint_no* complainant_name complainant_phone respondent! "
   "complaint_content received_at! handle_result",
   "12315平台受理的本市消费投诉和举报，含被投诉对象、投诉内容和处理结果。",
   condition="向商务、文化旅游、交通运输部门提供被投诉对象和处理结果，投诉人信息仅用于转办回访",
   basis=PIPL, keywords="12315,消费投诉,举报")
_e("amr-city", "重要商品和服务价格监测信息", "206", XLS, "文件", "每周", U,
   "market_name* commodity* monitor_date* spec price! unit",
   "粮油、肉禽蛋、蔬菜等重要民生商品和服务的价格监测数据。", public=True,
   keywords="价格监测,民生商品")
_e("amr-city", "强制检定计量器具信息", "215", XLS, "文件", "每季度", U,
   "instrument_no* instrument_name! use_unit! verify_date verify_result",
   "加油机、电子计价秤、医用计量器具等强制检定计量器具的检定结果。", keywords="计量,强制检定")
_e("amr-city", "药品零售企业许可信息", "204", DB, "接口", "每周", U,
   "licence_no* entity_name! credit_code! business_place business_scope "
   "issue_date valid_to issuing_authority",
   "药品零售企业（药店）的药品经营许可证信息，含经营场所、经营范围和有效期，供医保定点管理和群众查询。", public=True, keywords="药品零售,药店,许可")
# 城区市场监管所
_e("amr-cq-city", "城区个体工商户登记信息", "102", DB, "库表", "每日", C,
   "credit_code* shop_name! operator_name! operator_id business_place "
   "business_scope record_date entity_status",
   "城区个体工商户的名称、经营者、经营场所和经营范围。",
   condition="向税务、人社部门提供，经营者身份证件号码仅用于身份核验", basis=PIPL,
   keywords="个体工商户,城区")
_e("amr-cq-city", "城区食品经营日常监督检查信息", "204", XLS, "文件", "每月", U,
   "licence_no* inspect_date* licensee! business_place inspect_result! problems",
   "城区市场监管所对食品经营者开展日常监督检查的结果。", public=True,
   keywords="日常检查,食品经营")

# 云川市人力资源和社会保障局
_e("hrss-city", "就业登记信息", "203", DB, "接口", "每日", C,
   "id_number* employment_date* name! employer employment_type! credit_code",
   "劳动者在公共就业服务机构办理就业登记的就业单位、就业形式和就业日期，是就业补贴发放和就业状态核验的依据。",
   condition="向民政、医保、税务部门提供就业状态核验", basis=PIPL, keywords="就业登记,就业")
_e("hrss-city", "失业登记信息", "203", DB, "接口", "每日", C,
   "id_number* unemployed_date* name! unemployed_reason job_intention mobile",
   "城镇失业人员办理失业登记的失业原因、求职意向和联系电话，用于提供公共就业服务和失业保险待遇审核。",
   condition="向民政部门提供，用于低保对象就业状态核查", basis=PIPL, keywords="失业登记,就业服务")
_e("hrss-city", "职业技能等级证书信息", "105", DB, "接口", "每日", U,
   "cert_number* name! occupation_name! cert_level! cert_issue_org issue_date",
   "经备案的评价机构颁发的职业技能等级证书信息，供用人单位和补贴审核查验。",
   keywords="职业技能,技能证书,电子证照")
_e("hrss-city", "专业技术职务任职资格信息", "105", DB, "接口", "每月", U,
   "cert_number* name! title_name! title_level approve_date employer",
   "经职称评审委员会评审或考试取得的专业技术职务任职资格信息，含资格级别和批准日期，供用人单位聘任和人才政策核验。", keywords="职称,专业技术人员")
_e("hrss-city", "人力资源服务许可信息", "105", XLS, "文件", "每月", U,
   "licence_no* org_name! credit_code! office_address permit_scope issue_date",
   "经营性人力资源服务机构的人力资源服务许可证信息，含许可业务范围和发证日期，依法向社会公布。", public=True, keywords="人力资源服务,行政许可")
_e("hrss-city", "劳动人事争议仲裁案件信息", "203", DB, "库表", "每日", N,
   "case_no* case_reason! name employer claim_amount case_status",
   "劳动人事争议仲裁案件的案由、当事人、请求金额和办理状态。",
   basis=LABOUR_DISPUTE, keywords="劳动仲裁,劳动争议")
_e("hrss-city", "社会保障卡发放信息", "105", DB, "接口", "每日", C,
   "card_no* id_number! name! card_bank card_status! issue_date",
   "社会保障卡的卡号、服务银行和卡状态，支撑“一卡通”惠民惠农补贴发放。",
   condition="向财政、民政、农业农村部门提供卡状态核验", basis=SOCIAL, keywords="社保卡,一卡通")
_e("hrss-city", "技工院校基本信息", "213", XLS, "文件", "每年", U,
   "school_code* school_name! school_nature office_address student_count teacher_count",
   "全市技工院校的办学性质、地址和在校生规模。", public=True, keywords="技工院校,职业教育")
_e("hrss-city", "人力资源市场供求信息", "203", XLS, "文件", "每季度", U,
   "stat_period* occupation_name* indicator_name! indicator_value",
   "公共就业服务机构采集的分职业岗位需求和求职人数。", keywords="人力资源市场,供求", state="draft")

# 云川市社会保险事业管理中心
_e("si-city", "社会保险参保登记信息", "203", DB, "接口", "每日", C,
   "insured_no* insurance_type* name! employer_name employer_code insured_date! insured_status!",
   "企业职工和机关事业单位工作人员养老、工伤、失业保险的参保登记信息，含参保单位、参保日期和当前参保状态。",
   condition="向医保、民政、住建部门提供参保状态核验，不提供缴费明细", basis=SOCIAL, level="重要",
   keywords="社保参保,养老保险,参保状态")
_e("si-city", "养老保险待遇发放信息", "203", DB, "库表", "每月", C,
   "insured_no* benefit_month* name! pension_type retire_date benefit_amount! bank_name bank_account~",
   "企业和机关事业单位退休人员的养老金月度发放信息，银行账号不对外共享。",
   condition="向民政部门提供待遇领取状态和金额，用于低保家庭收入核算", basis=SOCIAL, level="重要",
   keywords="养老金,待遇发放")
_e("si-city", "社会保险缴费基数信息", "203", DB, "库表", "每月", C,
   "insured_no* pay_period* name! employer_name contribution_base!",
   "参保人员按费款所属期核定的社会保险缴费基数，由社会保险经办系统按月生成。",
   condition="向住房公积金、税务部门提供，用于缴存基数核验", basis=SOCIAL, keywords="缴费基数")
_e("si-city", "工伤认定信息", "203", DB, "库表", "每日", C,
   "case_no* insured_no! name! employer_name injury_date injury_part injury_finding! approve_date",
   "职工工伤认定申请的受伤害时间、受伤害部位和认定结论，是工伤保险待遇支付的依据。",
   condition="向医保部门提供工伤医疗费用结算核验，伤害部位信息项仅限医疗结算使用", basis=SOCIAL,
   keywords="工伤认定,工伤保险")
_e("si-city", "城乡居民基本养老保险参保信息", "203", DB, "接口", "每日", C,
   "insured_no* name! address insured_date! insured_status! pension_type",
   "城乡居民基本养老保险的参保、缴费档次和待遇领取状态。",
   condition="向民政、乡村振兴部门提供，用于困难群体代缴核查", basis=SOCIAL,
   keywords="城乡居民养老保险,居保")
# 云川市民政局
_e("mca-city", "最低生活保障对象信息", "203", DB, "接口", "每月", C,
   "id_number* name! gender address mobile aid_type! family_size aid_amount! approve_date aid_status! "
   "income_monthly",
   "城乡最低生活保障对象的家庭人口、保障金额和保障状态，按月更新。",
   condition="向人社、医保、教育、住建部门提供救助对象身份核验，用于医疗救助、教育资助和住房保障",
   basis=RELIEF, level="重要", keywords="低保,社会救助,困难群众",
   revisions=[{"change_reason": "按最小必要原则，住址和联系电话不再对外共享",
               "withhold": ("address", "mobile")},
              {"change_reason": "更新频率由每月改为每日，及时反映保障状态变化", "update_cycle": "每日"}])
_e("mca-city", "特困人员供养信息", "203", DB, "接口", "每月", C,
   "id_number* name! gender support_mode! care_level approve_date aid_status!",
   "城乡特困人员的供养方式、生活自理能力和救助供养状态。",
   condition="向医保、卫生健康部门提供身份核验", basis=RELIEF, keywords="特困供养,社会救助")
_e("mca-city", "临时救助对象信息", "203", DB, "库表", "每月", C,
   "id_number* approve_date* name! address mobile aid_type subsidy_amount!",
   "因火灾、交通事故、突发重大疾病等急难情况获得临时救助的对象、救助类别和救助金额。",
   condition="向医保、教育部门提供，用于防止重复救助", basis=RELIEF, keywords="临时救助",
   state="returned", reason="共享条件须写明可共享的部门范围和用途，住址、联系电话请评估是否确需共享")
_e("mca-city", "婚姻登记信息", "101", DB, "接口", "每日", C,
   "marriage_cert_no* marriage_type! husband_name husband_id wife_name wife_id record_date! reg_authority",
   "结婚登记、离婚登记和补领婚姻登记证的信息，可支撑婚姻状况证明免提交。",
   condition="向公安、不动产登记、住建部门提供婚姻状况核验", basis=MARRIAGE, level="重要",
   keywords="婚姻登记,结婚证,婚姻状况")
_e("mca-city", "社会组织登记信息", "102", DB, "接口", "每日", U,
   "credit_code* org_name! social_org_type! legal_rep registered_fund supervisor_unit reg_address "
   "record_date entity_status",
   "社会团体、民办非企业单位（社会服务机构）和基金会的登记信息。",
   keywords="社会组织,社会团体,法人基础库")
_e("mca-city", "社会组织名录", "102", XLS, "文件", "每月", U,
   "credit_code* org_name! social_org_type! registered_fund supervisor_unit reg_address entity_status",
   "全市依法登记的社会组织名录，供社会查询。", public=True, keywords="社会组织,名录",
   related=("社会组织登记信息",))
_e("mca-city", "养老机构信息", "201", XLS, "文件", "每季度", U,
   "credit_code* org_name! care_org_type bed_count rating office_address office_phone",
   "全市养老机构的床位数、等级评定和联系方式。", public=True, keywords="养老机构,养老服务")
_e("mca-city", "殡葬服务信息", "201", DB, "库表", "每日", C,
   "cremation_cert_no* deceased_name! deceased_id! death_date cremation_date! funeral_home",
   "殡仪馆火化和殡葬服务记录，用于惠民殡葬补贴发放和死亡人员待遇核查。",
   condition="向人社、医保、公安部门提供死亡核验", basis=PIPL, keywords="殡葬,火化,惠民殡葬")
_e("mca-city", "收养登记信息", "101", DB, "库表", "每日", N,
   "adoption_cert_no* adopter_name adopter_id adoptee_name adoptee_birth_date record_date!",
   "民政部门依法办理的收养登记信息，含收养人、被收养人和收养登记证字号。依法保守收养秘密，暂不共享。", basis=ADOPTION, level="重要", keywords="收养登记")
_e("mca-city", "行政区划和标准地名信息", "103", DB, "接口", "不定期", U,
   "place_name* place_type! region_code! place_meaning longitude latitude",
   "全市行政区划和经标准化处理的地名，含地名类别、含义和经纬度坐标，是地名地址匹配的基础数据。", public=True, keywords="地名,行政区划,地理信息")
_e("mca-city", "城乡社区（村）居民委员会信息", "210", XLS, "文件", "每年", U,
   "community_code* committee_name! region_code office_address office_phone household_count population",
   "全市城乡社区居民委员会和村民委员会的基本情况。", public=True, keywords="社区,居委会,村委会")

# 云川市卫生健康委员会
_e("hc-city", "出生医学证明信息", "105", DB, "接口", "每日", C,
   "birth_cert_no* baby_name! gender! birth_time! birth_weight gestational_weeks birth_hospital mother_name "
   "mother_id father_name father_id",
   "助产机构签发的出生医学证明信息，支撑新生儿落户、参保“出生一件事”联办。",
   condition="向公安、医保、人社部门提供，用于出生登记和新生儿参保，体重和孕周信息项仅限卫生健康部门使用",
   basis=MATERNAL, level="重要", keywords="出生医学证明,出生一件事,电子证照")
_e("hc-city", "医疗机构执业许可信息", "105", DB, "接口", "每周", U,
   "inst_reg_no* org_name! credit_code inst_class! inst_level owner_type office_address clinical_subjects "
   "bed_count valid_to",
   "医疗机构执业许可证的登记号、类别、等级、诊疗科目和床位数。", public=True,
   keywords="医疗机构,执业许可,电子证照",
   revisions=[{"change_reason": "补充医疗机构经纬度，便于就医地图展示", "add": "longitude latitude"}])
_e("hc-city", "医师执业注册信息", "105", DB, "接口", "每周", U,
   "practice_cert_no* name! gender practice_category! practice_scope practice_place!",
   "医师执业注册的执业类别、执业范围和主要执业机构。", keywords="医师,执业注册")
_e("hc-city", "护士执业注册信息", "105", DB, "接口", "每周", U,
   "practice_cert_no* name! gender practice_place! valid_to",
   "本市护士执业注册信息，含执业证书编码、执业机构和注册有效期，供医疗机构核验护士执业资格。", keywords="护士,执业注册")
_e("hc-city", "预防接种信息", "202", DB, "接口", "每日", C,
   "recipient_id* vaccine_name* dose_no* recipient_name! vaccinate_date! vaccine_batch vaccinate_site "
   "guardian_name guardian_phone",
   "儿童和成人预防接种的疫苗、剂次、接种日期和接种单位，支撑入托入学预防接种证查验。",
   condition="向教育部门提供入托入学接种证查验结果，只返回是否完成规定接种", basis=VACCINE,
   level="重要", keywords="预防接种,疫苗,入学查验")
_e("hc-city", "居民电子健康档案", "202", DB, "接口", "实时", N,
   "health_record_no* id_number! name! blood_type allergy chronic_disease sign_team",
   "基层医疗卫生机构为辖区居民建立的电子健康档案摘要，含血型、过敏史、慢性病患病情况和签约团队。属敏感个人健康信息，暂不共享。", basis=HEALTH, level="核心",
   keywords="健康档案,基本公共卫生")
_e("hc-city", "居民死亡医学证明信息", "101", DB, "接口", "每日", C,
   "death_cert_no* deceased_name! deceased_id! death_date! death_place death_cause report_org",
   "医疗卫生机构签发的居民死亡医学证明（推断）书信息，支撑身后“一件事”联办。",
   condition="向公安、民政、人社、医保部门提供死亡核验，根本死因信息项仅向统计用途提供", basis=HEALTH,
   keywords="死亡医学证明,身后一件事")
_e("hc-city", "法定传染病报告信息", "202", DB, "库表", "实时", N,
   "case_no* disease_name! name! gender onset_date! report_date! report_org",
   "医疗机构通过传染病网络直报系统报告的法定传染病病例信息，含病名、发病日期和报告单位。", basis=EPIDEMIC, level="核心", keywords="传染病,疫情报告")
_e("hc-city", "公共场所卫生许可信息", "105", XLS, "文件", "每月", U,
   "licence_no* org_name! credit_code place_category business_place issue_date valid_to",
   "住宿、沐浴、美容美发等公共场所的卫生许可信息。", public=True, keywords="公共场所,卫生许可")
_e("hc-city", "家庭医生签约服务信息", "202", DB, "库表", "每月", C,
   "id_number* sign_date* name! sign_team! sign_package mobile",
   "辖区居民与家庭医生团队签约的服务包、签约日期和联系电话，用于签约服务履约管理和费用结算。",
   condition="向医保部门提供签约状态，用于家庭医生签约服务费结算", basis=HEALTH,
   keywords="家庭医生,签约服务", state="confidentiality_review")
_e("hc-city", "严重精神障碍患者管理信息", "202", DB, "库表", "每月", N,
   "id_number* name! diagnosis! risk_level guardian_name guardian_phone",
   "在册严重精神障碍患者的诊断、危险性评估和监护人信息。", basis=MENTAL, level="核心",
   keywords="精神卫生,患者管理")

# 云川市教育局
_e("edu-city", "中小学学籍信息", "213", DB, "接口", "每日", C,
   "student_no* name! gender birth_date school_name! grade class_name enroll_date student_status! "
   "guardian_name guardian_phone",
   "全市中小学在校生的学籍号、就读学校、年级和学籍状态。",
   condition="向民政、医保、卫生健康部门提供在学状态核验，不提供学生联系信息", basis=MINORS, level="重要",
   keywords="学籍,中小学,在校生")
_e("edu-city", "学校基本信息", "213", XLS, "文件", "每年", U,
   "school_code* school_name! school_type! school_nature office_address office_phone student_count "
   "teacher_count",
   "全市幼儿园、中小学和中等职业学校的办学类型、地址和办学规模。", public=True,
   keywords="学校,办学信息")
_e("edu-city", "教师资格证书信息", "105", DB, "接口", "每月", U,
   "teacher_cert_no* name! gender teacher_cert_type! teach_subject issue_date",
   "本市认定的教师资格证书信息，供学校招聘和资格查验。", keywords="教师资格,电子证照")
_e("edu-city", "民办学校办学许可信息", "105", XLS, "文件", "每季度", U,
   "licence_no* school_name! credit_code school_type reg_address issue_date valid_to",
   "教育部门审批的民办学校办学许可证信息，含学校名称、办学类型、地址和许可有效期，依法向社会公开。", public=True, keywords="民办学校,办学许可")
_e("edu-city", "学生资助信息", "203", DB, "库表", "每半年", C,
   "student_no* aid_project* name! school_name subsidy_amount!",
   "家庭经济困难学生享受国家助学金、免学费等资助的信息。",
   condition="向民政部门提供资助发放结果，用于救助对象综合帮扶", basis=MINORS, keywords="学生资助,助学金")
_e("edu-city", "中考成绩信息", "213", DB, "库表", "每年", N,
   "exam_no* student_no! name! total_score! school_name",
   "初中学业水平考试（中考）考生成绩，由中考阅卷系统在每年成绩发布后生成。涉及未成年人个人信息，暂不共享。", basis=MINORS, keywords="中考,成绩")
_e("edu-city", "校外培训机构信息", "213", XLS, "文件", "每季度", U,
   "licence_no* org_name! credit_code office_address business_scope issue_date",
   "经审批的学科类和非学科类校外培训机构信息。", public=True, keywords="校外培训,培训机构")
_e("edu-city", "中小学生体质健康监测信息", "213", DB, "库表", "每年", C,
   "student_no* eval_year* name! school_name bmi fitness_score!",
   "中小学生年度《国家学生体质健康标准》测试的体重指数和综合成绩，由学校每年填报。",
   condition="向卫生健康部门提供，用于学生近视和肥胖防控", basis=MINORS, keywords="体质健康,学生体测",
   state="draft")

# 云川市自然资源和规划局 / 不动产登记中心
_e("nr-city", "国土空间总体规划", "103", DOC, "文件", "不定期", U,
   "plan_name* plan_level! approve_org approve_no plan_period doc_file",
   "云川市国土空间总体规划（2021—2035年）文本、图集和说明，经批准后依法公开。", public=True,
   keywords="国土空间规划,总体规划")
_e("nr-city", "控制性详细规划", "103", IMG, "文件", "不定期", U,
   "plan_name* approve_no! approve_org publish_date doc_file",
   "中心城区各规划管理单元经批准的控制性详细规划图则，以图形图像格式提供，依法向社会公开。", public=True, keywords="控规,详细规划")
_e("nr-city", "国土变更调查成果", "103", DB, "库表", "每年", C,
   "patch_code* land_use! land_area! land_owner_type land_location geometry",
   "年度国土变更调查形成的地类图斑数据，含土地用途、面积、权属性质和空间坐标。",
   condition="向发展改革、农业农村、生态环境部门提供，空间坐标仅用于规划和监管业务",
   basis="《中华人民共和国土地管理法》；《中华人民共和国测绘法》", keywords="国土调查,地类图斑")
_e("nr-city", "建设用地规划许可信息", "105", XLS, "文件", "每月", U,
   "licence_no* project_name! builder! land_location land_area land_use issue_date",
   "建设用地规划许可证的核发信息，含项目名称、建设单位、用地位置、面积和用途，依法向社会公开。", public=True, keywords="用地规划许可")
_e("nr-city", "建设工程规划许可信息", "105", XLS, "文件", "每月", U,
   "licence_no* project_name! builder! land_location build_scale issue_date",
   "建设工程规划许可证的核发信息，含项目名称、建设单位、建设位置和建设规模，依法向社会公开。", public=True, keywords="工程规划许可")
_e("nr-city", "国有建设用地使用权出让信息", "103", XLS, "文件", "每月", U,
   "land_parcel_no* land_location! land_use land_area transfer_method transfer_price contract_date",
   "国有建设用地使用权招标、拍卖、挂牌和协议出让结果，含宗地坐落、用途、面积和成交价款。", public=True, keywords="土地出让,供地")
_e("nr-city", "地质灾害隐患点信息", "212", DB, "库表", "每季度", U,
   "hazard_no* hazard_type! land_location longitude latitude threat_people threat_property monitor_person "
   "monitor_phone",
   "全市地质灾害隐患点的位置、威胁对象和群测群防责任人。", keywords="地质灾害,隐患点,应急",
   state="center_review")
_e("rer-city", "不动产登记信息", "103", DB, "接口", "实时", C,
   "unit_no* re_cert_no! right_holder! right_holder_id! right_type right_nature land_location building_area "
   "record_date!",
   "不动产登记簿记载的权利人、权利类型、权利性质、坐落和建筑面积等信息，由不动产登记信息管理平台实时产生。",
   condition="依法向有关国家机关提供查询，用于住房保障资格、社会救助家庭经济状况核对，不得用于其他目的",
   basis=REAL_ESTATE, level="重要", keywords="不动产登记,房产,家庭经济状况核对")
_e("rer-city", "不动产抵押登记信息", "103", DB, "接口", "每日", C,
   "unit_no* record_date* mortgagee! mortgage_amount mortgage_term right_holder",
   "不动产抵押权设立、变更和注销登记信息，含抵押权人、被担保主债权数额和债务履行期限。",
   condition="向金融监管、法院等有关国家机关依法提供", basis=REAL_ESTATE, keywords="抵押登记")
_e("rer-city", "不动产查封登记信息", "103", DB, "接口", "每日", C,
   "unit_no* seal_doc_no* seal_org! seal_from! seal_to right_holder",
   "人民法院、纪检监察等有权机关嘱托办理的不动产查封、解封登记信息，含查封文号和查封期限。",
   condition="向有关国家机关依法提供", basis=REAL_ESTATE, keywords="查封登记")
_e("rer-city", "不动产权证书电子证照", "105", API, "接口", "实时", C,
   "re_cert_no* unit_no! right_holder! right_type issue_date",
   "不动产权证书电子证照的查验接口，按证书号返回权利人、不动产单元号和权利类型，经持证人授权后调用。",
   condition="向政务服务部门提供持证人授权的电子证照查验", basis=REAL_ESTATE, keywords="不动产权证书,电子证照")

# 云川市住房和城乡建设局
_e("hud-city", "商品房预售许可信息", "209", XLS, "文件", "每周", U,
   "presale_no* project_name! developer! project_location presale_area presale_units issue_date",
   "商品房预售许可证的项目、开发企业、预售面积和套数。", public=True, keywords="预售许可,商品房")
_e("hud-city", "建筑工程施工许可信息", "105", DB, "接口", "每日", U,
   "licence_no* project_name! builder! construction_unit supervision_unit contract_price start_date end_date",
   "建筑工程施工许可证的核发信息，含项目名称、建设单位、施工单位、监理单位、合同价格和计划工期，依法公开。", public=True, keywords="施工许可,建筑工程")
_e("hud-city", "建筑业企业资质信息", "105", DB, "接口", "每周", U,
   "qualification_no* entity_name! credit_code! qualification_type qualification_level valid_to",
   "本市建筑业企业的资质证书信息，含资质类别、资质等级和有效期，供招标投标和施工许可审查核验。", public=True, keywords="建筑业资质")
_e("hud-city", "房地产开发企业资质信息", "102", XLS, "文件", "每月", U,
   "qualification_no* entity_name! credit_code! qualification_level valid_to",
   "房地产开发企业的资质证书编号、资质等级和有效期，依法向社会公开。", public=True, keywords="房地产开发,资质")
_e("hud-city", "商品房买卖合同网签备案信息", "209", DB, "接口", "实时", C,
   "contract_no* project_name! house_location buyer_name buyer_id building_area total_price filing_date!",
   "新建商品房买卖合同网签备案信息，含项目、房屋坐落、买受人、建筑面积和合同总价，由房屋交易管理系统实时产生。",
   condition="向税务、不动产登记、公积金部门提供，用于契税征收和转移登记", basis=PIPL, level="重要",
   keywords="网签备案,商品房交易")
_e("hud-city", "公共租赁住房保障对象信息", "203", DB, "库表", "每月", C,
   "id_number* name! family_size housing_mode! rent_subsidy approve_date",
   "公共租赁住房实物配租和租赁补贴保障对象的家庭人口、保障方式和补贴金额。",
   condition="向民政部门提供保障状态", basis=PIPL, keywords="公租房,住房保障")
_e("hud-city", "物业服务企业信息", "210", XLS, "文件", "每季度", U,
   "credit_code* org_name! project_name office_phone",
   "在本市从事物业服务的企业及其服务项目。", public=True, keywords="物业服务")
_e("hud-city", "城镇老旧小区改造项目信息", "209", XLS, "文件", "每季度", U,
   "project_name* land_location! household_count contract_price start_date end_date",
   "纳入年度计划的城镇老旧小区改造项目，含小区坐落、户数、投资和计划工期。", keywords="老旧小区改造", state="draft")

# 国家税务总局云川市税务局
_e("tax-city", "纳税信用等级信息", "104", DB, "接口", "每年", U,
   "taxpayer_id* eval_year* taxpayer_name! credit_level! tax_authority",
   "企业纳税人年度纳税信用评价结果（A、B、M、C、D级），每年4月评价发布，用于守信激励和失信约束。", level="重要", keywords="纳税信用,信用评价",
   revisions=[{"change_reason": "增加统一社会信用代码，便于与法人库关联", "add": "credit_code"}])
_e("tax-city", "纳税信用A级纳税人名单", "104", XLS, "文件", "每年", U,
   "taxpayer_id* eval_year* taxpayer_name! tax_authority",
   "年度纳税信用A级纳税人名单，依法向社会公布。", public=True, keywords="A级纳税人,信用",
   related=("纳税信用等级信息",))
_e("tax-city", "税务登记信息", "102", DB, "接口", "每日", U,
   "taxpayer_id* taxpayer_name! credit_code reg_type industry tax_reg_date! tax_authority tax_status!",
   "纳税人税务登记的登记注册类型、行业和纳税人状态。", keywords="税务登记,纳税人",
   related=("市场主体登记信息",))
_e("tax-city", "欠税公告信息", "104", XLS, "文件", "每季度", U,
   "taxpayer_id* announce_date* taxpayer_name! arrears_type arrears_amount!",
   "税务机关依法定期公告的欠缴税款纳税人、欠缴税种和欠税金额。", public=True, keywords="欠税公告")
_e("tax-city", "重大税收违法失信主体信息", "104", DB, "接口", "每月", U,
   "taxpayer_id* announce_date* taxpayer_name! case_nature violation_fact penalty_content",
   "经税务机关确定并公布的重大税收违法失信主体信息，含案件性质、主要违法事实和处理处罚情况，供联合惩戒使用。", public=True, keywords="税收违法,失信主体")
_e("tax-city", "个人所得税纳税记录", "104", DB, "接口", "每月", C,
   "id_number* stat_period* name! income_amount tax_paid",
   "个人所得税纳税记录，经本人授权后用于人才落户、住房保障等资格核验。",
   condition="经纳税人本人授权，向住建、人社部门提供资格核验结果", basis=TAX, level="重要",
   keywords="个税,纳税记录")
_e("tax-city", "企业纳税申报信息", "102", DB, "库表", "每月", N,
   "taxpayer_id* stat_period* tax_type* taxpayer_name! revenue tax_total",
   "企业纳税人按税种的月度纳税申报和税款入库信息，属依法保密的纳税人涉税信息，暂不共享。", basis=TAX, keywords="纳税申报")

# 云川市财政局
_e("fin-city", "部门预决算公开信息", "201", DOC, "文件", "每年", U,
   "doc_no* budget_year! dept_name! doc_title publish_date attachment",
   "市级各部门经批准的部门预算、部门决算公开文本及表格，按《预算法》要求在批复后二十日内公开。", public=True, keywords="预算公开,决算公开")
_e("fin-city", "政府采购项目信息", "201", DB, "接口", "每日", U,
   "procure_no* project_name! purchaser! procure_method budget_amount winner win_amount publish_date",
   "市级政府采购项目的采购人、采购方式、预算金额和成交结果，由政府采购管理交易系统每日更新。", public=True, keywords="政府采购")
_e("fin-city", "行政事业单位国有资产信息", "201", DB, "库表", "每季度", U,
   "asset_code* asset_name! dept_name! asset_category book_value",
   "行政事业单位房屋、车辆、大型设备等国有资产卡片信息，供机关事务管理和审计部门统筹配置。",
   keywords="国有资产,资产配置")
_e("fin-city", "惠民惠农财政补贴资金发放信息", "203", DB, "库表", "每月", C,
   "id_number* fund_name* benefit_month* name! subsidy_amount! bank_account~",
   "通过社会保障卡“一卡通”发放的惠民惠农补贴资金明细。",
   condition="向纪检监察、审计部门提供发放核查", basis=PIPL, keywords="一卡通,惠民惠农,补贴")
_e("fin-city", "财政专项资金管理办法", "201", DOC, "文件", "不定期", U,
   "doc_no* doc_title! publish_date! attachment",
   "市级财政专项资金管理办法等制度文件，含文号、发布日期和文件附件。", public=True, keywords="专项资金,制度")
# 云川市交通运输局
_e("tra-city", "道路运输经营许可信息", "105", DB, "接口", "每日", U,
   "transport_permit_no* entity_name! credit_code! business_scope issue_date valid_to",
   "道路旅客运输、货物运输和机动车维修经营许可信息，含经营范围和许可证有效期，依法向社会公开。", public=True, keywords="道路运输,经营许可")
_e("tra-city", "道路运输从业人员从业资格信息", "105", DB, "接口", "每日", C,
   "qual_cert_no* id_number! name! qual_category! issue_date valid_to",
   "道路运输驾驶员、危险货物运输从业人员的从业资格证信息。",
   condition="向公安部门提供从业资格核验", basis=PIPL, keywords="从业资格")
_e("tra-city", "网络预约出租汽车驾驶员信息", "214", DB, "接口", "每日", C,
   "qual_cert_no* id_number! name! mobile transport_cert_no plate_no",
   "取得网络预约出租汽车驾驶员证的驾驶员、运输证和车辆号牌信息，用于网约车合规运营监管。",
   condition="向公安部门提供驾驶员背景核查", basis=PIPL, keywords="网约车,驾驶员",
   state="center_review", related=("机动车驾驶人信息",))
_e("tra-city", "公交线路和站点信息", "214", SELF, "接口", "每周", U,
   "route_no* stop_seq* route_name! stop_name! longitude latitude first_bus last_bus",
   "全市公交线路、站点和首末班时间，以JSON格式提供。", public=True, keywords="公交,线路,站点")
_e("tra-city", "公路路网信息", "214", DB, "库表", "每年", U,
   "road_code* road_name! road_grade road_length region_code",
   "国道、省道、县道和乡道的路线编码、技术等级和里程。", keywords="公路,路网")
_e("tra-city", "交通运输行政处罚信息", "104", XLS, "文件", "每月", U,
   "decision_no* party_name! credit_code violation_fact penalty_content penalty_amount decision_date!",
   "交通运输部门作出的行政处罚决定信息，依法在作出决定之日起七个工作日内公示。", public=True, keywords="行政处罚,双公示")

# 云川市生态环境局
_e("eco-city", "排污许可信息", "105", DB, "接口", "每周", U,
   "pollutant_permit_no* entity_name! credit_code! industry main_pollutants emission_limit valid_to",
   "排污许可证的排污单位、行业、主要污染物类别和许可排放量，依法通过全国排污许可证管理信息平台公开。", public=True, keywords="排污许可")
_e("eco-city", "环境空气质量监测信息", "211", API, "接口", "实时", U,
   "station_name* monitor_time* aqi! primary_pollutant pm25 pm10",
   "全市国控和省控空气质量监测站点的小时监测数据。", public=True, keywords="空气质量,AQI,环境监测",
   revisions=[{"change_reason": "增加臭氧监测项", "add": "o3"}])
_e("eco-city", "地表水水质监测信息", "211", XLS, "文件", "每月", U,
   "water_section* monitor_date* water_class! codmn nh3n",
   "主要河流和水库监测断面的水质类别和主要指标。", public=True, keywords="水质,地表水")
_e("eco-city", "建设项目环境影响评价审批信息", "211", XLS, "文件", "每月", U,
   "eia_doc_no* project_name! builder! eia_category approve_date",
   "建设项目环境影响报告书（表）的审批结果，含项目名称、建设单位、环评类别和批复文号。", public=True, keywords="环评,审批")
_e("eco-city", "重点排污单位自动监测信息", "211", DB, "接口", "实时", U,
   "outlet_code* monitor_time* pollutant_name* entity_name! emission_conc exceeded",
   "重点排污单位排放口的污染物自动监测数据。", keywords="在线监测,重点排污单位")
_e("eco-city", "生态环境行政处罚信息", "104", XLS, "文件", "每月", U,
   "decision_no* party_name! credit_code violation_fact penalty_content penalty_amount decision_date!",
   "生态环境部门作出的行政处罚决定信息，含当事人、违法事实和处罚内容，依法向社会公示。", public=True, keywords="环境处罚,双公示")

# 云川市医疗保障局
_e("hsa-city", "基本医疗保险参保信息", "202", DB, "接口", "每日", C,
   "insured_no* med_insurance_type* name! insured_date! insured_status! employer_name",
   "职工基本医疗保险和城乡居民基本医疗保险的参保险种、参保日期和参保状态。",
   condition="向民政、卫生健康、教育部门提供参保状态核验", basis=MED_INSURANCE, level="重要",
   keywords="医保参保")
_e("hsa-city", "医保定点医药机构信息", "202", XLS, "文件", "每月", U,
   "designated_code* org_name! designated_type! office_address office_phone",
   "本市医保定点医疗机构和定点零售药店名单，含机构类型、地址和咨询电话。", public=True, keywords="定点医药机构")
_e("hsa-city", "医保费用结算信息", "202", DB, "库表", "每日", N,
   "settle_no* insured_no! designated_code settle_time! diagnosis total_cost fund_paid self_paid",
   "参保人员在定点医药机构就医购药的费用结算明细，含诊断、医疗费用总额和基金支付金额。属敏感个人健康信息，暂不共享。",
   basis=MED_INSURANCE, level="核心", keywords="医保结算")
_e("hsa-city", "医疗救助对象信息", "203", DB, "库表", "每月", C,
   "insured_no* approve_date* name! aid_type! med_aid_amount",
   "低保对象、特困人员等享受医疗救助的对象、救助类别和救助金额。",
   condition="向民政部门提供救助结果", basis=MED_INSURANCE, keywords="医疗救助")
_e("hsa-city", "门诊慢特病待遇认定信息", "202", DB, "库表", "每月", N,
   "insured_no* chronic_type* name! approve_date!",
   "参保人员门诊慢性病、特殊疾病的病种和待遇认定日期。", basis=MED_INSURANCE, keywords="门诊慢特病",
   state="returned", reason="暂不共享的依据请写明具体条款，并说明复审期限")

# 云川市统计局
_e("stats-city", "国民经济主要指标", "201", XLS, "文件", "每月", U,
   "stat_period* indicator_name* indicator_value! indicator_unit yoy",
   "地区生产总值、规模以上工业增加值、社会消费品零售总额等主要经济指标。", public=True,
   keywords="统计,经济指标,GDP")
_e("stats-city", "居民消费价格指数", "206", XLS, "文件", "每月", U,
   "stat_period* cpi_category* cpi_index!",
   "按食品烟酒、居住、交通通信等类别编制的居民消费价格指数，每月统计发布。", public=True, keywords="CPI,价格指数")
_e("stats-city", "第七次全国人口普查主要数据", "101", DOC, "文件", "不定期", U,
   "doc_no* doc_title! publish_date attachment",
   "云川市第七次全国人口普查主要数据公报，含常住人口、户别、性别构成和受教育程度等汇总数据。", public=True, keywords="人口普查,公报")
_e("stats-city", "统计调查单位名录库", "102", DB, "库表", "每季度", C,
   "credit_code* org_name! industry_code! unit_scale region_code",
   "统计基本单位名录库中的法人单位和产业活动单位，含国民经济行业代码和单位规模。",
   condition="向发展改革、工信部门提供名录比对，不提供调查数据", basis=STATS, keywords="名录库")
_e("stats-city", "统计调查原始数据", "201", DB, "库表", "每月", N,
   "credit_code* survey_form* stat_period* report_values!",
   "统计调查对象通过联网直报填报的统计报表原始数据。能够识别单个调查对象的资料依法不得对外提供，暂不共享。", basis=STATS, level="重要", keywords="统计报表")
_e("stats-city", "2015年全国1%人口抽样调查云川市汇总数据", "101", XLS, "文件", "不定期", U,
   "area_name* indicator_name* indicator_value! indicator_unit",
   "2015年全国1%人口抽样调查云川市汇总结果。", keywords="人口抽样调查",
   state="withdrawn", reason="已由第七次全国人口普查数据替代，不再维护")

# 云川市司法局
_e("just-city", "律师执业信息", "105", DB, "接口", "每月", U,
   "lawyer_license_no* name! law_firm! practice_status! issue_date",
   "本市执业律师的执业证号、执业机构和执业状态。", keywords="律师,执业")
_e("just-city", "律师事务所执业许可信息", "105", XLS, "文件", "每月", U,
   "licence_no* org_name! credit_code office_address office_phone",
   "本市律师事务所执业许可信息，含统一社会信用代码、办公地址和联系电话，依法向社会公开。", public=True, keywords="律师事务所")
_e("just-city", "社区矫正对象信息", "212", DB, "库表", "每日", N,
   "corr_no* id_number! name! corr_type crime_name corr_start corr_end",
   "社区矫正对象的矫正类别、罪名和矫正起止日期，由社区矫正信息管理系统每日更新。", basis=CORRECTION, level="核心", keywords="社区矫正")
_e("just-city", "人民调解组织信息", "210", XLS, "文件", "每年", U,
   "org_name* region_code office_address mediator_count",
   "全市人民调解委员会的名称、地址和人民调解员人数，便于群众就近申请调解。", public=True, keywords="人民调解")
_e("just-city", "法律援助案件信息", "201", DB, "库表", "每月", C,
   "case_no* name! case_reason case_status approve_date",
   "法律援助机构受理的法律援助案件，含受援人、案由、办理状态和批准日期。",
   condition="向民政、残联部门提供受援人身份核验", basis=PIPL, keywords="法律援助")
_e("just-city", "司法鉴定机构信息", "105", XLS, "文件", "每季度", U,
   "licence_no* org_name! forensic_scope office_address office_phone",
   "经司法行政机关审核登记的司法鉴定机构及其鉴定业务范围，依法向社会公开。", public=True, keywords="司法鉴定")
# 社会团体、平台部门
_e("rc-city", "遗体和人体器官捐献登记信息", "202", DB, "库表", "不定期", N,
   "donor_reg_no* name! id_number! donation_kind record_date",
   "自愿登记捐献遗体和人体器官的人员信息，含捐献类型和登记日期。涉及敏感个人信息，暂不共享。", basis=ORGANS, keywords="器官捐献")
_e("rc-city", "捐赠款物接收和使用信息", "201", XLS, "文件", "每季度", U,
   "donor_org* record_date* donation_amount! donation_use",
   "红十字会接收社会捐赠款物及其使用情况。", public=True, keywords="捐赠,公示")
_e("dpf-city", "残疾人证信息", "105", DB, "接口", "每日", C,
   "disability_cert_no* name! id_number! disability_type! disability_level! issue_date",
   "第二代残疾人证的证号、残疾类别和残疾等级，支撑残疾人两项补贴、公交优待等政策“免证办”。",
   condition="向民政、人社、交通部门提供持证核验，残疾类别仅用于政策享受", basis=DISABILITY, level="重要",
   keywords="残疾人证")
_e("dpf-city", "残疾人就业信息", "203", DB, "库表", "每季度", C,
   "disability_cert_no* name! employer employment_type employment_date",
   "残疾人就业和用人单位按比例安置残疾人就业信息，用于残疾人就业保障金征收核定。",
   condition="向税务、人社部门提供安置比例核验", basis=DISABILITY, keywords="残疾人就业")
_e("bdc-city", "电子证照目录", "105", DB, "接口", "每日", U,
   "license_type_code* license_type_name! issuing_dept! holder_type",
   "全市电子证照库已入库证照的类型、发证部门和持证主体类型，便于各部门调用电子证照。", public=True, keywords="电子证照,目录")
_e("bdc-city", "公共信用综合评价信息", "104", DB, "接口", "每月", U,
   "credit_code* eval_year* entity_name! public_credit_level! eval_score",
   "大数据中心汇聚各部门信用信息，对市场主体开展公共信用综合评价形成的等级和得分，按月更新。", keywords="公共信用,综合评价",
   related=("纳税信用等级信息", "市场监管行政处罚信息"))
_e("bdc-city", "法人综合信息", "102", DB, "接口", "实时", U,
   "credit_code* entity_name! entity_type! legal_rep est_date reg_address entity_status",
   "汇聚市场监管、民政、编办等部门登记信息形成的法人综合库。", level="重要",
   keywords="法人库,基础库", related=("市场主体登记信息", "社会组织登记信息"))
_e("egov-city", "政务服务事项目录", "201", DB, "接口", "每周", U,
   "item_code* item_name! item_type! dept_name! legal_limit promised_limit handling_place charged",
   "全市政务服务事项的类型、办结时限和办理地点。", public=True, keywords="政务服务,事项")
_e("egov-city", "12345政务服务便民热线工单信息", "210", DB, "库表", "实时", C,
   "ticket_no* caller_name caller_phone appeal_type! appeal_content handling_unit! satisfaction received_at",
   "12345热线受理的群众诉求工单及办理情况。",
   condition="向承办单位提供本单位工单，来电人信息仅用于回访", basis=PIPL, keywords="12345,热线")
_e("cac-city", "政务网站和政务新媒体信息", "201", XLS, "文件", "每季度", U,
   "account_name* platform_name* operating_unit! site_domain icp_no",
   "全市政务网站和政务新媒体账号名录，含主办单位、所在平台、域名和备案号。", public=True, keywords="政务网站,政务新媒体")


# --- counties: their own versions of the city's entries ---------------------------------------------
def _county_entries(key: str, county: str, *, hr: bool, amr: bool) -> None:
    _e(f"{key}-ps", f"{county}常住人口基本信息", "101", DB, "接口", "实时", C,
       "id_number* name! gender! ethnicity birth_date! address household_no relation_to_head police_station",
       f"{county}户籍人口和常住人口的基本信息，由县公安局户政部门维护，按日与市人口基础库同步。",
       condition="向县级社会保障、民政、卫生健康部门提供身份核验", basis=HUKOU, level="重要",
       keywords=f"人口,户籍,{county}", related=("常住人口基本信息",))
    _e(f"{key}-ps", f"{county}流动人口居住登记信息", "101", DB, "库表", "每日", C,
       "permit_no* id_number! name! residence_address! employer arrival_date",
       f"{county}流动人口居住登记和居住证申领信息。",
       condition="向县教育、卫生健康部门提供居住登记核验", basis=RESIDENCE, keywords=f"流动人口,{county}")
    _e(f"{key}-ps", f"{county}户政服务窗口信息", "201", XLS, "文件", "每季度", U,
       "org_name* office_address! office_phone office_hours service_items",
       f"{county}各派出所户政窗口的地址和办公时间。", public=True, keywords=f"户政窗口,{county}")
    _e(f"{key}-mca", f"{county}最低生活保障对象信息", "203", DB, "接口", "每月", C,
       "id_number* name! gender address aid_type! family_size aid_amount! approve_date aid_status!",
       f"{county}城乡低保对象的家庭人口、保障金额和保障状态，按月报送市民政局。",
       condition="向县人社、医保、教育部门提供救助对象身份核验", basis=RELIEF, level="重要",
       keywords=f"低保,{county}", related=("最低生活保障对象信息",))
    _e(f"{key}-mca", f"{county}特困人员供养信息", "203", DB, "接口", "每月", C,
       "id_number* name! support_mode! care_level approve_date aid_status!",
       f"{county}农村特困人员分散和集中供养信息。",
       condition="向县医保、卫生健康部门提供身份核验", basis=RELIEF, keywords=f"特困供养,{county}")
    _e(f"{key}-mca", f"{county}婚姻登记信息", "101", DB, "接口", "每日", C,
       "marriage_cert_no* marriage_type! husband_name husband_id wife_name wife_id record_date!",
       f"{county}婚姻登记处办理的结婚、离婚登记信息。",
       condition="向县公安、不动产登记部门提供婚姻状况核验", basis=MARRIAGE, keywords=f"婚姻登记,{county}")
    _e(f"{key}-mca", f"{county}殡葬服务信息", "201", DB, "库表", "每日", C,
       "cremation_cert_no* deceased_name! deceased_id! cremation_date! funeral_home",
       f"{county}殡仪馆火化记录。",
       condition="向县人社、医保部门提供死亡核验", basis=PIPL, keywords=f"殡葬,{county}")
    _e(f"{key}-fin", f"{county}部门预决算公开信息", "201", DOC, "文件", "每年", U,
       "doc_no* budget_year! dept_name! doc_title publish_date attachment",
       f"{county}县级部门预算和决算公开文本。", public=True, keywords=f"预算公开,{county}")
    _e(f"{key}-fin", f"{county}惠民惠农财政补贴资金发放信息", "203", DB, "库表", "每月", C,
       "id_number* fund_name* benefit_month* name! subsidy_amount! bank_account~",
       f"{county}通过“一卡通”发放的各类补贴资金明细。",
       condition="向县纪委监委、审计部门提供发放核查", basis=PIPL, keywords=f"一卡通,{county}")
    _e(f"{key}-bdc", f"{county}政务服务事项目录", "201", DB, "接口", "每周", U,
       "item_code* item_name! item_type! dept_name! legal_limit promised_limit handling_place",
       f"{county}县级政务服务事项清单。", public=True, keywords=f"政务服务,{county}",
       related=("政务服务事项目录",))
    _e(f"{key}-bdc", f"{county}电子证照目录", "105", DB, "接口", "每日", U,
       "license_type_code* license_type_name! issuing_dept! holder_type",
       f"{county}已入库电子证照的类型和发证部门。", keywords=f"电子证照,{county}",
       related=("电子证照目录",))
    if hr:
        _e(f"{key}-hrss", f"{county}就业登记信息", "203", DB, "接口", "每日", C,
           "id_number* employment_date* name! employer employment_type!",
           f"{county}劳动者就业登记信息。",
           condition="向县民政、医保部门提供就业状态核验", basis=PIPL, keywords=f"就业登记,{county}")
        _e(f"{key}-hrss", f"{county}城乡居民基本养老保险参保信息", "203", DB, "接口", "每日", C,
           "insured_no* name! insured_date! insured_status! pension_type",
           f"{county}城乡居民养老保险参保和待遇领取信息。",
           condition="向县民政部门提供困难群体代缴核查", basis=SOCIAL, keywords=f"居民养老保险,{county}")
    if amr:
        _e(f"{key}-amr", f"{county}市场主体登记信息", "102", DB, "接口", "每日", U,
           "credit_code* entity_name! entity_type! legal_rep reg_capital "
           "est_date! reg_address entity_status!",
           f"{county}登记的企业、农民专业合作社和个体工商户信息。", keywords=f"市场主体,{county}",
           related=("市场主体登记信息",))
        _e(f"{key}-amr", f"{county}食品经营许可信息", "105", DB, "接口", "每日", U,
           "licence_no* licensee! credit_code! business_place main_format issue_date! valid_to",
           f"{county}食品经营许可证信息。", public=True, keywords=f"食品经营许可,{county}")
        _e(f"{key}-amr", f"{county}市场监管行政处罚信息", "104", XLS, "文件", "每月", U,
           "decision_no* party_name! credit_code violation_fact "
           "penalty_content penalty_amount decision_date!",
           f"{county}市场监管部门的行政处罚决定信息。", public=True, keywords=f"行政处罚,{county}")


_county_entries("qh", "青河县", hr=True, amr=False)
_county_entries("sq", "石桥县", hr=False, amr=True)

_e("qh-mca", "青河县高龄津贴发放信息", "203", DB, "库表", "每月", C,
   "id_number* benefit_month* name! subsidy_amount!",
   "青河县80周岁以上老年人高龄津贴发放信息。",
   condition="向县财政、审计部门提供发放核查", basis=PIPL, keywords="高龄津贴,青河县",
   state="confidentiality_review")
_e("sq-mca", "石桥县困难群众救助资金发放信息", "203", DB, "库表", "每月", C,
   "id_number* benefit_month* name! aid_type! subsidy_amount! bank_account~",
   "石桥县低保金、特困供养金和临时救助金的发放明细。",
   condition="向县财政、纪委监委部门提供发放核查", basis=RELIEF, keywords="救助资金,石桥县", state="draft")
_e("sq-ps", "石桥县农村道路交通安全劝导站信息", "214", XLS, "文件", "每年", U,
   "org_name* office_address! region_code longitude latitude",
   "石桥县农村道路交通安全劝导站的名称、地址和经纬度。", public=True, keywords="交通安全,劝导站,石桥县",
   state="returned", reason="请补充劝导站负责人和值守时间说明，坐标请核对")


# --- loading ---------------------------------------------------------------------------------------------
def _release_date(n: int) -> dt.date:
    """A deterministic, plausible first release date spread over 2021–2024."""
    return dt.date(2021, 3, 1) + dt.timedelta(days=(n * 37) % 1300)


def _revised(body: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """The content of a later version: field overrides, items added (``add``) or withheld (``withhold``)."""
    body = dict(body)
    change = dict(change)
    added = change.pop("add", None)
    withheld = change.pop("withhold", ())
    body.update(change)
    body_items = [dict(i) for i in body["items"]]
    for item in body_items:
        if item["field_code"] in withheld:
            item["shared"] = False
    if added:
        body_items += items(added)
    body["items"] = body_items
    return body


def load(session: Session) -> list[str]:
    """Register every demo entry for its department and take it to its demo state; return the codes."""
    actor = platform_actor("govdata-demo")
    departments = {key: org_service.department_by_credit_code(session, spec["credit_code"]).id
                   for key, spec in demo_data.DEPARTMENTS_BY_KEY.items()}
    codes: dict[str, str] = {}

    def publish(code: str) -> None:
        service.submit_resource(session, actor, code)
        service.review_resource(session, actor, code, ReviewDecision(transition="pass"))
        service.review_resource(session, actor, code, ReviewDecision(transition="approve"))

    for n, entry in enumerate(ENTRIES):
        related = [codes[name] for name in entry.related]
        body = entry.draft(release_date=_release_date(n), related_codes=related)
        resource = service.create_resource(session, actor, ResourceCreate.model_validate(
            {**body, "department_id": departments[entry.dept]}))
        code = codes[entry.name] = resource.code
        if entry.state == "draft":
            continue
        if entry.state in ("confidentiality_review", "returned"):
            service.submit_resource(session, actor, code)
            if entry.state == "returned":
                service.review_resource(session, actor, code, ReviewDecision(transition="reject",
                                                                             reason=entry.reason))
            continue
        if entry.state == "center_review":
            service.submit_resource(session, actor, code)
            service.review_resource(session, actor, code, ReviewDecision(transition="pass"))
            continue
        publish(code)
        for change in entry.revisions:
            body = _revised(body, change)
            service.update_draft(session, actor, code, ResourceDraft.model_validate(body))
            publish(code)
        if entry.pending:
            pending = ResourceDraft.model_validate(_revised(body, entry.pending))
            service.update_draft(session, actor, code, pending)
        if entry.state == "withdrawn":
            service.request_withdrawal(session, actor, code, WithdrawalRequest(reason=entry.reason or "不再维护"))
            service.decide_withdrawal(session, actor, code, ReviewDecision(transition="approve"))
    return list(codes.values())
