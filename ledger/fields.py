"""What a ledger row can tell us: our fields, the headers we recognise for them, the wording of
coded values, and the date layouts (pure Python, no ORM).

Nothing here guesses a value: a label that is not in the tables below (or in the source's own
对照表) is an error, never "其他"; a date that fits none of the chosen layouts is an error.
Guessing is limited to proposing a column for a field on the mapping page, which the clerk sees
and confirms.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time

from petitions.choices import Category, Channel, DeclineReason, PetitionType, Rating, ReplyOutcome
from tongxin.lib.periods import SHANGHAI


@dataclass(frozen=True)
class LedgerField:
    key: str
    label: str
    guesses: tuple[str, ...] = ()
    required: bool = False
    # Coded fields may take one value for the whole file instead of a column.
    fixable: bool = False
    help: str = ""


# Columns appended to the error report; never proposed for a field, ignored on import.
REPORT_COLUMNS = ("原行号", "错误说明")

FIELDS: tuple[LedgerField, ...] = (
    LedgerField("legacy_number", "原信访编号", ("信访编号", "编号", "原编号", "原信访编号", "台账编号", "登记编号",
                                             "案件编号", "信访件编号", "件号"),
                help="台账自己的编号；有编号的行以“来源+编号”识别，重复导入不会重复登记"),
    LedgerField("received", "收到日期", ("日期", "登记日期", "来访时间", "来信日期", "来访日期", "收到日期", "收信日期",
                                       "登记时间", "信访日期", "反映时间", "接收日期", "来电时间", "收件日期"),
                required=True),
    LedgerField("name", "信访人姓名", ("来信人", "姓名", "信访人", "来访人", "反映人", "信访人姓名", "来信人姓名",
                                      "来电人", "来访人姓名"),
                help="为空的行按匿名信访导入"),
    LedgerField("phone", "联系电话", ("电话", "联系电话", "手机", "手机号", "手机号码", "联系方式")),
    LedgerField("id_number", "身份证号", ("身份证号", "身份证号码", "证件号码", "身份证")),
    LedgerField("address", "住址", ("住址", "地址", "家庭住址", "通讯地址", "联系地址", "现住址")),
    LedgerField("title", "标题", ("标题", "事由", "主题", "信访事由"),
                help="没有标题列时取诉求内容的前30个字"),
    LedgerField("content", "诉求内容", ("内容", "反映问题", "信访内容", "主要内容", "诉求内容", "反映内容", "主要诉求",
                                       "问题摘要", "信访事项", "反映的问题", "来信内容", "诉求"),
                required=True),
    LedgerField("category", "内容分类", ("类别", "问题类别", "内容分类", "信访类别", "问题分类", "分类"),
                required=True, fixable=True),
    LedgerField("ptype", "性质", ("性质", "信访性质", "问题性质"), required=True, fixable=True),
    LedgerField("channel", "渠道", ("渠道", "信访方式", "信访渠道", "来源", "信访形式", "方式", "形式"),
                required=True, fixable=True),
    LedgerField("people_count", "人数", ("人数", "信访人数", "来访人数")),
    LedgerField("unit", "受理单位", ("受理单位", "受理机构", "登记单位"),
                help="单位代码或名称；没有此列时为台账所属单位"),
    LedgerField("handling_unit", "承办单位", ("办理单位", "承办单位", "责任单位", "处理单位", "交办单位"),
                help="单位代码或名称；没有此列时为受理单位"),
    LedgerField("handler", "承办人", ("承办人", "经办人", "办理人", "责任人"),
                help="工号或姓名；办理中的事项必须对应到系统中的承办人"),
    LedgerField("state", "办理状态", ("状态", "办理结果", "办理状态", "办结情况", "办理情况", "是否办结", "处理结果"),
                required=True, fixable=True),
    LedgerField("accepted", "受理日期", ("受理日期", "受理时间", "告知日期", "受理告知日期", "决定日期"),
                help="受理或不予受理的决定日期"),
    LedgerField("decline_reason", "不予受理理由", ("不予受理理由", "不受理原因", "不予受理原因", "不受理理由")),
    LedgerField("replied", "答复（办结）日期", ("答复日期", "回复日期", "答复时间", "办结日期", "办结时间", "结案日期")),
    LedgerField("closed", "评价/结案日期", ("评价日期", "回访日期", "撤回日期"),
                help="评价、办结或撤回的日期；没有此列时为答复日期"),
    LedgerField("reply_outcome", "处理结论", ("处理结论", "答复结论", "办理结论")),
    LedgerField("reply_text", "处理意见", ("处理意见", "答复意见", "答复内容", "处理情况", "办理结果说明")),
    LedgerField("rating", "满意度", ("满意度", "评价", "群众满意度", "满意度评价", "是否满意", "评价结果")),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
DATE_FIELDS = ("received", "accepted", "replied", "closed")

# --- states a ledger may record --------------------------------------------------------------

# Import states: how far the matter went. Terminal ones carry their whole history.
IMPORT_STATES = {
    "registered": "待受理",
    "accepted": "已受理待交办",
    "handling": "办理中",
    "replied": "已答复",
    "closed": "已办结",
    "not_accepted": "不予受理",
    "withdrawn": "已撤回",
}


def _norm(text: str) -> str:
    """NFKC (full-width → half-width), no spaces at all, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _table(pairs: dict[str, tuple[str, ...]], choices=None) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, words in pairs.items():
        for word in words:
            out[_norm(word)] = code
        out[_norm(code)] = code
    if choices is not None:
        for code, label in choices.choices:
            out[_norm(str(label))] = code
    return out


