"""Import of the existing Excel rosters (党员花名册) and export in the same form.

Rosters kept by hand are messy: a title row, two header rows with merged cells (a "基本信息"
band over 姓名/性别/出生日期), full-width digits (２０１０．０７．０１), blank rows between
sections. Reading: the header row is the one with the most known column names; a blank header
cell takes the text above it (the merged band or a vertically merged name); every value is NFKC
normalised. The preview lists each row's errors by row and column; the import writes all rows or
none — unless the user chooses to import only the valid rows.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from audit.services import audit_record
from core.errors import InvalidInput
from orgs.models import User
from party.members import member_register, member_update
from party.models import (
    BRANCH_KINDS,
    DuesKind,
    Education,
    Member,
    MemberStatus,
    PartyOrg,
    PostCategory,
)

MAX_ROWS = 20000
# field → (label of the export, header aliases)
COLUMNS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "employee_no": (gettext_lazy("工号"), ("工号", "职工号", "员工编号", "人员编号")),
    "name": (gettext_lazy("姓名"), ("姓名", "党员姓名")),
    "branch": (gettext_lazy("所在党支部"), ("所在党支部", "党支部", "所在支部", "支部", "支部代码")),
    "status": (gettext_lazy("人员类别"), ("人员类别", "党员状态", "党籍状态", "类别")),
    "gender": (gettext_lazy("性别"), ("性别",)),
    "birth_date": (gettext_lazy("出生日期"), ("出生日期", "出生年月")),
    "education": (gettext_lazy("学历"), ("学历", "文化程度")),
    "joined_on": (gettext_lazy("入党日期"), ("入党日期", "入党时间")),
    "full_on": (gettext_lazy("转正日期"), ("转正日期", "转正时间")),
    "post_category": (gettext_lazy("岗位类别"), ("岗位类别", "工作岗位类别")),
    "job_title": (gettext_lazy("工作岗位"), ("工作岗位", "岗位", "职务")),
    "dues_kind": (gettext_lazy("党费类别"), ("党费类别", "缴费类别")),
    "dues_base": (gettext_lazy("党费基数"), ("党费基数", "缴费基数", "月工资收入")),
    "pioneer_post": (gettext_lazy("党员先锋岗"), ("党员先锋岗", "先锋岗")),
    "responsibility_area": (gettext_lazy("党员责任区"), ("党员责任区", "责任区")),
}
REQUIRED_COLUMNS = ("employee_no", "name", "branch", "status")


def norm(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def _key(text: str) -> str:
    return re.sub(r"[\s*：:（）()]", "", norm(text))


ALIASES = {_key(a): f for f, (_label, aliases) in COLUMNS.items() for a in aliases}


def _choice(text: str, choices, extra: dict[str, str] | None = None) -> str | None:
    t = _key(text)
    table = {_key(str(label)): value for value, label in choices}
    table.update({_key(value): value for value, _label in choices})
    table.update(extra or {})
    return table.get(t)


STATUS_WORDS = {"正式": MemberStatus.FULL, "正式党员": MemberStatus.FULL, "预备": MemberStatus.PROBATIONARY,
                "预备党员": MemberStatus.PROBATIONARY}
GENDER_WORDS = {"男": "M", "女": "F", "m": "M", "f": "F"}
EDU_WORDS = {"本科": Education.UNDERGRADUATE, "大学": Education.UNDERGRADUATE, "硕士": Education.POSTGRADUATE,
             "博士": Education.POSTGRADUATE, "专科": Education.COLLEGE, "高中": Education.SECONDARY,
             "中专": Education.SECONDARY, "技校": Education.SECONDARY, "初中": Education.JUNIOR,
             "小学": Education.JUNIOR}
POST_WORDS = {"一线": PostCategory.FRONT_LINE, "生产一线": PostCategory.FRONT_LINE, "技术": PostCategory.TECHNICAL,
              "管理": PostCategory.MANAGEMENT, "后勤": PostCategory.SERVICE, "退休": PostCategory.RETIRED}
DUES_WORDS = {"在职": DuesKind.SALARIED, "年薪": DuesKind.ANNUAL, "退休": DuesKind.RETIRED,
              "离退休": DuesKind.RETIRED, "学生": DuesKind.STUDENT, "低保": DuesKind.RELIEF}


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = norm(value)
    m = re.fullmatch(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*(?:[-./月]\s*(\d{1,2})\s*日?|月?)", text)
    if m is None:
        m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})?", text)
    if m is None:
        raise ValueError(text)
    return date(int(m[1]), int(m[2]), int(m[3] or 1))


@dataclass
class RowResult:
    row: int  # the sheet's row number (1-based, as Excel shows it)
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column letter + label, message)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Preview:
    headers: list[str]
    mapping: dict[int, str]  # column index (0-based) → field
    rows: list[RowResult]
    problems: list[str]

    @property
    def valid(self) -> list[RowResult]:
        return [r for r in self.rows if r.ok]

    @property
    def invalid(self) -> list[RowResult]:
        return [r for r in self.rows if not r.ok]


def read_sheet(data: bytes) -> list[list[Any]]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not .xlsx
        raise InvalidInput("party.roster.file", _("无法读取该文件，请上传 .xlsx 格式的花名册")) from exc
    ws = wb.worksheets[0]
    if (ws.max_row or 0) > MAX_ROWS + 20:
        raise InvalidInput("party.roster.too_long", _("一次最多导入%(n)s行") % {"n": MAX_ROWS})
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    # A merged cell keeps its value in the top-left cell only; spread it over the range's header
    # cells so that a band over several columns or a name over two rows is seen everywhere.
    for rng in ws.merged_cells.ranges:
        if rng.min_row > len(rows):
            continue
        top = rows[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row, min(rng.max_row, len(rows)) + 1):
            for c in range(rng.min_col, min(rng.max_col, len(rows[r - 1])) + 1):
                rows[r - 1][c - 1] = top
    return rows


def _header_row(rows: list[list[Any]]) -> int:
    best, best_n = 0, -1
    for i, row in enumerate(rows[:15]):
        n = sum(1 for v in row if _key(norm(v)) in ALIASES)
        if n > best_n:
            best, best_n = i, n
    return best


def guess(rows: list[list[Any]]) -> tuple[int, list[str], dict[int, str]]:
    h = _header_row(rows)
    width = max((len(r) for r in rows[: h + 1]), default=0)
    headers = []
    mapping: dict[int, str] = {}
    for c in range(width):
        text = norm(rows[h][c]) if c < len(rows[h]) else ""
        up = h - 1
        while not text and up >= 0:  # a name merged over two header rows sits above
            text = norm(rows[up][c]) if c < len(rows[up]) else ""
            up -= 1
        headers.append(text)
        f = ALIASES.get(_key(text))
        if f and f not in mapping.values():
            mapping[c] = f
    return h, headers, mapping


def parse(data: bytes, *, allowed: list[PartyOrg] | None = None, mapping: dict[int, str] | None = None) -> Preview:
    """Read and check a roster without writing anything."""
    rows = read_sheet(data)
    if not rows:
        raise InvalidInput("party.roster.empty", _("文件中没有数据"))
    h, headers, guessed = guess(rows)
    mapping = mapping if mapping is not None else guessed
    problems = [_("缺少必需的列：%(c)s") % {"c": str(COLUMNS[f][0])} for f in REQUIRED_COLUMNS
                if f not in mapping.values()]
    branches = {}
    for org in PartyOrg.objects.filter(kind__in=BRANCH_KINDS):
        branches[_key(org.code)] = org
        branches.setdefault(_key(org.name), org)
    allowed_ids = {o.pk for o in allowed} if allowed is not None else None
    body = rows[h + 1:]
    if len(body) > MAX_ROWS:
        raise InvalidInput("party.roster.too_long", _("一次最多导入%(n)s行") % {"n": MAX_ROWS})
    nos = {norm(r[c]) for r in body for c, f in mapping.items() if f == "employee_no" and c < len(r)}
    people = {u.employee_no: u for u in User.objects.filter(employee_no__in=nos)}
    members = {m.person_id: m for m in Member.objects.filter(person__in=people.values())}
    out: list[RowResult] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(body, start=h + 2):
        cells = {f: (raw[c] if c < len(raw) else None) for c, f in mapping.items()}
        if all(norm(v) == "" for v in raw):
            continue  # blank separator rows
        res = RowResult(row=i)
        col = {f: f"{get_column_letter(c + 1)}（{headers[c] or str(COLUMNS[f][0])}）" for c, f in mapping.items()}

        def err(f: str, msg: str, res=res, col=col) -> None:
            res.errors.append((col.get(f, str(COLUMNS[f][0])), msg))

        no = norm(cells.get("employee_no"))
        if no.endswith(".0"):
            no = no[:-2]  # a number typed into Excel
        person = people.get(no)
        if not no:
            err("employee_no", _("必填"))
        elif person is None:
            err("employee_no", _("平台中没有工号为%(no)s的人员（请先在人员管理中建立）") % {"no": no})
        elif no in seen:
            err("employee_no", _("与第%(r)s行重复") % {"r": seen[no]})
        else:
            seen[no] = i
        name = norm(cells.get("name"))
        if person is not None and name and name != person.name:
            err("name", _("姓名“%(a)s”与平台人员“%(b)s”不一致") % {"a": name, "b": person.name})
        res.values["person"] = person
        branch = branches.get(_key(norm(cells.get("branch"))))
        if branch is None:
            err("branch", _("没有名称或代码为“%(b)s”的党支部") % {"b": norm(cells.get("branch"))})
        elif allowed_ids is not None and branch.pk not in allowed_ids:
            err("branch", _("您无权管理%(b)s") % {"b": branch.name})
        res.values["branch"] = branch
        if person is not None and branch is not None:
            existing = members.get(person.pk)
            if existing is not None and existing.branch_id != branch.pk:
                err("branch", _("该党员的组织关系在%(b)s，变更支部请办理组织关系转接") % {"b": existing.branch})
            res.values["member"] = existing
        status = _choice(norm(cells.get("status")), MemberStatus.choices[:2], STATUS_WORDS)
        if status is None:
            err("status", _("应为“正式党员”或“预备党员”"))
        res.values["status"] = status
        for f, choices, words in (("gender", [("M", "男"), ("F", "女")], GENDER_WORDS),
                                  ("education", Education.choices, EDU_WORDS),
                                  ("post_category", PostCategory.choices, POST_WORDS),
                                  ("dues_kind", DuesKind.choices, DUES_WORDS)):
            text = norm(cells.get(f))
            if text:
                v = _choice(text, choices, {_key(k): w for k, w in words.items()})
                if v is None:
                    err(f, _("无法识别“%(v)s”") % {"v": text})
                res.values[f] = v
        for f in ("birth_date", "joined_on", "full_on"):
            if norm(cells.get(f)):
                try:
                    res.values[f] = parse_date(cells.get(f))
                except ValueError:
                    err(f, _("日期格式无法识别：%(v)s") % {"v": norm(cells.get(f))})
        if res.values.get("joined_on") and res.values.get("full_on") and res.values["full_on"] < res.values["joined_on"]:
            err("full_on", _("转正日期早于入党日期"))
        if norm(cells.get("dues_base")):
            try:
                base = Decimal(norm(cells.get("dues_base")).replace(",", "")).quantize(Decimal("0.01"))
                if base < 0:
                    raise InvalidOperation
                res.values["dues_base"] = base
            except InvalidOperation:
                err("dues_base", _("应为不小于0的金额"))
        for f in ("job_title", "pioneer_post", "responsibility_area"):
            if norm(cells.get(f)):
                res.values[f] = norm(cells.get(f))[:60]
        out.append(res)
    return Preview(headers=headers, mapping=mapping, rows=out, problems=problems)


@transaction.atomic
def roster_import(preview: Preview, *, actor: User | None, valid_only: bool = False) -> dict[str, int]:
    """Write the previewed rows: all of them, or — if the user chose so — only the valid ones.
    With errors and without that choice nothing is written."""
    if preview.problems:
        raise InvalidInput("party.roster.columns", "；".join(preview.problems))
    if preview.invalid and not valid_only:
        raise InvalidInput("party.roster.errors", _("有%(n)s行存在错误，未导入任何数据；可改正后重新上传，或选择只导入无误的行")
                           % {"n": len(preview.invalid)})
    created = updated = 0
    for r in preview.valid:
        v = dict(r.values)
        person, branch, member, status = v.pop("person"), v.pop("branch"), v.pop("member", None), v.pop("status")
        attrs = {k: x for k, x in v.items() if x is not None}
        if member is None:
            member_register(person=person, branch=branch, status=status, actor=actor, reason=_("花名册导入"), **attrs)
            created += 1
        else:
            member_update(member=member, actor=actor, **attrs)
            updated += 1
    summary = {"created": created, "updated": updated, "skipped": len(preview.invalid)}
    audit_record(actor=actor, action="party.member.import", target=None, data=summary)
    return summary


EXPORT_FIELDS = ("employee_no", "name", "branch", "status", "gender", "birth_date", "education", "joined_on",
                 "full_on", "post_category", "job_title", "dues_kind", "dues_base", "pioneer_post",
                 "responsibility_area")


def roster_xlsx(members) -> bytes:
    """The roster in the usual form (the same columns the import reads)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("党员花名册"))
    for i, width in enumerate((10, 8, 20, 10, 6, 12, 10, 12, 12, 10, 14, 10, 10, 14, 14), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.append([str(COLUMNS[f][0]) for f in EXPORT_FIELDS])
    for m in members.select_related("person", "branch").order_by("branch__path", "person__employee_no").iterator():
        ws.append([
            m.person.employee_no, m.person.name, m.branch.name, m.get_status_display(), m.get_gender_display(),
            m.birth_date, m.get_education_display(), m.joined_on, m.full_on, m.get_post_category_display(),
            m.job_title, m.get_dues_kind_display(), m.dues_base, m.pioneer_post, m.responsibility_area,
        ])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

