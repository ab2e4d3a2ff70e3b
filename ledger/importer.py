"""Validation and import of ledger rows into petitions with their historical events.

One pass over the file, in chunks of ``CHUNK`` rows:

1. every row of the chunk is validated on its own (``RowValidator``): a row is either a
   complete ``LedgerRow`` or a list of errors — nothing is guessed, nothing dropped;
2. its key (source + legacy number, or a hash of date, name and content) is looked up among
   the rows imported before and the rows seen earlier in the file: a known key is "unchanged";
3. the valid new rows of the chunk are written in bulk inside one transaction (petitions,
   events, identities, the ImportedRow keys). If the bulk write fails (a concurrent import
   of the same rows, say) the chunk is rolled back and written again row by row, each row in
   its own transaction: a failing row never leaves half a petition;
4. failed rows are streamed into the error report (ledger.report) with their reasons.

A dry run does steps 1, 2 and 4 and writes nothing. Progress goes to the job every chunk.

Imported petitions carry the events the workflow would have written, at the ledger's dates
(registered at the received date, accepted/declined at the decision date, assigned, replied
with ``on_time`` against the statutory handling period computed by tongxin.lib.periods with
the work calendar, rated or closed), hash-chained as petitions.events does, so that the
KPIs of past years and ``verify_petition_chain`` see them like any other petition.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring  # type: ignore[attr-defined]

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from audit.hashing import GENESIS
from core.calendar import work_calendar
from core.crypto import encrypt
from ledger.bulk import Record, RowTemplate, Table, bulk_session, reserve_ids, update_many
from ledger.fields import (
    CODE_LABELS,
    DATE_FIELDS,
    DEFAULT_DATE_LAYOUTS,
    FIELD_BY_KEY,
    FIELDS,
    DateError,
    known_labels,
    lookup_code,
    parse_date,
)
from ledger.models import ImportedRow, LedgerRun, LedgerSource
from ledger.reading import MAX_CELL_CHARS, LedgerFile, cell_text, is_blank
from orgs.choices import Role
from orgs.models import RoleAssignment, Unit, User
from petitions.choices import Channel, DueKind, Flag, RiskLevel, State
from petitions.events import Kind
from petitions.models import NumberSequence, Petition, PetitionerIdentity, PetitionEvent
from petitions.policy import policy_for
from tongxin.lib.periods import SHANGHAI, PeriodPolicy, due_at, local_date

logger = logging.getLogger(__name__)

CHUNK = 500  # rows validated (and progress reported) at a time
WRITE_BATCH = 2000  # valid new rows written per transaction
EARLIEST = datetime(2000, 1, 1, tzinfo=SHANGHAI)
TITLE_CHARS = 30
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^[0-9+\-() 转/]{3,30}$")
_ID_NUMBER = re.compile(r"^(\d{17}[\dX]|\d{15})$")
_PEOPLE = re.compile(r"^(\d{1,5})\s*人?$")
# States in which the matter went through assignment (交办) to a handling unit.
ASSIGNED_STATES = ("handling", "replied", "closed")
CHANNEL_LABELS = {code: str(label) for code, label in Channel.choices}


# --- the plan of a run ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The mapping in force for one run, resolved against the file's headers."""

    columns: dict[str, int]  # field → 0-based column index
    fixed: dict[str, str]  # coded field → code for the whole file
    date_layouts: tuple[str, ...]
    aliases: dict[str, dict[str, str]]
    accept_on_receipt: bool
    width: int  # number of header columns

    @classmethod
    def build(cls, settings: dict, headers: list[str]) -> Plan:
        index = {h: i for i, h in enumerate(headers)}
        columns = {}
        for key, header in (settings.get("mapping") or {}).items():
            if key in FIELD_BY_KEY and header in index:
                columns[key] = index[header]
        return cls(
            columns=columns,
            fixed={k: v for k, v in (settings.get("fixed") or {}).items() if k in FIELD_BY_KEY and v},
            date_layouts=tuple(settings.get("date_formats") or DEFAULT_DATE_LAYOUTS),
            aliases=settings.get("aliases") or {},
            accept_on_receipt=bool(settings.get("accept_on_receipt")),
            width=len(headers),
        )

    def missing(self) -> list[str]:
        """Required fields with neither a column nor a value for the whole file."""
        return [f.label for f in FIELDS if f.required and f.key not in self.columns and f.key not in self.fixed]