VALUE_TABLES: dict[str, dict[str, str]] = {
    "category": _table({
        Category.WAGES: ("工资", "薪酬", "工资待遇", "工资问题", "拖欠工资"),
        Category.SOCIAL_INSURANCE: ("社保", "社会保险", "福利", "保险福利"),
        Category.LABOUR_RELATIONS: ("劳动关系", "劳动合同", "劳动用工"),
        Category.SAFETY: ("安全", "安全生产", "安全隐患"),
        Category.OCCUPATIONAL_HEALTH: ("职业健康", "工伤", "职业病", "尘肺病"),
        Category.CADRE_CONDUCT: ("干部作风", "廉洁", "作风", "党风廉政"),
        Category.HOUSING_LIVING: ("住房", "后勤", "生活后勤", "住房后勤"),
        Category.RETIREMENT: ("离退休", "退休", "退休待遇"),
        Category.RESTRUCTURING: ("改制", "分流安置", "企业改制"),
        Category.LAND_SUBSIDENCE: ("征地", "搬迁", "采空区", "塌陷", "征地搬迁", "采煤塌陷"),
        Category.SUGGESTION: ("建议",),
        Category.OTHER: (),
    }, Category),
    "ptype": _table({
        PetitionType.REQUEST: ("求决", "诉求"),
        PetitionType.ACCUSATION: ("检举", "控告", "举报", "检举控告"),
        PetitionType.SUGGESTION: ("建议",),
        PetitionType.INQUIRY: ("咨询",),
        PetitionType.APPEAL: ("申诉",),
    }, PetitionType),
    "channel": _table({
        Channel.ONLINE: ("网上", "网信", "网络", "网上信访", "网上投诉"),
        Channel.LETTER: ("信件", "书信", "来信"),
        Channel.PHONE: ("电话", "来电"),
        Channel.VISIT: ("走访", "上访", "来访"),
        Channel.FAX: ("传真",),
        Channel.CADRE_VISIT: ("下访", "干部下访"),
    }, Channel),
    "state": _table({
        "registered": ("待受理", "未受理", "已登记", "登记"),
        "accepted": ("已受理", "受理", "已受理待交办", "待交办"),
        "handling": ("办理中", "在办", "正在办理", "已交办"),
        "replied": ("已答复", "已回复", "答复"),
        "closed": ("已办结", "办结", "已结案", "结案"),
        "not_accepted": ("不予受理", "不受理"),
        "withdrawn": ("已撤回", "撤回", "撤诉"),
    }),
    "rating": _table({
        Rating.SATISFIED: ("满意",),
        Rating.BASICALLY: ("基本满意",),
        Rating.UNSATISFIED: ("不满意",),
    }, Rating),
    "reply_outcome": _table({
        ReplyOutcome.SUPPORT: ("支持", "予以支持"),
        ReplyOutcome.EXPLAIN: ("解释", "解释说明"),
        ReplyOutcome.NOT_SUPPORT: ("不支持", "不予支持"),
    }, ReplyOutcome),
    "decline_reason": _table({
        DeclineReason.OUTSIDE_REMIT: ("不属于本单位职责范围", "职责范围外", "不属于职责范围"),
        DeclineReason.LEGAL_PROCEDURE: ("应通过法定途径解决", "法定途径", "诉讼仲裁"),
        DeclineReason.IN_PROGRESS_ELSEWHERE: ("已受理或正在办理",),
        DeclineReason.FINAL_SAME_MATTER: ("复核终结", "已终结"),
        DeclineReason.UNCLEAR: ("诉求不明确", "诉求不明"),
    }, DeclineReason),
}
CODED_FIELDS = tuple(VALUE_TABLES)

