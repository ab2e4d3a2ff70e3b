"""企业文化 (culture.campaign): the concept system staff read, campaigns' activities and
participation per unit, and the gallery.

Participation rate of a unit in a campaign: the participants of its best-attended activity
divided by the people of that unit on the platform (its subtree), at most 100 %. The headcount
is the platform's own (orgs.User by home unit), never a copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet

from audit.services import audit_record
from core.errors import InvalidInput, NotAllowed
from orgs.models import Unit, User, subtree_q
from petitions.uploads import check_upload
from publicity.choices import CampaignKind, ConceptKind
from publicity.models import Campaign, CampaignActivity, Concept, ConceptVersion, GalleryItem
from publicity.newsroom import PHOTO_TYPES
from publicity.scoping import is_staff_for, staff_units


@transaction.atomic
def activity_record(*, acting_user: User, campaign: Campaign, unit: Unit, title: str, held_on: date,
                    participants: int) -> CampaignActivity:
    if not is_staff_for(acting_user, unit):
        raise NotAllowed("not_publicity_staff", "只有该单位的宣传干事可以登记活动开展情况")
    if not campaign.starts_on <= held_on <= campaign.ends_on:
        raise InvalidInput("outside_campaign", "活动日期不在活动期间内")
    if participants < 0 or not title.strip():
        raise InvalidInput("bad_activity", "请填写活动名称和参与人数")
    row = CampaignActivity.objects.create(campaign=campaign, unit=unit, title=title.strip()[:120], held_on=held_on,
                                          participants=participants, created_by=acting_user)
    audit_record(actor=acting_user, action="publicity.activity.record", target=row,
                 data={"campaign": campaign.pk, "unit": unit.code, "participants": participants})
    return row


@dataclass
class UnitParticipation:
    unit: Unit
    activities: int
    best: int
    headcount: int

    @property
    def rate(self) -> float | None:
        if not self.headcount:
            return None
        return min(1.0, self.best / self.headcount)


def campaign_participation(campaign: Campaign) -> list[UnitParticipation]:
    rows = (CampaignActivity.objects.filter(campaign=campaign).values("unit").annotate(n=Count("id"), best=Max("participants")))
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[r["unit"] for r in rows])}
    out = []
    for r in rows:
        unit = units[r["unit"]]
        headcount = User.objects.filter(subtree_q([unit], field="home_unit__"), is_active=True).count()
        out.append(UnitParticipation(unit=unit, activities=r["n"], best=r["best"], headcount=headcount))
    return sorted(out, key=lambda p: p.unit.path)


@transaction.atomic
def gallery_add(*, acting_user: User, caption: str, unit: Unit, photo=None, video_url: str = "",
                campaign: Campaign | None = None) -> GalleryItem:
    if not is_staff_for(acting_user, unit):
        raise NotAllowed("not_publicity_staff", "只有该单位的宣传干事可以上传图片视频")
    if not caption.strip():
        raise InvalidInput("caption_required", "请填写说明")
    if photo is None and not video_url.strip():
        raise InvalidInput("photo_or_video", "请上传照片或填写视频链接")
    item = GalleryItem(caption=caption.strip()[:200], video_url=video_url.strip(), unit=unit, campaign=campaign,
                       uploaded_by=acting_user)
    if photo is not None:
        c = check_upload(photo)
        if c.content_type not in PHOTO_TYPES:
            raise InvalidInput("not_a_photo", f"“{c.name}”不是JPEG、PNG或WebP图片")
        item.content_type = c.content_type
        item.file.save(c.name, c.upload, save=False)
    item.save()
    audit_record(actor=acting_user, action="publicity.gallery.add", target=item, data={"unit": unit.code})
    return item


def gallery_visible_to(user: User) -> QuerySet[GalleryItem]:
    """The gallery is for every logged-in person (culture is meant to be seen)."""
    return GalleryItem.objects.all() if user.is_authenticated else GalleryItem.objects.none()


def culture_campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.filter(kind=CampaignKind.CULTURE)


# --- the culture concept system (理念体系) ---------------------------------------------------------


def may_edit_concepts_of(user: User, unit: Unit | None) -> bool:
    """A unit's concepts: its 宣传干事 and those above; the group's own (unit None): administrators
    and the 宣传干事 of a top unit."""
    units = staff_units(user)
    if units is None:
        return True
    if unit is None:
        return any(u.parent_id is None for u in units)
    return any(unit.is_within(u) for u in units)


def concepts_editable_by(user: User) -> QuerySet[Concept]:
    """The concepts ``user`` may edit (the scoping function of this record kind)."""
    units = staff_units(user)
    if units is None:
        return Concept.objects.all()
    if not units:
        return Concept.objects.none()
    q = subtree_q(units, field="unit__")
    if any(u.parent_id is None for u in units):
        q |= Q(unit__isnull=True)
    return Concept.objects.filter(q)


@dataclass
class ConceptText:
    kind: str
    title: str
    body: str
    order: int = 0
    is_active: bool = True
    note: str = ""

    def check(self) -> None:
        if self.kind not in ConceptKind.values:
            raise InvalidInput("bad_kind", "理念类别无效")
        if not self.title.strip() or not self.body.strip():
            raise InvalidInput("concept_required", "请填写标题和释义")
        if len(self.title.strip()) > 100 or not 0 <= self.order <= 32767:
            raise InvalidInput("concept_too_long", "标题最多100字，顺序为0至32767")


@transaction.atomic
def concept_save(*, acting_user: User, text: ConceptText, concept: Concept | None = None,
                 unit: Unit | None = None) -> Concept:
    """A new concept, or a new version of one (the earlier texts are kept as ConceptVersion);
    retiring one is saving it with ``is_active`` False. Audited either way."""
    text.check()
    if concept is not None:
        concept = Concept.objects.select_for_update().get(pk=concept.pk)
        unit = concept.unit
    if not may_edit_concepts_of(acting_user, unit):
        raise NotAllowed("not_publicity_staff", "只有该单位（集团理念：集团）的宣传干事可以修改理念")
    fields = {"kind": text.kind, "title": text.title.strip(), "body": text.body.strip(), "order": text.order,
              "is_active": text.is_active}
    if concept is None:
        concept = Concept.objects.create(unit=unit, version=1, **fields)
        action, before = "publicity.concept.create", None
    else:
        before = {"title": concept.title, "kind": concept.kind, "is_active": concept.is_active,
                  "version": concept.version}
        if all(getattr(concept, k) == v for k, v in fields.items()):
            raise InvalidInput("no_change", "内容没有变化")
        for k, v in fields.items():
            setattr(concept, k, v)
        concept.version += 1
        concept.save(update_fields=[*fields, "version"])
        action = "publicity.concept.edit"
    ConceptVersion.objects.create(concept=concept, number=concept.version, created_by=acting_user,
                                  note=text.note.strip()[:200], **fields)
    audit_record(actor=acting_user, action=action, target=concept,
                 data={"version": concept.version, "title": concept.title, "kind": concept.kind,
                       "is_active": concept.is_active, "unit": unit.code if unit else None, "before": before})
    return concept
