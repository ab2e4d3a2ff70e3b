"""The engagement module's main journeys in a real browser (headless Chromium, Playwright):

1. ask → answer → publish (the employee on a phone, 375 px);
2. close → de-identify → share → suggested on another unit's petition;
3. plan → visit → petition (the cadre records the visit on a phone);
4. schedule → briefing → minutes → decision done (the owner closes it on a phone);
5. assign test → take → score (the candidate on a phone).

Every step goes through the pages; the ORM only sets up closed petitions and checks the results.
Screenshots go to test-artifacts/engagement-*.png.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from playwright.sync_api import Page, expect

from engagement.choices import AttemptState, CaseState, DecisionState, MatterOutcome, QuestionState
from engagement.models import Attempt, Decision, LibraryCase, Question, VisitMatter
from petitions.choices import Channel, State
from tests.engagement.conftest import close_petition
from tests.petitions.conftest import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Tongxin@2026"
PHONE = (375, 740)
DESKTOP = (1280, 900)


def login(page: Page, base: str, employee_no: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", employee_no)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    expect(page).to_have_url(f"{base}/")


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"engagement-{name}.png"), full_page=True)


def no_overflow(page: Page) -> None:
    """Nothing wider than a phone's screen (no sideways scrolling at 375 px)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1


def success(page: Page, text: str) -> None:
    expect(page.locator(".alert-success")).to_contain_text(text)


def choose(page: Page, selector: str, text: str) -> None:
    option = page.locator(f"{selector} option", has_text=text).first
    page.select_option(selector, option.get_attribute("value"))


def test_ask_answer_publish(live_server, new_tab, artifacts_dir, world, second_officer):
    base = live_server.url
    me = new_tab(*PHONE)
    page = me.page
    login(page, base, "Z1")
    page.goto(f"{base}/qz/qa/")
    choose(page, "#id_unit", "塔山矿")
    page.select_option("#id_category", label="工资薪酬")
    page.fill("#id_title", "夜班津贴的计算标准是什么？")
    page.fill("#id_body", "想了解夜班津贴怎么计算、什么时候发放")
    no_overflow(page)
    shot(page, artifacts_dir, "1-ask-375")
    page.click("[data-testid=ask-submit]")
    success(page, "问题已提交")
    expect(page.locator("[data-testid=my-questions]")).to_contain_text("待答复")
    q = Question.objects.get()

    officer = new_tab(*DESKTOP).page
    login(officer, base, "X1")
    officer.goto(f"{base}/qz/qa/staff/")
    officer.locator("[data-testid=unanswered] a", has_text="夜班津贴").click()
    officer.fill("#id_answer", "夜班津贴按每班三十元计发，随当月工资一并发放，具体见矿劳资科公示的标准。")
    officer.click("[data-testid=answer-submit]")
    success(officer, "答复已提交审核")
    expect(officer.locator("[data-testid=review-form]")).to_have_count(0)  # not one's own answer

    reviewer = new_tab(*DESKTOP).page
    login(reviewer, base, "X5")
    reviewer.goto(f"{base}/qz/qa/{q.public_id}/")
    reviewer.select_option("#id_approve", "1")
    reviewer.click("[data-testid=review-submit]")
    success(reviewer, "审核完成")
    expect(reviewer.locator("[data-testid=question-state]")).to_have_text("已公开答复")

    page.goto(f"{base}/qz/qa/?q=津贴")
    page.locator("[data-testid=faq-list] a", has_text="夜班津贴").click()
    expect(page.locator("[data-testid=answer-text]")).to_contain_text("每班三十元")
    no_overflow(page)
    shot(page, artifacts_dir, "1-published-375")
    q.refresh_from_db()
    assert q.state == QuestionState.PUBLISHED and q.reviewed_by == second_officer
    assert me.script_errors == [] and me.missing_static == []


