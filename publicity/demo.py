"""Demo data of the publicity module, made through its services (so every review record,
version, point, rule version and audit row is genuine). Idempotent: a second run adds nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orgs.models import Unit, User
from publicity import culture, ideology, lectures, newsroom, placements, sentiment, study
from publicity.choices import (
    AgendaKind,
    CampaignKind,
    ConceptKind,
    Decision,
    OutletLevel,
    PositionKind,
    ReviewLevel,
)
from publicity.models import Concept, Theme

CONCEPTS = [
    (ConceptKind.VISION, "安全、高效、文明、和谐、幸福", "建设安全、高效、文明、和谐、幸福的新地煤：安全是前提，高效是目标，文明是形象，和谐是保障，幸福是归宿。"),
    (ConceptKind.SAFETY, "“136”安全管理模式", "一个中心：以安全为中心；三项机制：责任落实、风险预控、隐患闭环；六个抓手：制度、培训、现场、装备、文化、考核。"),
    (ConceptKind.VALUES, "五种意识", "安全意识、责任意识、创新意识、效益意识、团队意识。"),
    (ConceptKind.OTHER, "五项活动、五大措施", "以主题宣讲、技能比武、家属协管、班组建设、典型选树五项活动和五大措施推动安全文化落地。"),
]
THEMES = [("独立核算、分灶吃饭", ["wages", "restructuring"]), ("安全生产", ["safety"]), ("薪酬政策解读", ["wages"]),
          ("职业健康", ["occupational_health"]), ("党的二十大精神", [])]
OUTLETS = [("晋能控股日报", OutletLevel.GROUP), ("中国新闻网", OutletLevel.CENTRAL), ("山西日报", OutletLevel.PROVINCIAL),
           ("中国煤炭报", OutletLevel.INDUSTRY), ("大同日报", OutletLevel.CITY)]
PIECES = [
    ("塔山矿综采一队月产突破百万吨", "综采一队十一月原煤产量突破百万吨，全队实现安全生产一千二百天。", "安全生产"),
    ("班前会搬到工作面：安全课人人上台讲", "综采一队把班前会开到工作面，安全员现场讲隐患，班组长现场派活。", "安全生产"),
    ("算清成本账 分灶吃饭见实效", "塔山矿推行独立核算、分灶吃饭，区队算清每一度电、每一米巷道的成本。", "独立核算、分灶吃饭"),
    ("绩效工资怎么算？一张表说清楚", "针对职工关心的绩效工资问题，矿人力资源部编写了一张明白表，逐项解释。", "薪酬政策解读"),
    ("尘肺病防治进班组", "职业健康宣讲走进掘进队，讲解防尘口罩佩戴和定期体检。", "职业健康"),
]


def _people(prefix: str, n: int) -> list[User]:
    return list(User.objects.filter(home_unit__code__startswith=prefix, is_active=True).order_by("employee_no")[:n])


@transaction.atomic
def build_publicity() -> int:
    """Returns how many pieces were created (0 when the demo is already there)."""
    if Concept.objects.exists():
        return 0
    officer = User.objects.filter(employee_no="P0001").first()
    group = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    mine = Unit.objects.filter(code="TSK").first()
    if officer is None or group is None or mine is None:
        return 0
    team = Unit.objects.filter(code="TSK-ZC1").first() or mine
    people = _people("TSK", 12)
    if len(people) < 8:
        return 0
    for i, (kind, title, body) in enumerate(CONCEPTS):
        culture.concept_save(acting_user=officer, text=culture.ConceptText(kind=kind, title=title, body=body, order=i,
                                                                          note="演示数据"))
    themes = {name: Theme.objects.get_or_create(name=name, defaults={"categories": cats})[0] for name, cats in THEMES}
    outlets = {name: placements.outlet_create(name=name, level=level, acting_user=officer) for name, level in OUTLETS}
    correspondent, editor, head, leader, lecturer = people[0], people[1], people[2], people[3], people[4]
    newsroom.correspondent_appoint(user=correspondent, unit=mine, acting_user=officer)
    for user, level in ((editor, ReviewLevel.FIRST), (head, ReviewLevel.SECOND), (leader, ReviewLevel.FINAL)):
        newsroom.editorial_post_grant(user=user, unit=mine, level=level, acting_user=officer)
    now = timezone.now()
    created = []
    for i, (title, body, theme) in enumerate(PIECES):
        draft = newsroom.PieceDraft(title=title, body=body * 3, lead=body, unit=team if i < 2 else mine,
                                    theme=themes[theme], for_outside=i < 3)
        piece = newsroom.piece_create(author=correspondent, draft=draft, submit=True, now=now - timedelta(days=10 - i))
        created.append(piece)
        if i <= 2:  # three published pieces with their full 三审三校 record
            for who in (editor, head, leader):
                piece = newsroom.piece_review(piece=piece, acting_user=who, decision=Decision.PASS, proofread=True,
                                              now=now - timedelta(days=9 - i))
        elif i == 3:  # returned by the 复审 with a comment
            piece = newsroom.piece_review(piece=piece, acting_user=editor, decision=Decision.PASS, proofread=True)
            newsroom.piece_review(piece=piece, acting_user=head, decision=Decision.RETURN, comment="请补充具体数据来源")
    # The ledger: 2022 placements (the seed's year of 428 pieces, here a sample) and this year's.
    names = list(outlets)
    for n in range(24):
        year = 2022 if n < 16 else now.year
        placements.placement_record(
            acting_user=officer, outlet=outlets[names[n % len(names)]], kind=["news", "feature", "photo"][n % 3],
            published_on=date(year, 1 + n % 12, 5 + n % 20), title=f"{PIECES[n % 5][0]}（{n + 1}）", unit=mine,
            authors=[placements.Byline(unit=mine, user=correspondent)], link="https://example.org/demo",
            piece=created[n % 3] if n >= 16 else None, theme=themes[PIECES[n % 5][2]])
    # Lectures of the 独立核算、分灶吃饭 campaign.
    campaign = lectures.campaign_create(acting_user=officer, name="“独立核算、分灶吃饭”主题宣讲", kind=CampaignKind.LECTURE,
                                        unit=group, starts_on=date(now.year, 1, 1), ends_on=date(now.year, 12, 31),
                                        units=[mine], theme=themes["独立核算、分灶吃饭"])
    lectures.lecturer_team_create(acting_user=officer, name="塔山矿宣讲团", unit=mine, members=[lecturer, editor])
    teams = list(Unit.objects.filter(parent=mine).order_by("path")[:4]) or [mine]
    for n in range(8):
        held = now - timedelta(days=20 * (n + 1))
        audience = [(teams[n % len(teams)], 40 + 7 * n)] + ([(mine, 20)] if n % 3 == 0 else [])
        lectures.lecture_record(acting_user=officer, topic=f"独立核算、分灶吃饭怎么干（第{n + 1}讲）", lecturer=lecturer,
                                unit=mine, held_at=held, audience=audience, campaign=campaign, place="矿会议中心")
    # 第一议题 and the 中心组.
    study.first_topic_record(acting_user=officer, unit=mine, meeting_on=now.date() - timedelta(days=15),
                             material="学习习近平总书记关于安全生产的重要论述", led_by=leader,
                             attendees=people[2:8], summary="把安全生产重要论述落实到每个班组。",
                             tasks=[study.TaskDraft(title="开展一次安全警示教育", owner=head,
                                                    due_on=now.date() + timedelta(days=2)),
                                    study.TaskDraft(title="修订区队安全考核办法", owner=editor,
                                                    due_on=now.date() + timedelta(days=30))])
    plan = study.center_plan_create(acting_user=officer, unit=mine, year=now.year,
                                    topics="党的二十大精神\n安全生产重要论述\n国企改革", members=people[2:8])
    for n, month in enumerate((2, 4, 6)):
        if date(now.year, month, 15) <= now.date():
            study.center_session_record(acting_user=officer, plan=plan, held_on=date(now.year, month, 15),
                                        hours=Decimal("4"), topic=f"专题学习（{n + 1}）", seminar=n != 1,
                                        present=people[2:7], speeches={people[2].pk: "结合分管工作谈体会"})
    # Ideology work.
    ideology.position_register(acting_user=officer, name="塔山矿微信公众号", kind=PositionKind.WECHAT, unit=mine,
                               responsible=editor, address="weixin: tashankuang")
    ideology.position_register(acting_user=officer, name="矿区电子屏", kind=PositionKind.SCREEN, unit=mine,
                               responsible=correspondent)
    ideology.agenda_record(acting_user=officer, unit=mine, meeting_on=date(now.year, 3, 10), kind=AgendaKind.STUDY,
                           title="研究部署全年意识形态工作")
    ideology.incident_log(acting_user=officer, title="短视频称塔山矿停产", summary="某短视频平台出现塔山矿停产的不实说法。",
                          unit=mine, level="major", owner=editor, found_at=now - timedelta(hours=6), now=now)
    answered = ideology.incident_log(acting_user=officer, title="网帖反映通勤班车晚点", summary="职工论坛反映班车晚点。",
                                     unit=mine, level="general", owner=head, found_at=now - timedelta(days=2), now=now)
    ideology.incident_respond(incident=answered, acting_user=head, text="已联系车队调整发车时间并在论坛回复。",
                              now=now - timedelta(days=2) + timedelta(hours=3))
    # Culture.
    culture_campaign = lectures.campaign_create(acting_user=officer, name="五种意识、五项活动、五大措施", kind=CampaignKind.CULTURE,
                                                unit=mine, starts_on=date(now.year, 1, 1), ends_on=date(now.year, 12, 31),
                                                units=teams)
    for n, unit in enumerate(teams):
        culture.activity_record(acting_user=officer, campaign=culture_campaign, unit=unit, title="安全承诺签名",
                                held_on=date(now.year, 1, 10 + n), participants=20 + 5 * n)
    ideology.escalate_overdue(now=now)
    # The brief of the last full quarter.
    q = (now.month - 1) // 3
    year, quarter = (now.year, q) if q else (now.year - 1, 4)
    sentiment.brief_assemble(acting_user=officer, unit=mine, year=year, quarter=quarter)
    return len(created)