def settings_of(source: LedgerSource) -> dict:
    return {
        "mapping": dict(source.mapping or {}),
        "fixed": dict(source.fixed or {}),
        "date_formats": list(source.date_formats or DEFAULT_DATE_LAYOUTS),
        "aliases": dict(source.aliases or {}),
        "accept_on_receipt": source.accept_on_receipt,
    }


# --- a validated row -----------------------------------------------------------------------------


@dataclass
class LedgerRow:
    number: int
    key: str
    hash: str
    legacy_number: str
    state: str
    received: datetime
    accepted: datetime | None
    replied: datetime | None
    closed: datetime | None
    title: str
    content: str
    category: str
    ptype: str
    channel: str
    people_count: int
    unit: Unit
    handling_unit: Unit | None
    handler: User | None
    handler_name: str
    name: str = ""
    phone: str = ""
    id_number: str = ""
    address: str = ""
    decline_reason: str = ""
    reply_outcome: str = ""
    reply_text: str = ""
    rating: str = ""


def _nfkc(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _digest(values: Iterable) -> str:
    return hashlib.sha256("\x1f".join("" if v is None else str(v) for v in values).encode()).hexdigest()


class RowValidator:
    """Validates one row at a time; units, handlers and policies are looked up once per run."""

    def __init__(self, *, source: LedgerSource, plan: Plan, now: datetime) -> None:
        self.source = source
        self.plan = plan
        self.now = now
        units = list(Unit.objects.subtree_of(source.unit))
        self.units_by_pk = {u.pk: u for u in units}
        self._units: dict[str, list[Unit]] = {}
        for unit in units:
            for label in {unit.code, unit.name, unit.short_name}:
                if label:
                    bucket = self._units.setdefault(_nfkc(label).upper(), [])
                    if unit not in bucket:
                        bucket.append(unit)
        self._handlers = self._load_handlers(units)
        self._handler_cache: dict[tuple[str, int], User | None] = {}
        self._dates: dict[object, datetime | str] = {}
        self._codes: dict[tuple[str, str], str | None] = {}

    # --- look-ups --------------------------------------------------------------------------

    def _load_handlers(self, units: list[Unit]) -> list[tuple[User, str, str]]:
        """(user, path of the unit where the role is held, path of the home unit) of every
        承办人 whose role reaches into the source's subtree (held there or above it)."""
        root = self.source.unit.path
        prefixes = [root[:i] for i in range(4, len(root), 4)]
        rows = (
            RoleAssignment.objects.filter(role=Role.HANDLER, user__is_active=True)
            .filter(unit__path__startswith=root)
            .select_related("user", "unit", "user__home_unit")
        )
        above = RoleAssignment.objects.filter(role=Role.HANDLER, user__is_active=True, unit__path__in=prefixes)
        out = []
        for ra in list(rows) + list(above.select_related("user", "unit", "user__home_unit")):
            home = ra.user.home_unit.path if ra.user.home_unit_id else ""
            out.append((ra.user, ra.unit.path, home))
        return out

    def unit(self, text: str) -> tuple[Unit | None, str]:
        found = self._units.get(_nfkc(text).upper(), [])
        if len(found) == 1:
            return found[0], ""
        if not found:
            return None, f"“{text}”不是{self.source.unit.name}或其下级单位的代码或名称"
        return None, f"“{text}”对应多个单位（{'、'.join(u.code for u in found)}），请填写单位代码"

    def handler(self, text: str, unit: Unit) -> User | None:
        """The one 承办人 of ``unit`` with this 工号 or name, else None."""
        cache_key = (text, unit.pk)
        if cache_key in self._handler_cache:
            return self._handler_cache[cache_key]
        wanted = _nfkc(text)
        matches = {}
        for user, role_path, home_path in self._handlers:
            if wanted not in (user.employee_no, _nfkc(user.name)) and wanted.upper() != user.employee_no.upper():
                continue
            # has_role(HANDLER, unit), or a handler whose home unit lies within the unit.
            if unit.path.startswith(role_path) or (home_path and home_path.startswith(unit.path)):
                matches[user.pk] = user
        found = next(iter(matches.values())) if len(matches) == 1 else None
        self._handler_cache[cache_key] = found
        return found

    # --- cells -----------------------------------------------------------------------------

    def _cell(self, values: list, key: str, errors: list[str]):
        index = self.plan.columns.get(key)
        if index is None or index >= len(values):
            return None
        value = values[index]
        if isinstance(value, str):
            value = value.strip()
            if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
                value = value[1:]  # our own report's neutralising quote, back off
            label = FIELD_BY_KEY[key].label
            if value.startswith("="):
                errors.append(f"{label}：“{value[:30]}”是公式或以等号开头，请改为文本（复制后“选择性粘贴→数值”）")
                return None
            if _CONTROL.search(value):
                errors.append(f"{label}：含有不可见的控制字符")
                return None
            if len(value) > MAX_CELL_CHARS:
                errors.append(f"{label}：内容超过{MAX_CELL_CHARS}个字")
                return None
            return value or None
        return value

    def _text(self, values: list, key: str, errors: list[str], *, limit: int) -> str:
        value = self._cell(values, key, errors)
        if value is None:
            return ""
        text = cell_text(value)
        if len(text) > limit:
            errors.append(f"{FIELD_BY_KEY[key].label}：超过{limit}个字")
            return ""
        return text

    def _code(self, values: list, key: str, errors: list[str], *, required: bool) -> str:
        if key not in self.plan.columns and key in self.plan.fixed:
            return self.plan.fixed[key]
        value = self._cell(values, key, errors)
        label = FIELD_BY_KEY[key].label
        if value is None:
            if required:
                errors.append(f"{label}：不能为空")
            return ""
        text = cell_text(value)
        cache_key = (key, text)
        code = self._codes.get(cache_key, "?")
        if code == "?":
            code = lookup_code(key, text, self.plan.aliases.get(key))
            if len(self._codes) < 100_000:
                self._codes[cache_key] = code
        if code is None or code not in CODE_LABELS[key]:
            errors.append(f"{label}：无法识别“{text[:30]}”（可填：{known_labels(key)}；或在映射页的“用语对照”中指定）")
            return ""
        return code

    def _date(self, values: list, key: str, errors: list[str]) -> datetime | None:
        value = self._cell(values, key, errors)
        if value is None:
            return None
        # A ledger has a few thousand distinct dates: parse each once.
        cached = self._dates.get(value)
        if cached is None:
            try:
                at = parse_date(value, self.plan.date_layouts)
            except DateError as exc:
                cached = str(exc)
            else:
                if at < EARLIEST:
                    cached = f"{local_date(at)}早于{EARLIEST.year}年"
                elif at > self.now:
                    cached = f"{local_date(at)}晚于今天"
                else:
                    cached = at
            if len(self._dates) < 100_000:
                self._dates[value] = cached
        if isinstance(cached, str):
            errors.append(f"{FIELD_BY_KEY[key].label}：{cached}")
            return None
        return cached

    # --- the row ---------------------------------------------------------------------------

    def validate(self, number: int, values: list) -> LedgerRow | list[str]:
        errors: list[str] = []
        plan = self.plan
        for index in range(plan.width, len(values)):
            if cell_text(values[index]):
                errors.append(f"第{index + 1}列在表头以外却有内容（“{cell_text(values[index])[:20]}”）")
                break
        legacy = _nfkc(self._text(values, "legacy_number", errors, limit=100))
        name = self._text(values, "name", errors, limit=50)
        phone = self._text(values, "phone", errors, limit=30)
        if phone and not _PHONE.match(phone):
            errors.append(f"联系电话：“{phone}”不是电话号码")
        id_number = self._text(values, "id_number", errors, limit=30).upper()
        if id_number and not _ID_NUMBER.match(id_number):
            errors.append(f"身份证号：“{id_number}”不是15位或18位身份证号")
        address = self._text(values, "address", errors, limit=200)
        content = self._text(values, "content", errors, limit=20000)
        if not content and "content" in plan.columns and not any(e.startswith("诉求内容") for e in errors):
            errors.append("诉求内容：不能为空")
        elif content and len(content) < 2:
            errors.append("诉求内容：过短")
        title = self._text(values, "title", errors, limit=120)
        if not title and content:
            first = content.splitlines()[0].strip()
            title = first[:TITLE_CHARS] + ("…" if len(first) > TITLE_CHARS else "")
        elif title and len(title) < 2:
            errors.append("标题：至少2个字")
        category = self._code(values, "category", errors, required=True)
        ptype = self._code(values, "ptype", errors, required=True)
        channel = self._code(values, "channel", errors, required=True)
        state = self._code(values, "state", errors, required=True)
        rating = self._code(values, "rating", errors, required=False)
        reply_outcome = self._code(values, "reply_outcome", errors, required=False)
        decline_reason = self._code(values, "decline_reason", errors, required=False)
        reply_text = self._text(values, "reply_text", errors, limit=20000)

        people_count = 1
        people = self._cell(values, "people_count", errors)
        if people is not None:
            text = cell_text(people)
            m = _PEOPLE.match(text)
            if m is None or not (1 <= int(m.group(1)) <= 10000):
                errors.append(f"人数：“{text[:20]}”不是1以上的整数")
            else:
                people_count = int(m.group(1))

        dates = {key: self._date(values, key, errors) for key in DATE_FIELDS}
        received, accepted, replied, closed = (dates[k] for k in DATE_FIELDS)
        if received is None and not any(e.startswith("收到日期") for e in errors):
            errors.append("收到日期：不能为空")
        if accepted is None and plan.accept_on_receipt and state not in ("", "registered"):
            accepted = received
        handler_text = self._text(values, "handler", errors, limit=50)
        assigned = state in ASSIGNED_STATES or (state == "withdrawn" and accepted is not None and bool(handler_text))

        unit = self.source.unit
        unit_text = self._text(values, "unit", errors, limit=100)
        if unit_text:
            found, problem = self.unit(unit_text)
            if found is None:
                errors.append(f"受理单位：{problem}")
            else:
                unit = found
        handling_unit: Unit | None = None
        handling_text = self._text(values, "handling_unit", errors, limit=100)
        if handling_text:
            handling_unit, problem = self.unit(handling_text)
            if handling_unit is None:
                errors.append(f"承办单位：{problem}")
            elif not handling_unit.is_within(unit):
                errors.append(f"承办单位：{handling_unit.name}不是受理单位{unit.name}或其下级单位")
                handling_unit = None
        if handling_unit is None and assigned and not handling_text:
            handling_unit = unit  # no 承办单位 in the ledger: handled by the receiving unit itself

        handler = None
        if handler_text and handling_unit is not None and state:
            handler = self.handler(handler_text, handling_unit)
            if handler is None and state == "handling":
                errors.append(f"承办人：“{handler_text}”不是{handling_unit.name}在系统中的承办人（办理中的事项须对应到系统中的承办人）")
        if state:
            self._check_state(state, errors, accepted=accepted, replied=replied, closed=closed, rating=rating,
                              handler_text=handler_text, reply_outcome=reply_outcome, decline_reason=decline_reason,
                              unit=unit, handling_unit=handling_unit)
        ordered = [("收到日期", received), ("受理日期", accepted), ("答复（办结）日期", replied),
                   ("评价/结案日期", closed)]
        previous = None
        for label, at in ordered:
            if at is None:
                continue
            if previous is not None and at < previous[1]:
                errors.append(f"{label}{local_date(at)}早于{previous[0]}{local_date(previous[1])}")
            previous = (label, at)

        if errors:
            return errors
        assert received is not None
        canonical = [
            legacy, received.isoformat(), accepted and accepted.isoformat(), replied and replied.isoformat(),
            closed and closed.isoformat(), name, phone, id_number, address, title, content, category, ptype, channel,
            people_count, unit.code, handling_unit.code if handling_unit else "", handler_text, state,
            decline_reason, reply_outcome, reply_text, rating,
        ]
        if legacy:
            key = "n:" + legacy.upper()
        else:
            key = "h:" + _digest([received.isoformat(), _nfkc(name), _nfkc(content)])
        return LedgerRow(
            number=number, key=key, hash=_digest(canonical), legacy_number=legacy, state=state,
            received=received, accepted=accepted, replied=replied, closed=closed, title=title, content=content,
            category=category, ptype=ptype, channel=channel, people_count=people_count, unit=unit,
            handling_unit=handling_unit, handler=handler, handler_name=handler_text, name=name, phone=phone,
            id_number=id_number, address=address, decline_reason=decline_reason, reply_outcome=reply_outcome,
            reply_text=reply_text, rating=rating,
        )

    def _check_state(self, state: str, errors: list[str], *, accepted, replied, closed, rating, handler_text,
                     reply_outcome, decline_reason, unit: Unit, handling_unit: Unit | None) -> None:
        label = CODE_LABELS["state"][state]
        if state == "registered":
            if accepted is not None:
                errors.append(f"办理状态为“{label}”，却填有受理日期")
        elif accepted is None:
            errors.append(f"受理日期：办理状态为“{label}”的事项须有受理（或不予受理）日期")
        if state not in ("replied", "closed", "withdrawn") and replied is not None:
            errors.append(f"办理状态为“{label}”，却填有答复（办结）日期")
        if state in ("replied", "closed") and replied is None:
            errors.append(f"答复（办结）日期：办理状态为“{label}”的事项须有答复日期")
        if state == "withdrawn" and replied is None and closed is None:
            errors.append("评价/结案日期：已撤回的事项须有撤回日期（评价/结案日期或答复日期）")
        if state not in ("closed", "withdrawn") and closed is not None:
            errors.append(f"办理状态为“{label}”，却填有评价/结案日期")
        if rating and state != "closed":
            errors.append(f"满意度：办理状态为“{label}”的事项不应有评价（已评价的事项为已办结）")
        if reply_outcome and state not in ("replied", "closed"):
            errors.append(f"处理结论：办理状态为“{label}”的事项还没有答复")
        if decline_reason and state != "not_accepted":
            errors.append(f"不予受理理由：办理状态为“{label}”")
        if state == "accepted" and handler_text:
            errors.append("承办人：已受理待交办的事项不应有承办人（已交办的请填“办理中”）")
        if handler_text and accepted is None and state != "accepted":
            errors.append(f"承办人：办理状态为“{label}”且未受理的事项不应有承办人")
        if state in ("registered", "accepted", "handling") and not unit.is_active:
            errors.append(f"受理单位：{unit.name}已停用，不能导入在办事项")
        if state == "handling" and handling_unit is not None and not handling_unit.is_active:
            errors.append(f"承办单位：{handling_unit.name}已停用，不能导入在办事项")
        if state == "handling" and not handler_text:
            errors.append("承办人：办理中的事项须有承办人")


# --- building petitions --------------------------------------------------------------------------


@dataclass
class Built:
    petition: Record  # the petition's row (column attnames → values)
    events: list[tuple]  # (kind, at, from_state, to_state, note, data)
    row: LedgerRow


class Builder:
    """Turns a valid row into a petition row and its history (the workflow's fields and events)."""

    def __init__(self, *, source: LedgerSource, now: datetime) -> None:
        self.source = source
        self.cal = work_calendar()
        self.template = RowTemplate(Petition, now)
        self._policies: dict[int, PeriodPolicy] = {}
        self._due: dict[tuple, datetime] = {}
        self._iso: dict[datetime, str] = {}

    def due(self, at: datetime, period) -> datetime:
        """tongxin.lib.periods.due_at, memoised by day (a ledger has a few thousand days)."""
        key = (local_date(at), period)
        found = self._due.get(key)
        if found is None:
            found = self._due[key] = due_at(at, period, self.cal)
        return found

    def iso(self, at: datetime) -> str:
        found = self._iso.get(at)
        if found is None:
            found = self._iso[at] = _utc_iso(at)
        return found

    def policy(self, unit: Unit) -> PeriodPolicy:
        policy = self._policies.get(unit.pk)
        if policy is None:
            policy = self._policies[unit.pk] = policy_for(unit)
        return policy

    def build(self, row: LedgerRow, number: str) -> Built:
        flags = [str(Flag.COLLECTIVE)] if row.people_count >= 5 else []
        risk = str(RiskLevel.MEDIUM if flags else RiskLevel.LOW)
        policy = self.policy(row.unit)
        p = self.template.new(
            number=number, channel=row.channel, title=row.title, content=row.content, category=row.category,
            ptype=row.ptype, risk_level=risk, flags=flags, is_anonymous=not row.name,
            people_count=row.people_count, received_at=row.received, unit_id=row.unit.pk,
            handling_unit_id=row.handling_unit.pk if row.handling_unit else None,
        )
        p.acceptance_due_at = self.due(row.received, policy.acceptance)
        p.due_kind, p.due_at = str(DueKind.ACCEPTANCE), p.acceptance_due_at
        events: list[tuple] = [(
            Kind.REGISTERED, row.received, "", State.REGISTERED, f"经{CHANNEL_LABELS[row.channel]}收到（据台账导入）",
            {"channel": row.channel, "attachments": [], "people_count": row.people_count,
             "acceptance_due_at": p.acceptance_due_at.isoformat(), "risk": risk, "flags": flags,
             "ledger": {"source": self.source.name, "legacy_number": row.legacy_number, "row": row.number}},
        )]
        state = State.REGISTERED

        def move(kind: str, at: datetime, to: str, note: str, data: dict) -> None:
            nonlocal state
            events.append((kind, at, state, to, note, data))
            state = to

        if row.state == "not_accepted":
            assert row.accepted is not None
            p.decision_reason = row.decline_reason
            p.closed_at = row.accepted
            p.due_kind, p.due_at = "", None
            move(Kind.DECLINED, row.accepted, State.NOT_ACCEPTED, "据台账：不予受理",
                 {"reason": row.decline_reason, "legal_channel": "", "on_time": row.accepted < p.acceptance_due_at})
        elif row.accepted is not None:
            p.accepted_at = row.accepted
            p.handling_due_at = self.due(row.accepted, policy.handling)
            p.due_kind, p.due_at = str(DueKind.HANDLING), p.handling_due_at
            move(Kind.ACCEPTED, row.accepted, State.ACCEPTED, "据台账：已受理",
                 {"handling_due_at": p.handling_due_at.isoformat(), "period": str(policy.handling),
                  "on_time": row.accepted < p.acceptance_due_at})
            if row.state in ASSIGNED_STATES or (row.state == "withdrawn" and row.handler_name):
                assert row.handling_unit is not None
                p.handler_id = row.handler.pk if row.handler else None
                move(Kind.ASSIGNED, row.accepted, State.HANDLING, "据台账：交办",
                     {"handling_unit": row.handling_unit.code, "handler": row.handler.pk if row.handler else None,
                      "leader": None, "handler_name": row.handler.name if row.handler else row.handler_name,
                      "leader_name": ""})
            if row.state in ("replied", "closed"):
                assert row.replied is not None and row.handling_unit is not None
                p.reply_outcome, p.reply_text, p.replied_at = row.reply_outcome, row.reply_text, row.replied
                p.review_request_due_at = self.due(row.replied, self.policy(row.handling_unit).review_request)
                p.due_kind, p.due_at = str(DueKind.REVIEW_REQUEST), p.review_request_due_at
                move(Kind.REPLIED, row.replied, State.REPLIED, row.reply_text or "据台账：已答复",
                     {"outcome": row.reply_outcome, "on_time": row.replied < p.handling_due_at})
            if row.state == "closed":
                end = row.closed or row.replied
                assert end is not None
                p.closed_at = end
                p.due_kind, p.due_at = "", None
                if row.rating:
                    p.rating, p.rated_at = row.rating, end
                    move(Kind.RATED, end, State.CLOSED, "",
                         {"rating": row.rating, "window_until": p.review_request_due_at.isoformat()})
                else:
                    move(Kind.CLOSED, end, State.CLOSED, "据台账：已办结", {})
        if row.state == "withdrawn":
            end = row.closed or row.replied
            assert end is not None
            p.closed_at = end
            p.due_kind, p.due_at = "", None
            move(Kind.WITHDRAWN, end, State.WITHDRAWN, "据台账：信访人撤回", {})
        p.state = str(state)
        p.version = len(events) - 1
        return Built(petition=p, events=events, row=row)


_text = encode_basestring  # json.dumps(value, ensure_ascii=False) of a str, in C


def chain(built: Built, iso: Callable[[datetime], str] | None = None) -> list[tuple]:
    """The petition's event rows with their hashes (needs the petition's primary key), in the
    column order of ``EVENT_FIELDS``, the data as JSON text.

    The hash is audit.hashing.chain_hash of PetitionEvent.payload(): its canonical JSON (keys
    sorted, compact, non-ASCII kept, datetimes as UTC ISO) is assembled here from the parts,
    the data being serialised once for both the hash and the column (tests check the result
    against chain_hash and verify_petition_chain)."""
    iso = iso or _utc_iso
    p = built.petition
    pk = p.id
    prev = GENESIS
    out = []
    for seq, (kind, at, from_state, to_state, note, data) in enumerate(built.events, start=1):
        kind, from_state, to_state = str(kind), str(from_state), str(to_state)
        data_text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        canonical = (
            f'{{"actor":null,"at":{_text(iso(at))},"data":{data_text},"from":{_text(from_state)},'
            f'"kind":{_text(kind)},"note":{_text(note)},"petition":{pk},"public":true,"seq":{seq},'
            f'"to":{_text(to_state)}}}'
        )
        digest = hashlib.sha256(prev.encode() + b"|" + canonical.encode()).hexdigest()
        out.append((pk, seq, kind, at, None, from_state, to_state, note, data_text, True, prev, digest))
        prev = digest
    p.event_seq, p.event_head = len(out), prev
    return out


def _utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


EVENT_FIELDS = ("petition", "seq", "kind", "at", "actor", "from_state", "to_state", "note", "data", "public",
                "prev_hash", "hash")
IDENTITY_FIELDS = ("petition", "name_enc", "phone_enc", "id_number_enc", "address_enc", "employee_no_enc",
                   "representatives_enc")
KEY_FIELDS = ("source", "row_key", "row_hash", "legacy_number", "petition", "run", "row_number", "imported_at")


def identity_row(row: LedgerRow, petition_id: int) -> tuple | None:
    if not (row.name or row.phone or row.id_number or row.address):
        return None
    return (petition_id, encrypt(row.name), encrypt(row.phone), encrypt(row.id_number), encrypt(row.address), "", "")


def reserve_numbers(years: Counter) -> dict[int, list[str]]:
    """Draw a block of 信访编号 per year at once (inside the caller's transaction)."""
    out: dict[int, list[str]] = {}
    for year, count in sorted(years.items()):
        NumberSequence.objects.get_or_create(year=year, defaults={"last": 0})
        NumberSequence.objects.filter(year=year).update(last=F("last") + count)
        last = NumberSequence.objects.values_list("last", flat=True).get(year=year)
        out[year] = [f"XF-{year}-{n:06d}" for n in range(last, last - count, -1)]  # pop() takes the lowest
    return out


def write_rows(rows: list[LedgerRow], *, builder: Builder, run: LedgerRun, now: datetime) -> None:
    """Write valid rows in one transaction, all or nothing: petitions (numbers drawn per year
    of receipt), their events, identities and keys."""
    with transaction.atomic():
        numbers = reserve_numbers(Counter(local_date(r.received).year for r in rows))
        built = [builder.build(r, numbers[local_date(r.received).year].pop()) for r in rows]
        template = builder.template
        petitions = Table(Petition, template.fields)
        ids = reserve_ids(Petition, len(built))
        events: list[tuple] = []
        if ids is not None:
            # Keys first: the events (and the petition's chain head) are complete before the insert.
            fields = [Petition._meta.pk, *template.fields]
            petitions = Table(Petition, fields)
            for b, pk in zip(built, ids, strict=True):
                b.petition.id = pk
                events.extend(chain(b, builder.iso))
            petitions.insert((b.petition.id, *template.values(b.petition)) for b in built)
        else:
            petitions.insert(template.values(b.petition) for b in built)
            found = dict(Petition.objects.filter(number__in=[b.petition.number for b in built])
                         .values_list("number", "id"))
            for b in built:
                b.petition.id = found[b.petition.number]
                events.extend(chain(b, builder.iso))
            update_many(Petition, ("event_seq", "event_head"),
                        [(b.petition.event_seq, b.petition.event_head, b.petition.id) for b in built])
        Table(PetitionEvent, EVENT_FIELDS, ready=("data",)).insert(events)
        Table(PetitionerIdentity, IDENTITY_FIELDS).insert(
            r for b in built if (r := identity_row(b.row, b.petition.id)) is not None
        )
        Table(ImportedRow, KEY_FIELDS).insert(
            (builder.source.pk, b.row.key, b.row.hash, b.row.legacy_number, b.petition.id, run.pk, b.row.number, now)
            for b in built
        )


# --- the run -------------------------------------------------------------------------------------


@dataclass
class Summary:
    dry_run: bool
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    changed: int = 0  # already imported, but the row now says something else (not applied)
    failed: int = 0
    blank: int = 0
    handlers_unlinked: int = 0
    states: Counter = field(default_factory=Counter)
    years: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run, "rows": self.rows, "created": self.created, "unchanged": self.unchanged,
            "changed": self.changed, "failed": self.failed, "blank": self.blank,
            "handlers_unlinked": self.handlers_unlinked,
            "states": dict(sorted(self.states.items())), "years": {str(k): v for k, v in sorted(self.years.items())},
        }

    def message(self) -> str:
        verb = "可新建" if self.dry_run else "新建"
        text = f"{verb}{self.created}件，已导入过{self.unchanged}件，失败{self.failed}行"
        if self.changed:
            text += f"（其中{self.changed}行与上次导入的内容不同，未更新）"
        return ("试导入（未写入）：" if self.dry_run else "导入完成：") + text


