"""The newsroom and the incident register in a real browser on a 375 px phone screen.

1. A correspondent submits a piece with a photo from a phone; the editor (初审), the department
   head (复审) and the responsible leader (终审) pass it, each proofreading; it appears on the news
   page with its photo; the 宣传干事 records its outside placement and it appears in the ledger.
2. The 宣传干事 logs a 舆情 incident found five hours ago (the highest level: first response due
   within four hours); the page shows it overdue; the sweep escalates it; the page shows it escalated.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from publicity.choices import OutletLevel, PieceState
from publicity.models import Incident, Piece, Placement
from publicity.placements import outlet_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Tongxin@2026"
PHONE = (375, 740)
TITLE = "综采一队班前会搬上工作面"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def login(page: Page, base: str, employee_no: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", employee_no)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    expect(page).to_have_url(f"{base}/")


def no_overflow(page: Page) -> None:
    """Nothing wider than the phone: the page does not scroll sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0] + 1


def test_piece_from_phone_through_three_reviews_to_news_and_ledger(
    live_server, new_tab, nr, tmp_path, artifacts_dir
):
    base = live_server.url
    photo = tmp_path / "workface.jpg"
    Image.new("RGB", (320, 240), (30, 90, 160)).save(photo, "JPEG")

    tab = new_tab(*PHONE)
    page = tab.page
    login(page, base, nr.correspondent.employee_no)
    page.goto(f"{base}/publicity/mine/")
    page.click("[data-testid=new-piece]")
    page.fill("#id_title", TITLE)
    page.fill("#id_body", "综采一队把班前会开到工作面，安全员现场讲隐患，班组长现场派活，一个月来零违章。")
    page.set_input_files("#id_photos", str(photo))
    page.fill("#id_caption", "工作面班前会")
    no_overflow(page)
    page.click("[data-testid=piece-submit]")
    expect(page.locator("[data-testid=piece-state]")).to_contain_text("审核中")
    expect(page.locator("[data-testid=piece-photo]")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "publicity-1-submitted-375.png"), full_page=True)

    for who in (nr.editor, nr.head, nr.leader):
        reviewer = new_tab(*PHONE).page
        login(reviewer, base, who.employee_no)
        reviewer.goto(f"{base}/publicity/queue/")
        reviewer.get_by_text(TITLE).click()
        reviewer.check("#review-proofread")
        reviewer.click("[data-testid=do-review]")
        expect(reviewer.locator(".alert-success")).to_be_visible()
    piece = Piece.objects.get(title=TITLE)
    assert piece.state == PieceState.PUBLISHED
    assert list(piece.reviews.values_list("reviewer", flat=True)) == [nr.editor.pk, nr.head.pk, nr.leader.pk]

    reader = new_tab(*PHONE)
    login(reader.page, base, nr.outsider.employee_no)
    reader.page.goto(f"{base}/publicity/news/")
    reader.page.fill("[data-testid=news-q]", "班前会")
    reader.page.keyboard.press("Enter")
    reader.page.get_by_text(TITLE).click()
    expect(reader.page.locator("[data-testid=news-title]")).to_have_text(TITLE)
    image = reader.page.locator("[data-testid=news-photo]")
    expect(image).to_be_visible()
    assert reader.page.evaluate("el => el.naturalWidth", image.element_handle()) == 320
    no_overflow(reader.page)
    reader.page.screenshot(path=str(artifacts_dir / "publicity-2-news-375.png"), full_page=True)

    outlet_create(name="晋能控股日报", level=OutletLevel.GROUP, acting_user=nr.officer)
    officer = new_tab(*PHONE)
    login(officer.page, base, nr.officer.employee_no)
    officer.page.goto(f"{base}/publicity/pieces/{piece.public_id}/")
    officer.page.click("[data-testid=place-piece]")
    officer.page.select_option("#id_outlet", label="晋能控股日报")
    officer.page.fill("#id_title", TITLE)
    officer.page.select_option("#id_unit", label="综采一队")
    officer.page.fill("#id_authors", nr.correspondent.employee_no)
    officer.page.fill("#id_link", "https://example.org/jnkg/2026/1")
    officer.page.click("[data-testid=placement-save]")
    expect(officer.page.locator("[data-testid=ledger-rows]")).to_contain_text(TITLE)
    no_overflow(officer.page)
    officer.page.screenshot(path=str(artifacts_dir / "publicity-3-ledger-375.png"), full_page=True)
    placement = Placement.objects.get()
    assert placement.piece_id == piece.pk and placement.points > 0
    for t in (tab, reader, officer):
        assert t.script_errors == [] and t.missing_static == []


