"""The petition core's main journeys in a real browser (headless Chromium, Playwright sync API).

1. Named: an employee submits from a phone (375 px) with a photo, through the summary step;
   the mine's officer accepts and assigns; the handler replies and downloads the 处理意见书;
   the employee rates 不满意 and asks for a review; the company's officer upholds the reply.
2. Anonymous: the employee submits anonymously, keeps the 16-digit receipt code, logs out,
   follows the petition by the code and adds material; the officer accepts; the tracker sees it.

The people come from the ``world`` fixture of the petition tests (password Tongxin@2026).
Every step is done through the pages a user would use; the ORM only checks the end result.
Screenshots of the key steps go to test-artifacts/journey-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import Locator, Page, expect

from petitions.choices import NoticeKind, Rating, ReplyOutcome, ReviewLevel, ReviewOutcome, State
from petitions.events import verify_petition_chain
from petitions.models import Petition, PetitionEvent
from tests.petitions.conftest import world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Tongxin@2026"
PHONE = (375, 740)
DESKTOP = (1280, 800)
NUMBER = re.compile(r"^XF-(\d{4})-\d{6}$")

TITLE = "综采一队十月绩效工资少发"
CONTENT = "我是综采一队职工，十月份绩效工资比上月少发了八百元，队里没有任何说明，请求核实补发。"
REPLY = "经核实，十月绩效因考核系统录入错误少计八百元，已于十一月随工资补发，并向你队作了说明。"
REVIEW_REASON = "补发金额不对，少算了夜班津贴，请上级单位复查。"
REVIEW_OPINION = "经复查，补发金额计算正确，夜班津贴已另行发放，维持原处理意见。"


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    """Uploads into a temporary folder; a fresh budget of receipt-code tries (locmem cache)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


# --- what a user does -------------------------------------------------------------------------


class Screenshots:
    """``shot(page, "3-done-375")`` saves test-artifacts/<prefix>-3-done-375.png (whole page)."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder, self.prefix = folder, prefix

    def __call__(self, page: Page, name: str) -> None:
        page.screenshot(path=str(self.folder / f"{self.prefix}-{name}.png"), full_page=True)


def login(page: Page, base: str, employee_no: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", employee_no)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    expect(page).to_have_url(f"{base}/")
    expect(page.locator("[data-testid=home-title]")).to_contain_text("您好")


def open_menu_if_phone(page: Page) -> None:
    """On a phone the navigation sits in the offcanvas behind the toggler."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        expect(page.locator("#tx-nav")).to_have_class(re.compile(r"\bshow\b"))


def go(page: Page, label: str) -> None:
    """Follow a menu entry (我要信访, 我的信访, 信访工作台, 我的承办)."""
    open_menu_if_phone(page)
    # Not exact: the icon's CSS glyph (::before) is part of the link's accessible name.
    page.locator("#tx-nav").get_by_role("link", name=label).click()


def logout(page: Page, base: str) -> None:
    open_menu_if_phone(page)
    page.click("[data-testid=logout]")
    expect(page).to_have_url(f"{base}/login/")


def choose(select: Locator, text: str) -> None:
    """Pick the option whose label contains ``text`` (unit labels are indented with U+3000)."""
    option = select.locator("option", has_text=text)
    expect(option).to_have_count(1)
    select.select_option(option.get_attribute("value"))


def photo(folder: Path) -> Path:
    """A real PNG photo-like picture: a sky, a tunnel mouth, a rail."""
    path = folder / "井下巷道照片.png"
    image = Image.new("RGB", (640, 480), (90, 110, 140))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 640, 480), fill=(70, 60, 50))
    draw.ellipse((200, 150, 440, 390), fill=(20, 20, 20))
    draw.line((120, 480, 320, 300, 520, 480), fill=(180, 180, 180), width=6)
    image.save(path, format="PNG")
    return path


def fill_petition(page: Page, *, anonymous: bool, attachment: Path | None = None) -> None:
    """On 我要信访: fill the form and go to the summary step."""
    expect(page.locator("h1")).to_contain_text("我要信访")
    if anonymous:
        page.locator("label[for=id_mode_1]").click()
        expect(page.locator("#id_mode_1")).to_be_checked()
        expect(page.locator("#address-box")).to_be_hidden()
    else:
        expect(page.locator("#id_mode_0")).to_be_checked()
    expect(page.locator("#id_unit option:checked")).to_contain_text("塔山矿")  # the employee's mine
    page.select_option("#id_category", label="工资薪酬")
    page.fill("#id_title", TITLE)
    page.fill("#id_content", CONTENT)
    if attachment is not None:
        page.set_input_files("#id_attachments", str(attachment))


