"""Education and activities: study plans (incl. 第一议题), lecture teams and lectures given (a
leader's lectures counted), activities with participants, clean-governance education."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import InvalidInput
from orgs.models import User
from party.members import require_manager
from party.models import (
    Activity,
    ActivityKind,
    LecturerEntry,
    Meeting,
    MeetingKind,
    Member,
    PartyOrg,
    StudyItem,
)


@transaction.atomic
def study_add(*, org: PartyOrg, topic: str, planned_on: date, actor: User | None, first_topic: bool = False) -> StudyItem:
    require_manager(actor, org)
    if not topic.strip():
        raise InvalidInput("party.study.topic", _("请填写学习内容"))
    item = StudyItem.objects.create(org=org, year=planned_on.year, topic=topic.strip()[:200], planned_on=planned_on,
                                    first_topic=first_topic)
    audit_record(actor=actor, action="party.study.add", target=org, data={"topic": item.topic})
    return item


@transaction.atomic
def study_done(*, item: StudyItem, done_on: date, actor: User | None) -> StudyItem:
    require_manager(actor, item.org)
    item.done_on = done_on
    item.save(update_fields=["done_on"])
    audit_record(actor=actor, action="party.study.done", target=item.org, data={"item": item.pk})
    return item


@transaction.atomic
def lecturer_add(*, org: PartyOrg, person: User, is_leader: bool, actor: User | None) -> LecturerEntry:
    require_manager(actor, org)
    entry, _c = LecturerEntry.objects.update_or_create(org=org, person=person, defaults={"is_leader": is_leader})
    audit_record(actor=actor, action="party.lecturer.add", target=org, data={"person": person.employee_no})
    return entry


def lectures_given(org: PartyOrg, year: int) -> list[dict]:
    """Per member of the lecture team: party lectures held in ``year`` anywhere (a leader lecturing
    in their own branch counts)."""
    team = list(LecturerEntry.objects.filter(org=org).select_related("person"))
    counts = dict(Meeting.objects.filter(kind=MeetingKind.LECTURE, held_on__year=year,
                                         lecturer__in=[e.person_id for e in team])
                  .values_list("lecturer_id").annotate(n=Count("id")))
    return [{"person": e.person, "is_leader": e.is_leader, "lectures": counts.get(e.person_id, 0)} for e in team]


@transaction.atomic
def activity_record(*, org: PartyOrg, kind: str, title: str, on: date, actor: User | None,
                    participants: QuerySet[Member] | list[Member] | None = None, note: str = "") -> Activity:
    require_manager(actor, org)
    if kind not in ActivityKind.values or not title.strip():
        raise InvalidInput("party.activity", _("请选择活动类别并填写名称"))
    a = Activity.objects.create(org=org, kind=kind, title=title.strip()[:200], on=on, note=note)
    if participants:
        a.participants.set(participants)
    audit_record(actor=actor, action="party.activity.record", target=org, data={"kind": kind, "title": a.title})
    return a
