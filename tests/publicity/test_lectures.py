"""talk.reach: a session counted once however many audience units; reach by theme, unit, period;
phone sign-in at the window's edges; campaigns."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from core.errors import InvalidInput, InvalidState, NotAllowed
from publicity.choices import CampaignKind
from publicity.lectures import (
    campaign_create,
    lecture_attendance_from_sign_ins,
    lecture_record,
    lecture_sign_in,
    lectures_visible_to,
    reach,
)
from publicity.models import Theme
from tongxin.lib.periods import SHANGHAI

pytestmark = pytest.mark.django_db

AT = datetime(2022, 6, 15, 9, 0, tzinfo=SHANGHAI)


def lecture(nr, audience, *, at=AT, **kw):
    return lecture_record(acting_user=nr.officer, topic=kw.pop("topic", "独立核算、分灶吃饭怎么干"),
                          lecturer=nr.editor, unit=nr.mine, held_at=at, audience=audience, **kw)


def test_two_audience_units_counted_once_per_person_time(nr):
    theme = Theme.objects.create(name="独立核算、分灶吃饭")
    lec = lecture(nr, [(nr.team, 60), (nr.mine, 40)], theme=theme)
    assert lec.attendance == 100
    r = reach(nr.officer, date(2022, 1, 1), date(2023, 1, 1))
    assert (r.sessions, r.person_times) == (1, 100)  # not 200: the session counts once
    assert dict(r.by_unit) == {"综采一队": 60, "东山煤矿": 40}
    assert r.by_theme == [("独立核算、分灶吃饭", 1, 100)]
    within = reach(nr.officer, date(2022, 1, 1), date(2023, 1, 1), within=nr.team)
    assert (within.sessions, within.person_times) == (1, 60)
    company = reach(nr.company_officer, date(2022, 1, 1), date(2023, 1, 1))
    assert company.person_times == 100


def test_same_unit_twice_refused(nr):
    with pytest.raises(InvalidInput) as e:
        lecture(nr, [(nr.team, 10), (nr.team, 10)])
    assert e.value.code == "audience_twice"


def test_period_boundaries(nr):
    lecture(nr, [(nr.team, 30)], at=datetime(2022, 12, 31, 23, 59, tzinfo=SHANGHAI))
    lecture(nr, [(nr.team, 20)], at=datetime(2023, 1, 1, 0, 0, tzinfo=SHANGHAI))
    assert reach(nr.officer, date(2022, 1, 1), date(2023, 1, 1)).person_times == 30
    assert reach(nr.officer, date(2023, 1, 1), date(2024, 1, 1)).person_times == 20
    by_month = dict(reach(nr.officer, date(2022, 1, 1), date(2024, 1, 1)).by_month)
    assert by_month == {"2022-12": 30, "2023-01": 20}


def test_sign_in_window_edges(nr):
    lec = lecture(nr, [(nr.team, 0)])
    with pytest.raises(InvalidState):
        lecture_sign_in(lecture=lec, user=nr.correspondent, now=AT - timedelta(hours=1, seconds=1))
    lecture_sign_in(lecture=lec, user=nr.correspondent, now=AT - timedelta(hours=1))  # opens exactly
    lecture_sign_in(lecture=lec, user=nr.editor, now=AT + timedelta(hours=4))  # closes exactly
    with pytest.raises(InvalidState):
        lecture_sign_in(lecture=lec, user=nr.head, now=AT + timedelta(hours=4, seconds=1))
    with pytest.raises(InvalidState) as e:
        lecture_sign_in(lecture=lec, user=nr.correspondent, now=AT)
    assert e.value.code == "already_signed_in"
    lec = lecture_attendance_from_sign_ins(lecture=lec, acting_user=nr.officer)
    assert lec.attendance == 2
    assert dict(lec.audience.values_list("unit__name", "attendance")) == {"综采一队": 1, "东山煤矿": 1}


def test_scoping_and_rights(nr):
    lec = lecture(nr, [(nr.team, 10)])
    assert lectures_visible_to(nr.correspondent).filter(pk=lec.pk).exists()  # given to their unit
    assert not lectures_visible_to(nr.outsider).filter(pk=lec.pk).exists()
    with pytest.raises(NotAllowed):
        lecture_record(acting_user=nr.outsider, topic="x", lecturer=nr.editor, unit=nr.mine, held_at=AT,
                       audience=[(nr.team, 1)])


def test_campaign_and_pages(nr, client):
    camp = campaign_create(acting_user=nr.officer, name="独立核算、分灶吃饭主题宣讲", kind=CampaignKind.LECTURE,
                           unit=nr.mine, starts_on=date(2022, 3, 1), ends_on=date(2022, 12, 31), units=[nr.team])
    with pytest.raises(InvalidInput):
        campaign_create(acting_user=nr.officer, name="x", kind=CampaignKind.LECTURE, unit=nr.mine,
                        starts_on=date(2022, 3, 2), ends_on=date(2022, 3, 1))
    client.force_login(nr.officer)
    r = client.post(reverse("publicity:lecture_new"), {
        "topic": "班组长讲安全", "unit": nr.mine.pk, "lecturer": nr.editor.employee_no,
        "held_at": "2022-07-01T15:00", "audience": f"{nr.team.code} 35\n{nr.mine.code} 15", "campaign": camp.pk,
    })
    assert r.status_code == 302, r.content.decode()[:3000]
    page = client.get(reverse("publicity:lectures") + "?start=2022-01-01&end=2022-12-31").content.decode()
    assert "班组长讲安全" in page and "50" in page
    assert "独立核算" in client.get(reverse("publicity:campaigns")).content.decode()


def test_api(nr, client):
    client.force_login(nr.officer)
    r = client.post("/api/v1/publicity/lectures", {
        "topic": "API宣讲", "lecturer": nr.editor.employee_no, "unit": nr.mine.code, "held_at": "2022-05-01T10:00:00+08:00",
        "audience": [{"unit": nr.team.code, "attendance": 12}, {"unit": nr.mine.code, "attendance": 8}],
    }, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["attendance"] == 20
    assert client.get("/api/v1/publicity/lectures").json()["count"] == 1


def test_lecture_photos_stripped_and_checked(nr, client, settings, tmp_path):
    from PIL import Image

    from tests.publicity.conftest import jpeg_with_gps

    settings.MEDIA_ROOT = tmp_path
    lec = lecture(nr, [(nr.team, 10)], photos=[jpeg_with_gps()])
    photo = lec.photos.get()
    with Image.open(photo.file.path) as im:
        assert not im.getexif()
    url = reverse("publicity:lecture_photo", args=[photo.pk])
    client.force_login(nr.correspondent)  # the team heard it
    assert client.get(url).status_code == 200
    assert 'data-testid="lecture-photo"' in client.get(reverse("publicity:lecture", args=[lec.public_id])).content.decode()
    client.force_login(nr.outsider)
    assert client.get(url).status_code == 404
