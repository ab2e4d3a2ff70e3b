"""Intake: online submission by employees and registration by petition officers (第十七条–第二十一条)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from django.db import transaction
from django.utils import timezone

from core.calendar import work_calendar
from core.errors import InvalidInput, NotAllowed
from orgs.models import Unit, User
from petitions.choices import Category, Channel, DueKind, Flag, PetitionType, RiskLevel, State
from petitions.events import Kind, append_event
from petitions.identity import Identity, seal
from petitions.models import Attachment, Petition, PetitionerIdentity
from petitions.notify import notify_petitioner, notify_user
from petitions.numbering import assign_number, ensure_year, provisional_number
from petitions.policy import policy_for
from petitions.rules import DESK_ROLES, Actor
from petitions.selectors import visible_to
from petitions.uploads import CheckedFile, check_upload
from tongxin.lib.periods import due_at
from tongxin.lib.textsim import jaccard

# Argon2id, moderately slow: a stolen database does not yield receipt codes cheaply.
RECEIPT_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
RECEIPT_DIGITS = 16
LOOKUP_DIGITS = 6
SAME_MATTER_SIMILARITY = 0.5
MAX_ATTACHMENTS = 10


@dataclass
class PetitionDraft:
    """What a petition says, as entered on any channel."""

    title: str
    content: str
    category: str
    unit: Unit
    ptype: str = PetitionType.REQUEST
    channel: str = Channel.ONLINE
    identity: Identity = field(default_factory=Identity)
    anonymous: bool = False
    people_count: int = 1
    accused_user: User | None = None
    accused_unit: Unit | None = None
    flags: list[str] = field(default_factory=list)
    received_at: datetime | None = None


@dataclass
class IntakeResult:
    petition: Petition
    receipt_code: str | None  # shown once, never stored in clear


def _validate(draft: PetitionDraft, max_reps: int) -> None:
    errors = []
    if not (2 <= len(draft.title.strip()) <= 120):
        errors.append("标题须为2至120个字")
    if len(draft.content.strip()) < 10:
        errors.append("请把诉求、事实和理由写清楚（至少10个字）")
    if len(draft.content) > 20000:
        errors.append("诉求内容不能超过20000字，可作为附件上传")
    if draft.category not in Category.values:
        errors.append("请选择内容分类")
    if draft.ptype not in PetitionType.values:
        errors.append("请选择信访性质")
    if draft.channel not in Channel.values:
        errors.append("请选择信访渠道")
    if draft.people_count < 1:
        errors.append("人数至少为1")
    if len(draft.identity.representatives) > max_reps:
        errors.append(f"多人走访的，推选代表不超过{max_reps}人（第二十条第三款）")
    if not draft.anonymous and not draft.identity.name.strip():
        errors.append("实名信访须填写姓名")
    if draft.ptype != PetitionType.ACCUSATION and (draft.accused_user or draft.accused_unit):
        errors.append("只有检举控告类信访可以填写被检举人")
    if errors:
        raise InvalidInput("invalid_petition", "；".join(errors), errors=errors)


def _find_final_same_matter(petitioner: User | None, draft: PetitionDraft) -> Petition | None:
    """After 复核 the same facts and reasons are not accepted again (第三十六条第三款)."""
    if petitioner is None:
        return None
    finals = Petition.objects.filter(petitioner=petitioner, state=State.FINAL, category=draft.category).only(
        "number", "content"
    )
    for final in finals:
        if jaccard(final.content, draft.content) >= SAME_MATTER_SIMILARITY:
            return final
    return None


def _risk(draft: PetitionDraft) -> tuple[str, list[str]]:
    flags = set(draft.flags)
    if draft.people_count >= 5:
        flags.add(Flag.COLLECTIVE)
    if draft.ptype == PetitionType.ACCUSATION and draft.accused_user is not None:
        flags.add(Flag.IDENTITY_SENSITIVE)
    level = RiskLevel.LOW
    if flags & {Flag.COLLECTIVE, Flag.SKIP_LEVEL, Flag.SAFETY_HAZARD, Flag.REPEAT}:
        level = RiskLevel.MEDIUM
    if Flag.EXTREME in flags or Flag.URGENT in flags:
        level = RiskLevel.HIGH
    return level, sorted(flags)


def _new_receipt() -> tuple[str, str, str]:
    code = "".join(secrets.choice("0123456789") for _ in range(RECEIPT_DIGITS))
    return code, code[:LOOKUP_DIGITS], RECEIPT_HASHER.hash(code)


def _create(
    draft: PetitionDraft,
    *,
    petitioner: User | None,
    registered_by: User | None,
    files: list[CheckedFile],
    now: datetime,
) -> IntakeResult:
    policy = policy_for(draft.unit)
    _validate(draft, policy.max_visit_representatives)
    # An anonymous submission is never tied to the account that typed it (DESIGN §4).
    final = None if draft.anonymous else _find_final_same_matter(petitioner, draft)
    if final is not None:
        raise InvalidInput(
            "final_same_matter",
            f"您反映的事项已于{final.number}经复核终结。依照《信访工作条例》第三十六条第三款，"
            "以同一事实和理由再次提出的，不再受理。如有新的事实和理由，请在诉求中写明。",
            final_number=final.number,
        )
    if len(files) > MAX_ATTACHMENTS:
        raise InvalidInput("too_many_files", f"附件最多{MAX_ATTACHMENTS}个")
    risk, flags = _risk(draft)
    received = draft.received_at or now
    receipt_code = lookup = receipt_hash = ""
    if draft.anonymous:
        receipt_code, lookup, receipt_hash = _new_receipt()
    ensure_year(now)
    # The real number is drawn last (numbering.assign_number): until then the petition carries a
    # provisional one, which no other transaction ever sees.
    petition = Petition(
        number=provisional_number(),
        channel=draft.channel,
        title=draft.title.strip(),
        content=draft.content.strip(),
        category=draft.category,
        ptype=draft.ptype,
        risk_level=risk,
        flags=flags,
        state=State.REGISTERED,
        petitioner=None if draft.anonymous else petitioner,
        is_anonymous=draft.anonymous,
        receipt_lookup=lookup,
        receipt_hash=receipt_hash,
        people_count=draft.people_count,
        registered_by=registered_by,
        received_at=received,
        unit=draft.unit,
        accused_user=draft.accused_user,
        accused_unit=draft.accused_unit or (draft.accused_user.home_unit if draft.accused_user else None),
    )
    # 第二十三条: the written notice on acceptance is due within 15 days of receipt.
    petition.acceptance_due_at = due_at(received, policy.acceptance, work_calendar())
    petition.due_kind, petition.due_at = DueKind.ACCEPTANCE, petition.acceptance_due_at
    petition.save()
    if not draft.anonymous:
        PetitionerIdentity.objects.create(petition=petition, **seal(draft.identity))
    elif draft.identity.representatives:
        PetitionerIdentity.objects.create(petition=petition, **seal(Identity(representatives=draft.identity.representatives)))
    # An anonymous online submitter is not recorded anywhere: not as uploader, not as event actor.
    author = registered_by or (None if draft.anonymous else petitioner)
    attachment_ids = []
    for checked in files:
        attachment = Attachment(
            petition=petition, original_name=checked.name, content_type=checked.content_type,
            size=checked.size, sha256=checked.sha256, uploaded_by=author,
            by_petitioner=registered_by is None,
        )
        attachment.file.save(checked.name, checked.upload, save=False)
        attachment.save()
        attachment_ids.append(attachment.pk)
    append_event(
        petition, Kind.REGISTERED, at=now, actor=author, to_state=State.REGISTERED,
        note=f"经{Channel(draft.channel).label}收到", data={
            "channel": draft.channel, "attachments": attachment_ids, "people_count": draft.people_count,
            "acceptance_due_at": petition.acceptance_due_at.isoformat(), "risk": risk, "flags": flags,
        },
    )
    petition.save(update_fields=["event_seq", "event_head"])
    # Triage (issue #5) reads the text now; it never blocks or fails the intake (a failure is
    # recorded on the petition page and the triage home), and may raise risk and flags.
    from triage.services import triage_after_registration

    triage_after_registration(petition)
    notify_petitioner(petition, f"您的信访事项已登记，编号{petition.number}，将于15日内告知是否受理。")
    officers = User.objects.filter(
        roles__role__in=DESK_ROLES[:1], roles__unit__in=list(draft.unit.ancestors()) + [draft.unit]
    ).distinct()[:20]
    # Through the scoping function, after triage: triage may have named the accused (an officer among
    # them), and the accused and the accused unit's leaders must not hear of it (第三十条第三款).
    for officer in officers:
        if visible_to(officer).filter(pk=petition.pk).exists():
            notify_user(officer, petition, f"新信访事项{petition.number}：{petition.title}")
    # Last write before the commit: the year's number row is held from here to the commit only.
    # Messages written above name the provisional number; their delivery, after the commit,
    # puts the real one in its place (numbering.with_number).
    assign_number(petition, now)
    return IntakeResult(petition=petition, receipt_code=receipt_code or None)


@transaction.atomic
def petition_submit(
    *, petitioner: User, draft: PetitionDraft, uploads: list | None = None, now: datetime | None = None
) -> IntakeResult:
    """An employee submits online (实名 or 匿名). Identity of a named submitter comes from the account."""
    now = now or timezone.now()
    files = [check_upload(u) for u in (uploads or [])]
    draft.channel = Channel.ONLINE
    if not draft.anonymous:
        draft.identity = Identity(
            name=petitioner.name, phone=petitioner.phone or "", employee_no=petitioner.employee_no,
            address=draft.identity.address, id_number=draft.identity.id_number,
        )
    else:
        draft.identity = Identity()
    return _create(draft, petitioner=petitioner, registered_by=None, files=files, now=now)


@transaction.atomic
def petition_register(
    *, officer: User, draft: PetitionDraft, petitioner: User | None = None, uploads: list | None = None,
    now: datetime | None = None,
) -> IntakeResult:
    """A petition officer records a letter, call, visit or cadre visit faithfully (第十九条)."""
    now = now or timezone.now()
    if not (officer.is_superuser or any(officer.has_role(r, draft.unit) for r in DESK_ROLES)):
        raise NotAllowed("not_allowed", f"您不是{draft.unit.name}的信访工作人员，不能登记")
    if draft.channel == Channel.ONLINE:
        raise InvalidInput("invalid_channel", "网上信访由信访人自行提交")
    if draft.channel == Channel.VISIT and draft.people_count > 5 and not draft.identity.representatives:
        raise InvalidInput("representatives_required", "5人以上走访的，须登记推选的代表（不超过5人）")
    files = [check_upload(u) for u in (uploads or [])]
    return _create(draft, petitioner=petitioner, registered_by=officer, files=files, now=now)


def find_by_receipt(code: str) -> Petition | None:
    """The anonymous petitioner's petition for this 16-digit code, or None."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != RECEIPT_DIGITS:
        return None
    for candidate in Petition.objects.filter(receipt_lookup=code[:LOOKUP_DIGITS], is_anonymous=True):
        try:
            if RECEIPT_HASHER.verify(candidate.receipt_hash, code):
                return candidate
        except VerificationError:
            continue
    return None


RECEIPT_ACTOR = Actor(receipt_holder=True)

# Guessing a receipt code: at most TRACK_LIMIT tries per client address per TRACK_WINDOW_SECONDS,
# one budget shared by the tracking page and the API.
TRACK_LIMIT = 10
TRACK_WINDOW_SECONDS = 600


def receipt_try_allowed(request) -> bool:
    from core.ratelimit import hit

    return hit("receipt", request, limit=TRACK_LIMIT, window_seconds=TRACK_WINDOW_SECONDS)