def test_close_deidentify_share_suggested(live_server, new_tab, artifacts_dir, world, second_officer):
    base = live_server.url
    p = close_petition(world)
    officer = new_tab(*DESKTOP).page
    login(officer, base, "X1")
    officer.goto(base + reverse("petitions:detail", args=[p.public_id]))
    officer.click("[data-testid=make-case]")
    success(officer, "已生成脱敏案例草稿")
    summary = officer.locator("#id_summary")
    for secret in ("王建国", "13912345678", "140202198805061234", "塔山矿", "Z10023"):
        assert secret not in summary.input_value()
    officer.locator("label", has_text="政策解释到位").click()
    officer.fill("#id_lessons_text", "核实要快，补发要公开，说明要到位。")
    officer.click("[data-testid=case-submit]")
    expect(officer.locator("[data-testid=case-state]")).to_have_text("待审核")
    case = LibraryCase.objects.get()

    reviewer = new_tab(*DESKTOP).page
    login(reviewer, base, "X5")
    reviewer.goto(f"{base}/qz/library/{case.pk}/")
    reviewer.select_option("#id_approve", "1")
    reviewer.click("[data-testid=case-review-submit]")
    expect(reviewer.locator("[data-testid=case-state]")).to_have_text("已审核")
    choose(reviewer, "#id_units", "同忻矿")
    reviewer.click("[data-testid=case-share-submit]")
    success(reviewer, "已共享给1个单位")

    similar = submit(world, now=timezone.now(), unit=world.other_mine, title="掘进队十一月绩效工资少发",
                     content="十一月份绩效工资比上月少发了五百元，队里没有任何说明，请求核实补发。").petition
    sister = new_tab(*PHONE)
    login(sister.page, base, "X4")
    sister.page.goto(base + reverse("petitions:detail", args=[similar.public_id]))
    panel = sister.page.locator("[data-testid=library-suggestions]")
    expect(panel).to_contain_text(case.title)
    no_overflow(sister.page)
    shot(sister.page, artifacts_dir, "2-suggested-375")
    panel.locator(f"[data-case='{case.pk}'] a").click()
    expect(sister.page.locator("[data-testid=case-title]")).to_have_text(case.title)
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED and "王建国" not in case.summary
    assert sister.script_errors == []


def test_plan_visit_petition(live_server, new_tab, artifacts_dir, world):
    base = live_server.url
    planner = new_tab(*DESKTOP).page
    login(planner, base, "X2")
    planner.goto(f"{base}/qz/visits/")
    choose(planner, "#id_unit", "煤业一公司")
    planner.fill("#id_month", f"{timezone.localdate():%Y-%m-%d}")
    choose(planner, "#id_cadres", "刘德华")
    choose(planner, "#id_targets", "塔山矿")
    planner.click("[data-testid=plan-submit]")
    success(planner, "下访计划已制定")
    expect(planner.locator("[data-testid=visit-compliance] tr[data-unit=TS]")).to_contain_text("0%")

    cadre = new_tab(*PHONE)
    page = cadre.page
    login(page, base, "L1")
    page.goto(f"{base}/qz/visits/")
    page.locator("[data-testid=my-assignments] a", has_text="记录下访").click()
    page.fill("#id_place", "塔山矿职工之家")
    page.fill("#id_employees_met", "23")
    page.fill("#id_summary", "宣传信访条例，通报稳定形势，座谈听取职工意见")
    page.fill("#id_matter1", "井下班中餐补贴标准多年未调整，职工意见较大")
    page.select_option("#id_category1", label="工资薪酬")
    page.fill("#id_people1", "30")
    no_overflow(page)
    shot(page, artifacts_dir, "3-visit-375")
    page.click("[data-testid=visit-submit]")
    success(page, "下访记录已保存")
    expect(page.locator("[data-testid=employees-met]")).to_have_text("23")
    matter = VisitMatter.objects.get()

    officer = new_tab(*DESKTOP).page
    login(officer, base, "X1")
    officer.goto(page.url.replace(base, base))
    officer.click(f"[data-testid=matter-to-petition-{matter.pk}]")
    success(officer, "已登记为信访事项")
    officer.locator("[data-testid=matter-petition]").click()
    expect(officer.locator("[data-testid=petition-title]")).to_contain_text("班中餐补贴")
    matter.refresh_from_db()
    assert matter.outcome == MatterOutcome.PETITION
    assert matter.petition.channel == Channel.CADRE_VISIT and matter.petition.state == State.REGISTERED
    planner.reload()
    expect(planner.locator("[data-testid=visit-compliance] tr[data-unit=TS]")).to_contain_text("100%")
    assert cadre.script_errors == []