class Reporter:
    """Where failed rows go (ledger.report writes the .xlsx)."""

    def add(self, number: int, values: list, messages: list[str], *, note: bool = False) -> None:  # pragma: no cover
        raise NotImplementedError


def known_keys(source: LedgerSource, keys: list[str]) -> dict[str, tuple[str, str]]:
    """Keys of this source imported before: key → (row hash, 信访编号)."""
    return {
        key: (row_hash, number)
        for key, row_hash, number in ImportedRow.objects.filter(source=source, row_key__in=keys).values_list(
            "row_key", "row_hash", "petition__number")
    }


def import_rows(
    *,
    ledger: LedgerFile,
    sheet: str,
    header_row: int,
    headers: list[str],
    source: LedgerSource,
    settings: dict,
    run: LedgerRun | None,
    dry_run: bool,
    reporter: Reporter,
    progress: Callable[[int, int | None], None] | None = None,
    total: int | None = None,
    now: datetime | None = None,
) -> Summary:
    """Validate every row of ``ledger`` and (unless ``dry_run``) import the valid new ones."""
    now = now or timezone.now()
    plan = Plan.build(settings, headers)
    summary = Summary(dry_run=dry_run)
    missing = plan.missing()
    if missing:
        raise ValueError(f"未指定对应的列：{'、'.join(missing)}")
    validator = RowValidator(source=source, plan=plan, now=now)
    builder = Builder(source=source, now=now)
    seen: dict[str, tuple[int, str]] = {}
    chunk: list[tuple[int, list]] = []
    pending: list[tuple[LedgerRow, list]] = []

    def flush() -> None:
        rows: list[tuple[LedgerRow, list]] = []
        for number, values in chunk:
            result = validator.validate(number, values)
            if isinstance(result, list):
                summary.failed += 1
                reporter.add(number, values, result)
                continue
            first = seen.get(result.key)
            if first is not None:
                if first[1] == result.hash:
                    summary.unchanged += 1
                else:
                    summary.failed += 1
                    reporter.add(number, values, [f"与第{first[0]}行的编号（或日期、姓名、内容）相同，但其他内容不同"])
                continue
            seen[result.key] = (number, result.hash)
            rows.append((result, values))
        known = known_keys(source, [r.key for r, _ in rows]) if rows else {}
        fresh: list[tuple[LedgerRow, list]] = []
        for row, values in rows:
            if row.key in known:
                summary.unchanged += 1
                row_hash, number = known[row.key]
                if row_hash != row.hash:
                    summary.changed += 1
                    reporter.add(row.number, values, [
                        f"【提示】该行已于此前导入为{number}；本次内容与当时不同，系统不会修改已导入的事项，"
                        "如需更正请在该事项页面办理"], note=True)
                continue
            fresh.append((row, values))
        pending.extend(fresh)
        if len(pending) >= WRITE_BATCH:
            write_pending()
        chunk.clear()

    def write_pending() -> None:
        rows = list(pending)
        pending.clear()
        if rows and not dry_run:
            assert run is not None
            rows = _write(rows, builder=builder, run=run, now=now, summary=summary, reporter=reporter)
        for row, _values in rows:
            summary.created += 1
            summary.states[row.state] += 1
            summary.years[local_date(row.received).year] += 1
            if row.handler_name and row.handler is None:
                summary.handlers_unlinked += 1

    with bulk_session():
        for number, values in ledger.rows(sheet):
            if number <= header_row:
                continue
            if is_blank(values):
                summary.blank += 1
                continue
            summary.rows += 1
            chunk.append((number, values))
            if len(chunk) >= CHUNK:
                flush()
                if progress is not None:
                    progress(summary.rows, total)
        flush()
        write_pending()
    if progress is not None:
        progress(summary.rows, total)
    return summary


def _write(fresh, *, builder: Builder, run: LedgerRun, now: datetime, summary: Summary, reporter: Reporter):
    """Bulk write; on a database error, row by row so that only the failing rows fail."""
    try:
        write_rows([r for r, _ in fresh], builder=builder, run=run, now=now)
        return fresh
    except (IntegrityError, DatabaseError) as exc:
        logger.info("ledger chunk rolled back, retrying row by row: %r", exc)
    written = []
    for row, values in fresh:
        try:
            write_rows([row], builder=builder, run=run, now=now)
        except IntegrityError:
            existing = ImportedRow.objects.filter(source=builder.source, row_key=row.key).first()
            if existing is not None:  # imported meanwhile by another run
                summary.unchanged += 1
                continue
            summary.failed += 1
            reporter.add(row.number, values, ["写入数据库失败（数据冲突），该行未导入"])
            continue
        except DatabaseError as exc:
            logger.warning("ledger row %s failed: %r", row.number, exc)
            summary.failed += 1
            reporter.add(row.number, values, ["写入数据库失败，该行未导入"])
            continue
        written.append((row, values))
    return written