def opened(page: Page, selector: str) -> Locator:
    """A Bootstrap collapse once fully open: while it is still ``.collapsing`` its overflow is
    hidden, and a field scrolled into view then stays clipped (which no user would do)."""
    expect(page.locator(f"{selector}.collapse.show")).to_be_visible()
    return page.locator(selector)


def staff_act(page: Page, action: str, label: str) -> Locator:
    """Open an action's form on the staff petition page; returns the form (caller fills, submits)."""
    page.locator(f"[data-testid=actions] [data-action={action}]").click()
    form = opened(page, f"#action-{action}")
    expect(form.locator(f"[data-testid=submit-{action}]")).to_have_text(f"确认{label}")
    return form


def staff_submit(page: Page, action: str, label: str, number: str) -> None:
    page.click(f"[data-testid=submit-{action}]")
    expect(page.locator(".alert-success")).to_contain_text(f"已{label}：{number}")


def staff_state(page: Page) -> Locator:
    return page.locator("[data-testid=petition-header] [data-state]")


def open_from_list(page: Page, number: str) -> None:
    page.locator(f"[data-testid=petition-table] tr[data-number='{number}'] a").first.click()
    expect(page.locator("[data-testid=petition-number]")).to_have_text(number)


def petitioner_act(page: Page, action: str) -> Locator:
    """Open a petitioner action (评价, 申请复查, 补充材料) on the petitioner's page."""
    page.click(f"[data-testid=action-{action}]")
    return opened(page, f"#act-{action}")


# --- 1. the named journey ---------------------------------------------------------------------


