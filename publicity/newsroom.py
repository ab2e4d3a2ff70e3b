"""The newsroom: correspondents submit pieces, 三审三校 (pub.three_reviews) passes or returns
them, and a piece that passed every level is published. One function per step, each atomic,
each audited; guards are predicates the pages use too (which buttons to show)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from orgs.models import Unit, User
from petitions.notify import notify_user
from petitions.uploads import check_upload
from publicity import search, tally
from publicity.choices import Decision, PieceKind, PieceState, ReviewLevel
from publicity.models import Correspondent, EditorialPost, Piece, PiecePhoto, PieceReview, PieceVersion, Theme
from publicity.rules import current_rule
from publicity.scoping import correspondent_units, is_staff_for, pieces_visible_to

MAX_PHOTOS = 9
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}


# --- posts -------------------------------------------------------------------------------------


@transaction.atomic
def correspondent_appoint(*, user: User, unit: Unit, acting_user: User) -> Correspondent:
    if not is_staff_for(acting_user, unit):
        raise NotAllowed("not_publicity_staff", "只有本单位的宣传干事可以聘任通讯员")
    row, created = Correspondent.objects.get_or_create(user=user, unit=unit, defaults={"is_active": True})
    if not created and not row.is_active:
        row.is_active = True
        row.save(update_fields=["is_active"])
    audit_record(actor=acting_user, action="publicity.correspondent.appoint", target=row,
                 data={"user": user.employee_no, "unit": unit.code})
    return row


@transaction.atomic
def editorial_post_grant(*, user: User, unit: Unit, level: str, acting_user: User) -> EditorialPost:
    if level not in ReviewLevel.values:
        raise InvalidInput("bad_level", "审级无效")
    if not is_staff_for(acting_user, unit):
        raise NotAllowed("not_publicity_staff", "只有本单位的宣传干事可以设置审稿岗位")
    row, _ = EditorialPost.objects.get_or_create(user=user, unit=unit, level=level)
    audit_record(actor=acting_user, action="publicity.post.grant", target=row,
                 data={"user": user.employee_no, "unit": unit.code, "level": level})
    return row


# --- guards ------------------------------------------------------------------------------------


def may_write_for(user: User, unit: Unit) -> bool:
    """A correspondent of the unit (or of a unit above it), or its publicity staff."""
    return any(unit.is_within(u) for u in correspondent_units(user)) or is_staff_for(user, unit)


def holds_post(user: User, unit: Unit, level: str) -> bool:
    if not user.is_authenticated:
        return False
    return any(unit.is_within(p.unit) for p in
               EditorialPost.objects.filter(user=user, level=level).select_related("unit"))


def review_refusal(user: User, piece: Piece) -> NotAllowed | InvalidState | None:
    """Why ``user`` may not review ``piece`` at its current level now (None: they may)."""
    if piece.state != PieceState.IN_REVIEW:
        return InvalidState("not_in_review", "稿件不在审核中")
    rule = current_rule("pub.three_reviews")
    if piece.author_id == user.pk and not rule.params.get("author_may_review"):
        return NotAllowed("author_reviews", "作者不能审核自己的稿件")
    if not holds_post(user, piece.unit, piece.stage):
        return NotAllowed("no_post", f"您不是本稿件的{ReviewLevel(piece.stage).label}人")
    earlier = PieceReview.objects.filter(piece=piece, round=piece.round, reviewer=user).exclude(level=piece.stage)
    if earlier.exists():
        levels = "、".join(str(ReviewLevel(r.level).label) for r in earlier)
        return NotAllowed("same_reviewer", f"三审须由三个不同的人完成：您已在本轮担任{levels}人")
    return None


def can_review(user: User, piece: Piece) -> bool:
    return review_refusal(user, piece) is None


def can_edit(user: User, piece: Piece) -> bool:
    if piece.author_id == user.pk and piece.state in (PieceState.DRAFT, PieceState.RETURNED):
        return True
    return piece.state == PieceState.IN_REVIEW and holds_post(user, piece.unit, piece.stage)


# --- writing -----------------------------------------------------------------------------------


@dataclass
class PieceDraft:
    title: str
    body: str
    unit: Unit
    lead: str = ""
    kind: str = PieceKind.NEWS
    theme: Theme | None = None
    video_url: str = ""
    for_news: bool = True
    for_outside: bool = False
    embargo_until: datetime | None = None

    def check(self) -> None:
        if not self.title.strip():
            raise InvalidInput("title_required", "请填写标题")
        if len(self.body.strip()) < 10:
            raise InvalidInput("body_too_short", "正文至少10个字")
        if self.kind not in PieceKind.values:
            raise InvalidInput("bad_kind", "体裁无效")
        if not (self.for_news or self.for_outside):
            raise InvalidInput("no_channel", "请至少选择一个去向：本平台新闻页或对外投稿")
        if self.video_url and not self.video_url.startswith(("https://", "http://")):
            raise InvalidInput("bad_video_url", "视频链接须以 http:// 或 https:// 开头")
        if self.embargo_until is not None and not 2000 <= self.embargo_until.year <= 2100:
            raise InvalidInput("bad_embargo", "禁发时间无效")


def _save_photos(piece: Piece, uploads: list, captions: list[str], user: User) -> int:
    existing = piece.photos.count()
    if existing + len(uploads) > MAX_PHOTOS:
        raise InvalidInput("too_many_photos", f"每篇稿件最多{MAX_PHOTOS}张图片")
    checked = [check_upload(u) for u in uploads]
    for c in checked:
        if c.content_type not in PHOTO_TYPES:
            raise InvalidInput("not_a_photo", f"“{c.name}”不是JPEG、PNG或WebP图片")
    for i, c in enumerate(checked):
        photo = PiecePhoto(piece=piece, original_name=c.name, content_type=c.content_type, size=c.size,
                           sha256=c.sha256, caption=(captions[i] if i < len(captions) else "")[:200],
                           uploaded_by=user)
        photo.file.save(c.name, c.upload, save=False)
        photo.save()
    return len(checked)


@transaction.atomic
def piece_create(*, author: User, draft: PieceDraft, photos: list | None = None,
                 captions: list[str] | None = None, submit: bool = False, now: datetime | None = None) -> Piece:
    """A new piece (草稿), with its photos (EXIF stripped); ``submit`` sends it to 初审 at once."""
    draft.check()
    if not may_write_for(author, draft.unit):
        raise NotAllowed("not_correspondent", "您不是该单位的通讯员")
    piece = Piece.objects.create(
        title=draft.title.strip(), lead=draft.lead.strip(), body=draft.body.strip(), kind=draft.kind,
        theme=draft.theme, video_url=draft.video_url, unit=draft.unit, author=author,
        for_news=draft.for_news, for_outside=draft.for_outside, embargo_until=draft.embargo_until,
    )
    PieceVersion.objects.create(piece=piece, number=1, title=piece.title, lead=piece.lead, body=piece.body,
                                created_by=author)
    n = _save_photos(piece, photos or [], captions or [], author)
    audit_record(actor=author, action="publicity.piece.create", target=piece,
                 data={"unit": draft.unit.code, "photos": n, "kind": draft.kind})
    if submit:
        piece = piece_submit(piece=piece, acting_user=author, now=now)
    return piece


@transaction.atomic
def piece_edit(*, piece: Piece, acting_user: User, title: str, body: str, lead: str = "") -> Piece:
    """A new version of the text (the author before review, or the reviewer at the current level)."""
    piece = Piece.objects.select_for_update().get(pk=piece.pk)
    if not can_edit(acting_user, piece):
        raise NotAllowed("may_not_edit", "您现在不能修改这篇稿件")
    if not title.strip() or len(body.strip()) < 10:
        raise InvalidInput("body_too_short", "请填写标题，正文至少10个字")
    piece.version += 1
    piece.title, piece.lead, piece.body = title.strip(), lead.strip(), body.strip()
    piece.save(update_fields=["version", "title", "lead", "body"])
    PieceVersion.objects.create(piece=piece, number=piece.version, title=piece.title, lead=piece.lead,
                                body=piece.body, created_by=acting_user)
    audit_record(actor=acting_user, action="publicity.piece.edit", target=piece, data={"version": piece.version})
    return piece


@transaction.atomic
def piece_add_photos(*, piece: Piece, acting_user: User, photos: list, captions: list[str] | None = None) -> int:
    piece = Piece.objects.select_for_update().get(pk=piece.pk)
    if not can_edit(acting_user, piece):
        raise NotAllowed("may_not_edit", "您现在不能修改这篇稿件")
    n = _save_photos(piece, photos, captions or [], acting_user)
    audit_record(actor=acting_user, action="publicity.piece.photos", target=piece, data={"photos": n})
    return n


def _notify_stage(piece: Piece) -> None:
    holders = {p.user for p in EditorialPost.objects.filter(level=piece.stage).select_related("user", "unit")
               if piece.unit.is_within(p.unit)}
    for user in holders:
        if user.pk != piece.author_id:
            notify_user(user, None, f"稿件《{piece.title[:40]}》待您{ReviewLevel(piece.stage).label}")


@transaction.atomic
def piece_submit(*, piece: Piece, acting_user: User, now: datetime | None = None) -> Piece:
    """送审: a draft or a returned piece goes to the first level; a new round starts (earlier
    passes no longer count)."""
    now = now or timezone.now()
    piece = Piece.objects.select_for_update().get(pk=piece.pk)
    if piece.author_id != acting_user.pk:
        raise NotAllowed("not_author", "只有作者可以送审")
    if piece.state not in (PieceState.DRAFT, PieceState.RETURNED):
        raise InvalidState("not_submittable", "只有草稿或退回修改的稿件可以送审")
    rule = current_rule("pub.three_reviews")
    before = piece.state
    piece.state, piece.stage = PieceState.IN_REVIEW, rule.params["levels"][0]
    piece.round += 1
    piece.submitted_at = now
    piece.save(update_fields=["state", "stage", "round", "submitted_at"])
    audit_record(actor=acting_user, action="publicity.piece.submit", target=piece,
                 data={"from": before, "round": piece.round, "version": piece.version})
    _notify_stage(piece)
    return piece


@transaction.atomic
def piece_review(*, piece: Piece, acting_user: User, decision: str, proofread: bool = False,
                 comment: str = "", now: datetime | None = None) -> Piece:
    """One level of 三审三校: pass (with the proofread confirmed), return for revision, or reject.
    After the last level's pass the piece is published (its embargo still holds it back)."""
    now = now or timezone.now()
    piece = Piece.objects.select_for_update().select_related("unit").get(pk=piece.pk)
    if decision not in Decision.values:
        raise InvalidInput("bad_decision", "审核结论无效")
    refusal = review_refusal(acting_user, piece)
    if refusal is not None:
        raise refusal
    rule = current_rule("pub.three_reviews")
    if decision == Decision.PASS and rule.params.get("proofread_each_level") and not proofread:
        raise InvalidInput("proofread_required", "通过前须确认已完成本级校对（三校）")
    if decision != Decision.PASS and not comment.strip():
        raise InvalidInput("comment_required", "退回或不予采用须写明意见")
    level = piece.stage
    PieceReview.objects.create(piece=piece, round=piece.round, level=level, reviewer=acting_user,
                               decision=decision, proofread=proofread, comment=comment.strip(),
                               version=piece.version, rule_version=rule.version, decided_at=now)
    levels = rule.params["levels"]
    if decision == Decision.PASS:
        later = [x for x in levels if levels.index(x) > levels.index(level)] if level in levels else []
        if later:
            piece.stage = later[0]
        else:
            piece.state, piece.stage = PieceState.PUBLISHED, ""
            piece.published_at = max(now, piece.embargo_until) if piece.embargo_until else now
            piece.review_rule_version = rule.version
    elif decision == Decision.RETURN:
        piece.state, piece.stage = PieceState.RETURNED, ""
    else:
        piece.state, piece.stage = PieceState.REJECTED, ""
    piece.save(update_fields=["state", "stage", "published_at", "review_rule_version"])
    if piece.state == PieceState.PUBLISHED:
        tally.piece_published(piece)
        search.index_piece(piece)  # postings dated published_at: an embargoed piece is not found before
    audit_record(actor=acting_user, action=f"publicity.piece.review.{decision}", target=piece,
                 data={"level": level, "round": piece.round, "proofread": proofread, "state": piece.state,
                       "rule_version": rule.version})
    if piece.state == PieceState.IN_REVIEW:
        _notify_stage(piece)
    else:
        notify_user(piece.author, None, f"您的稿件《{piece.title[:40]}》{PieceState(piece.state).label}")
    return piece