def test_incident_logged_and_escalated_when_overdue(live_server, new_tab, nr, artifacts_dir):
    base = live_server.url
    tab = new_tab(*PHONE)
    page = tab.page
    login(page, base, nr.officer.employee_no)
    page.goto(f"{base}/publicity/ideology/")
    page.click("[data-testid=incident-new]")
    page.fill("#id_title", "短视频称东山煤矿停产")
    page.fill("#id_summary", "某短视频平台出现东山煤矿停产的不实说法，转发较多。")
    page.select_option("#id_unit", label="东山煤矿")
    page.select_option("#id_level", "major")
    page.fill("#id_owner", nr.editor.employee_no)
    found = timezone.localtime() - timedelta(hours=5)
    page.fill("#id_found_at", found.strftime("%Y-%m-%dT%H:%M"))
    no_overflow(page)
    page.click("[data-testid=pub-form-save]")
    expect(page.locator("[data-testid=incident-title]")).to_have_text("短视频称东山煤矿停产")
    expect(page.locator("[data-testid=incident-overdue]")).to_be_visible()
    expect(page.locator("[data-testid=incident-escalated]")).to_have_count(0)

    call_command("publicity_sweep")  # the periodic sweep (cron/beat in production)
    page.reload()
    expect(page.locator("[data-testid=incident-escalated]")).to_be_visible()
    expect(page.locator("[data-testid=incident-steps]")).to_contain_text("逾期升级")
    no_overflow(page)
    page.screenshot(path=str(artifacts_dir / "publicity-4-incident-375.png"), full_page=True)
    incident = Incident.objects.get()
    assert incident.escalated_at is not None and incident.due_at == incident.found_at + timedelta(hours=4)
    assert tab.script_errors == [] and tab.missing_static == []


def worker_ready(page: Page) -> None:
    """The news pages' service worker controls the page and has saved it (CSP: no eval'd waits)."""
    expect(page.locator("html")).to_have_attribute("data-pub-offline", "ready")
    for _ in range(50):
        if page.evaluate("() => navigator.serviceWorker.controller !== null"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the service worker does not control the page")


def test_news_readable_offline_after_a_visit(live_server, new_tab, nr, artifacts_dir):
    """Phone-first, offline-safe: a reader opens the news list and a piece; the phone loses its
    network; reloading the piece still shows it (from the service worker's cache) with the offline
    notice; a piece never opened shows the offline page instead of the browser's error; when
    another person logs in on the phone and opens the news, the first one's saved pages are gone."""
    from publicity import newsroom
    from publicity.choices import Decision

    def publish(title: str, body: str) -> Piece:
        draft = newsroom.PieceDraft(title=title, body=body, unit=nr.team, lead="离线阅读测试")
        piece = newsroom.piece_create(author=nr.correspondent, draft=draft, submit=True)
        for who in (nr.editor, nr.head, nr.leader):
            piece = newsroom.piece_review(piece=piece, acting_user=who, decision=Decision.PASS, proofread=True)
        return piece

    read = publish("井下5G网络全覆盖", "东山煤矿井下5G网络实现全覆盖，视频巡检替代人工巡检三成。")
    unread = publish("家属协管员走进班组", "家属协管员走进综采一队班组，开展安全亲情嘱托。")
    base = live_server.url
    tab = new_tab(*PHONE)
    page = tab.page
    login(page, base, nr.outsider.employee_no)
    page.goto(f"{base}/publicity/news/")
    worker_ready(page)
    page.get_by_text("井下5G网络全覆盖").click()
    expect(page.locator("[data-testid=news-title]")).to_have_text("井下5G网络全覆盖")
    expect(page.locator("[data-testid=offline-notice]")).to_be_hidden()
    worker_ready(page)

    page.context.set_offline(True)
    page.reload()
    expect(page.locator("[data-testid=news-title]")).to_have_text("井下5G网络全覆盖")
    expect(page.locator(".pub-body")).to_contain_text("视频巡检替代人工巡检三成")
    expect(page.locator("[data-testid=offline-notice]")).to_be_visible()
    no_overflow(page)
    page.screenshot(path=str(artifacts_dir / "publicity-5-offline-375.png"), full_page=True)
    page.goto(f"{base}/publicity/news/")  # the list too
    expect(page.locator("[data-testid=news-list]")).to_contain_text("井下5G网络全覆盖")
    page.goto(f"{base}/publicity/news/{unread.public_id}/")  # never opened: the offline page, not an error
    expect(page.locator("[data-testid=offline-page]")).to_be_visible()

    page.context.set_offline(False)
    page.goto(f"{base}/publicity/news/{unread.public_id}/")
    expect(page.locator("[data-testid=news-title]")).to_have_text("家属协管员走进班组")
    expect(page.locator("[data-testid=offline-notice]")).to_be_hidden()
    assert read.public_id != unread.public_id
    worker_ready(page)  # its background saves are done before the cookies go

    # Another person on the same phone: opening the news drops the first person's saved pages.
    page.context.clear_cookies()
    login(page, base, nr.officer.employee_no)
    page.goto(f"{base}/publicity/news/")
    worker_ready(page)
    page.context.set_offline(True)
    page.goto(f"{base}/publicity/news/{read.public_id}/")
    expect(page.locator("[data-testid=offline-page]")).to_be_visible()
    page.context.set_offline(False)
    assert tab.missing_static == [] and tab.script_errors == []
