"""culture.campaign: activities inside the campaign's dates, participation rate per unit against the
platform's headcount (capped), the gallery with EXIF-stripped photos, the concept pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from PIL import Image

from core.errors import InvalidInput, NotAllowed
from publicity.choices import CampaignKind, ConceptKind
from publicity.culture import activity_record, campaign_participation, gallery_add
from publicity.lectures import campaign_create
from publicity.models import Concept
from tests.publicity.conftest import jpeg_with_gps

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(nr):
    return campaign_create(acting_user=nr.officer, name="五种意识、五项活动、五大措施", kind=CampaignKind.CULTURE,
                           unit=nr.mine, starts_on=date(2022, 4, 1), ends_on=date(2022, 6, 30), units=[nr.team])


def test_activity_dates_inclusive(nr, campaign):
    activity_record(acting_user=nr.officer, campaign=campaign, unit=nr.team, title="安全承诺签名", held_on=date(2022, 4, 1),
                    participants=1)
    activity_record(acting_user=nr.officer, campaign=campaign, unit=nr.team, title="家属座谈", held_on=date(2022, 6, 30),
                    participants=1)
    with pytest.raises(InvalidInput):
        activity_record(acting_user=nr.officer, campaign=campaign, unit=nr.team, title="x", held_on=date(2022, 7, 1),
                        participants=1)
    with pytest.raises(NotAllowed):
        activity_record(acting_user=nr.outsider, campaign=campaign, unit=nr.team, title="x", held_on=date(2022, 5, 1),
                        participants=1)


def test_participation_rate_per_unit(nr, campaign):
    # 综采一队 has one person on the platform (the correspondent): 1 of 1 = 100 %; 5 reported → capped at 100 %.
    activity_record(acting_user=nr.officer, campaign=campaign, unit=nr.team, title="a", held_on=date(2022, 5, 1),
                    participants=1)
    activity_record(acting_user=nr.officer, campaign=campaign, unit=nr.mine, title="b", held_on=date(2022, 5, 2),
                    participants=2)
    rows = {p.unit.name: p for p in campaign_participation(campaign)}
    assert rows["综采一队"].headcount == 1 and rows["综采一队"].rate == 1.0
    mine = rows["东山煤矿"]  # 东山煤矿 subtree: correspondent, editor, officer = 3 people
    assert mine.headcount == 3 and mine.rate == pytest.approx(2 / 3)
    activity_record(acting_user=nr.officer, campaign=campaign, unit=nr.mine, title="c", held_on=date(2022, 5, 3),
                    participants=9)
    assert {p.unit.name: p.rate for p in campaign_participation(campaign)}["东山煤矿"] == 1.0


def test_gallery_and_pages(nr, campaign, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = gallery_add(acting_user=nr.officer, caption="安全文化长廊", unit=nr.mine, photo=jpeg_with_gps(),
                       campaign=campaign)
    with Image.open(item.file.path) as im:
        assert not im.getexif()
    with pytest.raises(InvalidInput):
        gallery_add(acting_user=nr.officer, caption="空", unit=nr.mine)
    Concept.objects.create(kind=ConceptKind.VISION, title="安全、高效、文明、和谐、幸福", body="建设新地煤")
    client.force_login(nr.outsider)
    page = client.get(reverse("publicity:culture")).content.decode()
    assert "安全、高效、文明、和谐、幸福" in page and "安全文化长廊" in page
    assert client.get(reverse("publicity:gallery_file", args=[item.pk])).status_code == 200
    assert client.get(reverse("publicity:gallery_new")).status_code == 403
    client.force_login(nr.officer)
    r = client.post(reverse("publicity:campaign", args=[campaign.pk]), {"unit": nr.team.pk, "title": "演讲比赛",
                                                                      "held_on": "2022-05-20", "participants": 1})
    assert r.status_code == 302
    assert "演讲比赛" in client.get(reverse("publicity:campaign", args=[campaign.pk])).content.decode()
    client.logout()
    assert client.get(reverse("publicity:gallery_file", args=[item.pk])).status_code == 302