def test_named_journey_submit_accept_assign_reply_rate_review(
    live_server, new_tab, artifacts_dir, world, tmp_path  # noqa: F811
):
    base = live_server.url
    shot = Screenshots(artifacts_dir, "journey")
    tabs = []

    # The employee, on a phone, submits with a photo through the summary step.
    employee_tab = new_tab(*PHONE)
    tabs.append(employee_tab)
    me = employee_tab.page
    login(me, base, "Z1")
    go(me, "我要信访")
    picture = photo(tmp_path)
    fill_petition(me, anonymous=False, attachment=picture)
    shot(me, "1-form-375")
    me.click("[data-testid=to-preview]")

    summary = me.locator("[data-testid=preview]")
    expect(me.locator("h1")).to_contain_text("核对信访内容")
    expect(summary).to_contain_text("实名")
    expect(summary).to_contain_text("王建国（Z1）")
    expect(summary).to_contain_text("塔山矿")
    expect(summary).to_contain_text(TITLE)
    expect(summary).to_contain_text(CONTENT)
    expect(me.locator("[data-testid=preview-files]")).to_contain_text(picture.name)
    expect(me.locator("#id_category option:checked")).to_have_text("工资薪酬")
    shot(me, "2-summary-375")
    me.click("[data-testid=confirm-submit]")

    expect(me.locator("h1")).to_contain_text("信访已提交")
    number_box = me.locator("[data-testid=petition-number]")
    expect(number_box).to_have_text(NUMBER)
    number = number_box.inner_text().strip()
    assert NUMBER.match(number).group(1) == str(timezone.localdate().year)
    expect(me.locator("[data-testid=receipt-code]")).to_have_count(0)  # named: no receipt code
    shot(me, "3-done-375")
    me.get_by_role("link", name="查看这件信访").click()
    expect(me.locator("[data-testid=state]")).to_have_text("待受理")
    expect(me.locator("[data-testid=timeline]")).to_contain_text("登记")

    # The mine's petition officer, at a desk: inbox → the petition → 受理 → 交办.
    officer_tab = new_tab(*DESKTOP)
    tabs.append(officer_tab)
    officer = officer_tab.page
    login(officer, base, "X1")
    go(officer, "信访工作台")
    row = officer.locator(f"[data-testid=petition-table] tr[data-number='{number}']")
    expect(row).to_contain_text(TITLE)
    expect(row.locator("[data-state]")).to_have_text("待受理")
    open_from_list(officer, number)
    expect(staff_state(officer)).to_have_text("待受理")
    expect(officer.locator("[data-testid=attachments]")).to_contain_text(picture.name)
    expect(officer.locator("[data-testid=identity]")).to_contain_text("王")

    form = staff_act(officer, "accept", "受理")
    form.locator("#id_accept_note").fill("属本矿职责，予以受理。")
    staff_submit(officer, "accept", "受理", number)
    expect(staff_state(officer)).to_have_text("已受理待交办")

    form = staff_act(officer, "assign", "交办")
    choose(form.locator("#id_assign_handling_unit"), "综采一队")
    choose(form.locator("#id_assign_handler"), "赵志强（H1")
    choose(form.locator("#id_assign_leader"), "刘德华（L1")
    form.locator("#id_assign_note").fill("请十日内核实绩效工资并答复。")
    shot(officer, "4-assign-1280")
    staff_submit(officer, "assign", "交办", number)
    expect(staff_state(officer)).to_have_text("办理中")
    assignment = officer.locator("[data-testid=assignment]")
    expect(assignment).to_contain_text("综采一队")
    expect(assignment).to_contain_text("赵志强")
    expect(assignment).to_contain_text("刘德华")

    # The handler: 我的承办 → the petition → 答复; the 处理意见书 downloads as a .docx.
    handler_tab = new_tab(*DESKTOP)
    tabs.append(handler_tab)
    handler = handler_tab.page
    login(handler, base, "H1")
    go(handler, "我的承办")
    expect(handler.locator("h1")).to_contain_text("我的承办")
    open_from_list(handler, number)
    expect(staff_state(handler)).to_have_text("办理中")
    form = staff_act(handler, "reply", "答复")
    form.locator("#id_reply_outcome").select_option(label="予以支持")
    form.locator("#id_reply_text").fill(REPLY)
    staff_submit(handler, "reply", "答复", number)
    expect(staff_state(handler)).to_have_text("已答复")
    notices = handler.locator("[data-testid=notices]")
    expect(notices).to_contain_text("处理意见书")
    shot(handler, "5-replied-1280")
    with handler.expect_download() as download_info:
        notices.get_by_role("link", name=re.compile("处理意见书")).click()
    download = download_info.value
    assert download.suggested_filename == f"处理意见书-{number}.docx"
    assert Path(download.path()).read_bytes()[:2] == b"PK"  # a .docx is a zip

    # The employee, on the phone again: 我的信访 → the petition → 不满意 → 申请复查.
    go(me, "我的信访")
    card = me.locator("[data-testid=petition-card]", has_text=number)
    expect(card.locator("[data-testid=state]")).to_have_text("已答复")
    card.click()
    expect(me.locator("[data-testid=state]")).to_have_text("已答复")
    expect(me.locator("[data-testid=reply]")).to_contain_text("予以支持")
    expect(me.locator("[data-testid=reply]")).to_contain_text(REPLY)
    expect(me.locator("[data-testid=notices]")).to_contain_text("处理意见书")
    shot(me, "6-replied-375")

    panel = petitioner_act(me, "rate")
    panel.get_by_label("不满意", exact=True).check()
    panel.locator("#rate-comment").fill("补发金额不对。")
    me.click("[data-testid=do-rate]")
    expect(me.locator(".alert-success")).to_contain_text("感谢您的评价。")
    expect(me.locator("[data-testid=state]")).to_have_text("已办结")
    expect(me.locator("[data-testid=reply]")).to_contain_text("您的评价：不满意")

    panel = petitioner_act(me, "request_review")
    panel.locator("#request_review-text").fill(REVIEW_REASON)
    me.click("[data-testid=do-request_review]")
    expect(me.locator(".alert-success")).to_contain_text("复查申请已提交。")
    expect(me.locator("[data-testid=state]")).to_have_text("复查中")
    expect(me.locator("[data-testid=review]")).to_contain_text("煤业一公司")
    shot(me, "7-review-requested-375")

    # The company's petition officer (the next-higher unit) decides the review.
    company_tab = new_tab(*DESKTOP)
    tabs.append(company_tab)
    company = company_tab.page
    login(company, base, "X2")
    go(company, "信访工作台")
    open_from_list(company, number)
    expect(staff_state(company)).to_have_text("复查中")
    expect(company.locator("[data-review=review]")).to_contain_text(REVIEW_REASON)
    form = staff_act(company, "decide_review", "复查决定")
    form.locator("#id_decide_review_outcome").select_option(label="维持原处理意见")
    form.locator("#id_decide_review_opinion").fill(REVIEW_OPINION)
    staff_submit(company, "decide_review", "复查决定", number)
    expect(staff_state(company)).to_have_text("已复查")
    expect(company.locator("[data-review=review]")).to_contain_text("维持原处理意见")
    expect(company.locator("[data-testid=notices]")).to_contain_text("复查意见书")
    shot(company, "8-reviewed-1280")

    me.reload()
    expect(me.locator("[data-testid=state]")).to_have_text("已复查")
    expect(me.locator("[data-testid=review]")).to_contain_text("维持原处理意见")
    expect(me.locator("[data-testid=review]")).to_contain_text(REVIEW_OPINION)
    shot(me, "9-reviewed-375")

    # What the pages showed is what the database holds.
    p = Petition.objects.get(number=number)
    assert p.state == State.REVIEWED
    assert p.petitioner == world.employee and not p.is_anonymous
    assert p.category == "wages" and p.title == TITLE
    assert (p.handling_unit, p.handler, p.leader) == (world.team, world.handler, world.leader)
    assert p.reply_outcome == ReplyOutcome.SUPPORT and p.reply_text == REPLY
    assert p.rating == Rating.UNSATISFIED
    [attachment] = p.attachments.all()
    assert attachment.original_name == picture.name and attachment.by_petitioner
    assert attachment.size == picture.stat().st_size
    [review] = p.review_list
    assert (review.level, review.unit, review.outcome) == (ReviewLevel.REVIEW, world.company, ReviewOutcome.UPHOLD)
    assert review.request_text == REVIEW_REASON and review.opinion == REVIEW_OPINION
    kinds = set(p.notices.values_list("kind", flat=True))
    assert {NoticeKind.ACCEPTANCE, NoticeKind.REPLY, NoticeKind.REVIEW} <= kinds
    assert verify_petition_chain(p) == []

    for tab in tabs:
        assert tab.script_errors == []
        assert tab.missing_static == []