def test_schedule_briefing_minutes_decision(live_server, new_tab, artifacts_dir, world):
    base = live_server.url
    submit(world, now=timezone.now() - timedelta(days=40), title="去年取暖费未报销")  # overdue by now
    officer = new_tab(*DESKTOP).page
    login(officer, base, "X1")
    officer.goto(f"{base}/qz/meetings/")
    choose(officer, "#id_unit", "塔山矿")
    officer.select_option("#id_kind", "monthly")
    officer.fill("#id_period", f"{timezone.localdate():%Y-%m}")
    officer.fill("#id_scheduled_at", f"{timezone.localtime() - timedelta(hours=2):%Y-%m-%dT%H:%M}")
    officer.fill("#id_place", "矿调度楼三楼会议室")
    choose(officer, "#id_attendees", "赵志强")
    officer.click("[data-testid=meeting-submit]")
    success(officer, "会议已安排")
    with officer.expect_download() as info:
        officer.click("[data-testid=briefing-download]")
    content = Path(info.value.path()).read_bytes()
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    tables = "\n".join(c.text for t in Document(io.BytesIO(content)).tables for r in t.rows for c in r.cells)
    assert "信访维稳专题会材料" in text and "去年取暖费未报销" in tables
    officer.fill("#id_minutes", "会议听取了本月信访形势汇报，研究了取暖费报销问题。")
    officer.click("[data-testid=minutes-submit]")
    expect(officer.locator("[data-testid=meeting-state]")).to_have_text("已召开")
    officer.fill("#id_text", "十二月十日前完成取暖费报销")
    choose(officer, "#id_owner", "赵志强")
    officer.fill("#id_due_on", f"{timezone.localdate() + timedelta(days=10):%Y-%m-%d}")
    officer.click("[data-testid=decision-submit]")
    success(officer, "决定事项已登记")
    d = Decision.objects.get()

    owner = new_tab(*PHONE)
    page = owner.page
    login(page, base, "H1")
    page.goto(f"{base}/qz/meetings/")
    page.locator("[data-testid=my-decisions] a").click()
    page.fill(f"#id_d{d.pk}_note", "已全部报销并公示")
    no_overflow(page)
    shot(page, artifacts_dir, "4-decision-375")
    page.click(f"[data-testid=decision-done-{d.pk}]")
    success(page, "已登记落实情况")
    expect(page.locator(f"[data-testid=decision-state-{d.pk}]")).to_have_text("已落实")
    d.refresh_from_db()
    assert d.state == DecisionState.DONE
    officer.goto(f"{base}/qz/meetings/")
    assert officer.locator("[data-testid=monthly-compliance] tr[data-unit=TS] .bi-check-circle-fill").count() == 1
    assert owner.script_errors == []


def test_assign_take_score(live_server, new_tab, artifacts_dir, world):
    base = live_server.url
    officer = new_tab(*DESKTOP).page
    login(officer, base, "X1")
    officer.goto(f"{base}/qz/training/")
    choose(officer, "#id_unit", "塔山矿")
    officer.fill("#id_title", "十一月信访业务测试")
    officer.fill("#id_count", "12")
    officer.click("[data-testid=exam-submit]")
    success(officer, "测试已下发")
    attempt = Attempt.objects.get(person=world.handler)

    candidate = new_tab(*PHONE)
    page = candidate.page
    login(page, base, "H1")
    page.goto(f"{base}/qz/training/")
    page.click(f"[data-testid=take-{attempt.pk}]")
    cards = page.locator("[data-testid=attempt-form] [data-question]")
    for i in range(cards.count()):
        card = cards.nth(i)
        kind = card.get_attribute("data-kind")
        if kind == "short":
            card.locator("textarea").fill("引导其依法申请劳动仲裁，并书面告知。")
        else:
            card.locator("input").first.check()
    no_overflow(page)
    shot(page, artifacts_dir, "5-test-375")
    page.click("[data-testid=attempt-submit]")
    success(page, "已交卷")
    attempt.refresh_from_db()
    if attempt.state == AttemptState.SUBMITTED:  # a short answer waits for the reviewer
        expect(page.locator("[data-testid=attempt-state]")).to_have_text("待阅卷")
        officer.goto(f"{base}/qz/training/attempt/{attempt.pk}/")
        marks = officer.locator("[data-testid^=mark-]")
        expect(marks.first).to_be_visible()
        while marks.count():
            marks.first.click()
            success(officer, "已评分")
        page.reload()
    expect(page.locator("[data-testid=attempt-state]")).to_have_text("已评分")
    expect(page.locator("[data-testid=attempt-score]")).to_have_text(re.compile(r"^\d+/\d+$"))
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.SCORED and attempt.score is not None
    page.goto(f"{base}/qz/training/")
    expect(page.locator("[data-testid=history]")).to_contain_text(f"{attempt.score}/{attempt.max_score}")
    assert candidate.script_errors == []