def may_withdraw(user: User, piece: Piece) -> bool:
    return piece.state == PieceState.PUBLISHED and is_staff_for(user, piece.unit)


@transaction.atomic
def piece_withdraw(*, piece: Piece, acting_user: User, reason: str, now: datetime | None = None) -> Piece:
    """撤稿: the 宣传部 takes a published piece off the news pages (its review record and versions
    are kept); its search postings go with it."""
    now = now or timezone.now()
    piece = Piece.objects.select_for_update().select_related("unit").get(pk=piece.pk)
    if not is_staff_for(acting_user, piece.unit):
        raise NotAllowed("not_publicity_staff", "只有本单位的宣传干事可以撤稿")
    if piece.state != PieceState.PUBLISHED:
        raise InvalidState("not_published", "只有已签发的稿件可以撤稿")
    if not reason.strip():
        raise InvalidInput("reason_required", "请写明撤稿原因")
    piece.state = PieceState.WITHDRAWN
    piece.save(update_fields=["state"])
    search.unindex_piece(piece)
    tally.piece_withdrawn(piece)
    audit_record(actor=acting_user, action="publicity.piece.withdraw", target=piece,
                 data={"reason": reason.strip()[:500], "at": now.isoformat()})
    notify_user(piece.author, None, f"您的稿件《{piece.title[:40]}》已撤稿")
    return piece


@transaction.atomic
def piece_comment(*, piece: Piece, acting_user: User, text: str):
    from publicity.models import PieceComment

    if not pieces_visible_to(acting_user).filter(pk=piece.pk).exists():
        raise NotAllowed("not_visible", "您不能评论这篇稿件")
    if not text.strip():
        raise InvalidInput("comment_required", "请填写意见")
    row = PieceComment.objects.create(piece=piece, author=acting_user, text=text.strip()[:2000],
                                      version=piece.version)
    audit_record(actor=acting_user, action="publicity.piece.comment", target=piece, data={"comment": row.pk})
    return row