# --- 2. the anonymous journey -----------------------------------------------------------------


def test_anonymous_journey_receipt_code_tracking_material_and_acceptance(
    live_server, new_tab, artifacts_dir, world  # noqa: F811
):
    base = live_server.url
    shot = Screenshots(artifacts_dir, "journey-anon")

    employee_tab = new_tab(*PHONE)
    me = employee_tab.page
    login(me, base, "Z1")
    go(me, "我要信访")
    fill_petition(me, anonymous=True)
    me.click("[data-testid=to-preview]")
    summary = me.locator("[data-testid=preview]")
    expect(summary).to_contain_text("匿名")
    expect(summary).not_to_contain_text("王建国")
    me.click("[data-testid=confirm-submit]")

    expect(me.locator("h1")).to_contain_text("信访已提交")
    number = me.locator("[data-testid=petition-number]").inner_text().strip()
    assert NUMBER.match(number)
    receipt = me.locator("[data-testid=receipt-code]")
    expect(receipt).to_be_visible()
    groups = receipt.locator("span").all_inner_texts()
    code = "".join(groups)
    assert [len(g) for g in groups] == [4, 4, 4, 4] and code.isdigit()
    shot(me, "1-receipt-375")
    me.reload()  # shown once only
    expect(me.locator("[data-testid=receipt-code]")).to_have_count(0)
    expect(me.locator("[data-testid=receipt-gone]")).to_be_visible()
    logout(me, base)

    # Not logged in: follow the petition by its code (typed the way it was shown, in groups).
    me.goto(f"{base}/xf/track/")
    me.fill("#id_code", " ".join(groups))
    me.click("[data-testid=track-submit]")
    expect(me).to_have_url(f"{base}/xf/track/view/")
    expect(me.locator("[data-testid=petition-number]")).to_have_text(number)
    expect(me.locator("[data-testid=state]")).to_have_text("待受理")
    timeline = me.locator("[data-testid=timeline]")
    expect(timeline).to_contain_text("登记")
    expect(me.locator("main")).not_to_contain_text("王建国")

    panel = petitioner_act(me, "add_material")
    panel.locator("#add_material-text").fill("补充：同班组另有三名职工十月绩效也少发，工资条可以作证。")
    me.click("[data-testid=do-add_material]")
    expect(me.locator(".alert-success")).to_contain_text("补充材料已提交。")
    expect(timeline).to_contain_text("补充材料")
    expect(me.locator("[data-testid=state]")).to_have_text("待受理")
    shot(me, "2-tracking-375")

    # The mine's officer accepts it at the desk.
    officer_tab = new_tab(*DESKTOP)
    officer = officer_tab.page
    login(officer, base, "X1")
    go(officer, "信访工作台")
    open_from_list(officer, number)
    expect(staff_state(officer)).to_have_text("待受理")
    expect(officer.locator("[data-testid=identity]")).to_contain_text("匿名")
    expect(officer.locator("[data-testid=timeline]")).to_contain_text("同班组另有三名职工")
    staff_act(officer, "accept", "受理")
    staff_submit(officer, "accept", "受理", number)
    expect(staff_state(officer)).to_have_text("已受理待交办")

    # The anonymous tracker reloads and sees the acceptance.
    me.reload()
    expect(me.locator("[data-testid=state]")).to_contain_text("已受理")
    expect(timeline).to_contain_text("受理")
    shot(me, "3-accepted-375")

    p = Petition.objects.get(number=number)
    assert p.state == State.ACCEPTED and p.is_anonymous
    kinds = list(p.events.order_by("seq").values_list("kind", flat=True))
    assert kinds[:3] == [PetitionEvent.Kind.REGISTERED, PetitionEvent.Kind.MATERIAL_ADDED, PetitionEvent.Kind.ACCEPTED]
    assert verify_petition_chain(p) == []
    for tab in (employee_tab, officer_tab):
        assert tab.script_errors == []
        assert tab.missing_static == []