# Labels of each coded field's codes, for messages and pickers.
CODE_LABELS: dict[str, dict[str, str]] = {
    "category": {c: str(label) for c, label in Category.choices},
    "ptype": {c: str(label) for c, label in PetitionType.choices},
    "channel": {c: str(label) for c, label in Channel.choices},
    "state": dict(IMPORT_STATES),
    "rating": {c: str(label) for c, label in Rating.choices},
    "reply_outcome": {c: str(label) for c, label in ReplyOutcome.choices},
    "decline_reason": {c: str(label) for c, label in DeclineReason.choices},
}


def lookup_code(field: str, text: str, aliases: dict[str, str] | None = None) -> str | None:
    """The code a ledger's label stands for, or None when it is not known."""
    key = _norm(text)
    if aliases:
        for word, code in aliases.items():
            if _norm(word) == key:
                return code
    return VALUE_TABLES[field].get(key)


def known_labels(field: str) -> str:
    return "、".join(CODE_LABELS[field].values())


# --- headers ---------------------------------------------------------------------------------


def normalise_header(text: str) -> str:
    """For matching: no spaces or line breaks, no required-marks, no (notes) in brackets."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[(（\[【].*?[)）\]】]", "", text)
    return re.sub(r"[\s*＊:：]+", "", text).lower()


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Propose a column for each field whose usual header appears in the file (first match;
    one column per field, each column proposed once)."""
    by_norm: dict[str, str] = {}
    for header in headers:
        if header in REPORT_COLUMNS:
            continue
        by_norm.setdefault(normalise_header(header), header)
    taken: set[str] = set()
    out: dict[str, str] = {}
    for field in FIELDS:
        for guess in field.guesses:
            header = by_norm.get(normalise_header(guess))
            if header is not None and header not in taken:
                out[field.key] = header
                taken.add(header)
                break
    return out


# --- dates -----------------------------------------------------------------------------------

DATE_LAYOUTS: dict[str, str] = {
    "ymd": "年-月-日：2021-03-05、2021/3/5、2021.3.5、2021年3月5日（可带时间 14:30）",
    "ymd8": "8位数字：20210305",
    "mdy": "月/日/年：03/05/2021",
    "dmy": "日/月/年：05/03/2021",
}
DEFAULT_DATE_LAYOUTS = ("ymd", "ymd8")
_TIME = r"(?:[ T]+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})秒?)?分?)?"
_PATTERNS = {
    "ymd": re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?" + _TIME + r"$"),
    "ymd8": re.compile(r"^(\d{4})(\d{2})(\d{2})" + _TIME + r"$"),
    "mdy": re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME + r"$"),
    "dmy": re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME + r"$"),
}
_ORDER = {"ymd": (0, 1, 2), "ymd8": (0, 1, 2), "mdy": (2, 0, 1), "dmy": (2, 1, 0)}


class DateError(ValueError):
    pass


def parse_date(value, layouts: tuple[str, ...] | list[str]) -> datetime:
    """An aware datetime (Asia/Shanghai) for a ledger cell. Excel date cells come as naive
    datetimes in local time; text must fit one of ``layouts``. Date-only values are 00:00."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(SHANGHAI)
        return value.replace(tzinfo=SHANGHAI)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=SHANGHAI)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DateError(f"“{value}”不是日期")
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for layout in layouts:
        m = _PATTERNS[layout].match(text)
        if m is None:
            continue
        parts = m.groups()
        y, mo, d = (int(parts[i]) for i in _ORDER[layout])
        hh, mm, ss = (int(p) if p else 0 for p in parts[3:6])
        try:
            return datetime(y, mo, d, hh, mm, ss, tzinfo=SHANGHAI)
        except ValueError:
            raise DateError(f"“{text}”不是有效日期") from None
    if isinstance(value, int) and 20000 < value < 80000:
        raise DateError(f"“{text}”像是Excel日期序号：请在Excel中把该列设置为日期格式")
    raise DateError(f"“{text}”不是可识别的日期（可用格式：{'；'.join(DATE_LAYOUTS[k] for k in layouts)}）")
