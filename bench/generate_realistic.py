"""Realistic benchmark data: a coal group of ~400 units, ~20,000 people and N petitions over
three years, each with the events the workflow would have written, at consistent dates.

    python bench/generate_realistic.py [--petitions 1000000] [--people 20000] [--years 3]
                                       [--seed 7] [--db bench-realistic.sqlite3]

SQLite by default (var/<db>); PostgreSQL with DATABASE_URL. Prints the generation time.

How the data is made (docs/performance.md has the proportions it produces):

* The unit tree is made with ``orgs.services.unit_create`` (group → 3 companies → 40 mines and
  plants → 360 teams and departments); people and roles with bulk inserts.
* Every petition *lives* through the workflow's steps in time — registration, the acceptance
  decision (accept, decline, forward then decide, withdraw, or merge of a duplicate), assignment,
  an extension, the reply, the rating, 复查 and 复核, the sweep closing an uncontested reply —
  and is cut at "now": whatever would happen later has not happened yet. So the state mix comes
  out of the timing (most closed, the last two months handling, some overdue) instead of being
  drawn, and every row holds exactly what the workflow would have left in it: ``due_kind`` /
  ``due_at`` of the current period, ``version``, ``closed_at`` and so on.
* Periods are computed as the workflow computes them: ``tongxin.lib.periods.due_at`` with
  ``core.calendar.work_calendar()`` (15 days to the acceptance decision from receipt, 60 days to
  the reply from acceptance, ``extend_due_at`` for an extension, 30 days for review requests and
  answers). Acts happen in working hours on working days.
* Events carry the workflow's ``data`` (``on_time`` on forwards, replies and review decisions,
  ``rating`` on ratings, ...) and are hash-chained per petition exactly as
  ``petitions.events.append_event`` chains them, so the chain verification passes.
* Not generated: official notices (and their ``notice_issued`` events), reminders, supervision
  orders, accountability records, petitioner identities (encrypted) and attachments. Lists, KPIs
  and dashboards do not read them.

Rows are written with PostgreSQL's COPY (psycopg ``cursor.copy``) or, on SQLite, ``executemany``
in large transactions, with explicit ids; sequences are reset and the tables analysed at the end.
Re-running tops the petitions up to N (the missing ones spread over the same span).
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import random
import sys
import time as _time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GROUP_CODE = "RG"
CHUNK = 20_000  # petitions per transaction

CHANNELS = [("online", 42), ("phone", 18), ("visit", 22), ("letter", 12), ("fax", 1), ("cadre_visit", 5)]
CATEGORIES = [
    ("wages", 18), ("social_insurance", 11), ("labour_relations", 9), ("safety", 6), ("occupational_health", 7),
    ("cadre_conduct", 5), ("housing_living", 15), ("retirement", 8), ("restructuring", 5),
    ("land_subsidence", 6), ("suggestion", 7), ("other", 3),
]
PTYPE_BY_CATEGORY = {
    "suggestion": [("suggestion", 85), ("request", 15)],
    "cadre_conduct": [("accusation", 70), ("request", 20), ("appeal", 10)],
    "other": [("inquiry", 50), ("request", 50)],
}
PTYPE_DEFAULT = [("request", 82), ("inquiry", 8), ("appeal", 6), ("suggestion", 4)]

COMPANIES = [("C1", "东胜煤业公司", 14, 2), ("C2", "榆阳煤业公司", 13, 2), ("C3", "能源化工公司", 13, 6)]
MINE_PLACES = [
    "大柳塔", "补连塔", "上湾", "哈拉沟", "石圪台", "乌兰木伦", "布尔台", "寸草塔", "保德", "锦界",
    "榆家梁", "柳塔", "马家塔", "活鸡兔", "李家畔", "石拉乌素", "纳林河", "母杜柴登", "营盘壕", "巴彦高勒",
    "门克庆", "葫芦素", "察哈素", "台格庙", "杨家村", "小保当", "曹家滩", "红柳林", "张家峁", "柠条塔",
]
PLANT_NAMES = [
    "上湾选煤厂", "补连塔选煤厂", "锦界热电厂", "大柳塔洗选中心", "神东铁路运输处", "机电修造厂",
    "榆林煤化工厂", "店塔电厂", "物资供应中心", "水务公司",
]
MINE_TEAMS = [
    ("综采一队", "team"), ("综采二队", "team"), ("掘进一队", "team"), ("掘进二队", "team"), ("机电队", "team"),
    ("运输队", "team"), ("通风科", "department"), ("安监科", "department"), ("后勤服务中心", "department"),
]
PLANT_TEAMS = [
    ("生产一车间", "team"), ("生产二车间", "team"), ("检修车间", "team"), ("运行部", "team"), ("装车队", "team"),
    ("调度室", "department"), ("安监科", "department"), ("设备科", "department"), ("综合办公室", "department"),
]
# Staff per unit kind: role → how many.
STAFF = {
    "group": {"petition_officer": 4, "unit_leader": 3, "handler": 4, "discipline_inspector": 2, "administrator": 1},
    "company": {"petition_officer": 3, "unit_leader": 2, "handler": 3, "discipline_inspector": 1},
    "mine": {"petition_officer": 2, "unit_leader": 2, "handler": 2, "discipline_inspector": 1},
    "team": {"unit_leader": 1, "handler": 2},
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"

TITLES = {
    "wages": ["{m}月份工资未按时足额发放", "绩效工资核算有误，要求重新核定", "井下津贴调整后未落实", "加班费计算不合理",
              "夜班津贴连续三个月未发放", "岗位工资套改后不升反降"],
    "social_insurance": ["养老保险缴费年限记录缺失", "异地就医报销手续繁琐", "住房公积金缴存基数偏低", "企业年金个人账户信息有误",
                         "补充医疗保险理赔迟迟不到账"],
    "labour_relations": ["劳务派遣工同工不同酬", "劳动合同到期未续签", "岗位调整未征求本人意见", "被违规解除劳动合同",
                         "内退待遇计算有误申诉"],
    "safety": ["工作面顶板支护存在隐患", "瓦斯传感器长期未校准", "运输巷道积水严重", "安全培训流于形式",
               "皮带机保护装置被短接"],
    "occupational_health": ["尘肺病鉴定结论有异议", "工伤认定久拖不决", "职业健康体检未按期组织", "工伤待遇计算有误",
                            "噪声岗位防护用品发放不足"],
    "cadre_conduct": ["反映区队干部优亲厚友", "反映管理人员吃拿卡要", "评先评优过程不公开", "反映干部作风粗暴",
                      "安全奖分配不公"],
    "housing_living": ["井下班中餐质量差", "职工宿舍冬季供暖不足", "澡堂热水供应不正常", "通勤班车班次减少",
                       "棚改回迁房交房一再推迟", "矿区物业收费不合理"],
    "retirement": ["退休人员取暖费未发放", "内退人员生活费标准偏低", "退休手续办理拖延", "特殊工种提前退休未认定"],
    "restructuring": ["改制分流人员安置不到位", "身份置换补偿标准不公", "矿井关闭后分流岗位太远"],
    "land_subsidence": ["采空区沉陷导致房屋开裂", "搬迁补偿款未足额发放", "塌陷区村民饮水困难", "征地补偿标准有异议"],
    "suggestion": ["建议增设井口候车室", "建议完善职工技能培训", "建议优化四班三倒制度", "建议公开信访办理进度",
                   "建议早班班车提前发车"],
    "other": ["反映子女入学困难", "要求查询个人档案", "咨询困难职工帮扶政策", "反映家属区噪声扰民"],
}
DETAILS = [
    "此事已向班组和区队多次反映，至今没有答复。", "相关规定没有公示，职工意见很大。", "影响到全队几十名职工的切身利益。",
    "家里老人常年生病，经济十分困难。", "问过有关部门，互相推诿。", "去年也出现过同样的问题，一直没有解决。",
]
REPLIES = {
    "support": "经调查核实，反映情况属实。已责成{unit}限期整改并落实相关待遇，整改结果书面告知信访人。",
    "explain": "经调查核实，相关做法符合集团现行制度规定。已向信访人当面解释政策依据，并告知后续咨询渠道。",
    "not_support": "经调查核实，反映问题缺乏事实依据，依据集团有关规定不予支持。如不服，可在规定期限内申请复查。",
}
UNSATISFIED_COMMENTS = ["问题没有真正解决", "答复敷衍，没有见到人", "办理太慢", "对调查结论不认可"]
PRAISE = ["办理及时，感谢", "态度很好", "问题解决了，谢谢组织", ""]
DECLINE_REASONS = [("legal_procedure", 40), ("outside_remit", 25), ("in_progress_elsewhere", 20), ("unclear", 10),
                   ("final_same_matter", 5)]
LEGAL_CHANNELS = ["litigation", "arbitration", "admin_review", "party_appeal", "discipline", "other_body"]


def _pick(rnd: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rnd.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


# --- the organization ---------------------------------------------------------------------------


@dataclass
class Org:
    group: object
    companies: list
    mines: list  # mines and plants
    teams: dict  # mine id → its teams and departments
    by_id: dict
    staff: dict  # (unit id, role) → [user ids]
    names: dict  # user id → name
    employees: list  # (user id, home unit id, mine id, company id)
    accusable: dict  # mine id → [(user id, unit id)]: leaders of its teams
    quality: dict = field(default_factory=dict)  # unit id → lateness factor

    def people(self, unit_id: int, role: str) -> list[int]:
        return self.staff.get((unit_id, role), [])

    def mines_under(self, unit) -> list:
        cache = self.__dict__.setdefault("_under", {})
        if unit.pk not in cache:
            cache[unit.pk] = [m for m in self.mines if m.path.startswith(unit.path)]
        return cache[unit.pk]


def _person_name(rnd: random.Random) -> str:
    return rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2, 2))))


def ensure_org(people: int, seed: int, progress=print) -> Org:
    """The group, its ~400 units, ~``people`` persons and their roles (made once, then reused)."""
    from django.db import transaction

    from orgs.choices import Role, UnitKind
    from orgs.models import RoleAssignment, Unit, User
    from orgs.services import unit_create

    rnd = random.Random(seed)
    if not Unit.objects.filter(code=GROUP_CODE).exists():
        t0 = _time.perf_counter()
        with transaction.atomic():
            group = unit_create(code=GROUP_CODE, name="华北能源集团", kind=UnitKind.GROUP, parent=None, short_name="集团")
            places, plants = iter(MINE_PLACES), iter(PLANT_NAMES)
            for ccode, cname, n, n_plants in COMPANIES:
                company = unit_create(code=f"{GROUP_CODE}-{ccode}", name=cname, kind=UnitKind.COMPANY, parent=group)
                for m in range(n):
                    is_plant = m >= n - n_plants
                    name = next(plants) if is_plant else f"{next(places)}煤矿"
                    mine = unit_create(code=f"{company.code}-M{m + 1:02d}", name=name,
                                       kind=UnitKind.PLANT if is_plant else UnitKind.MINE, parent=company)
                    for t, (tname, tkind) in enumerate(PLANT_TEAMS if is_plant else MINE_TEAMS):
                        unit_create(code=f"{mine.code}-T{t + 1:02d}", name=f"{name}{tname}", kind=tkind, parent=mine,
                                    short_name=tname)
        progress(f"  units: {Unit.objects.filter(code__startswith=GROUP_CODE).count()} ({_time.perf_counter() - t0:.1f} s)")
    units = list(Unit.objects.filter(code__startswith=GROUP_CODE).order_by("path"))
    by_id = {u.pk: u for u in units}
    group = next(u for u in units if u.code == GROUP_CODE)
    companies = [u for u in units if u.kind == UnitKind.COMPANY]
    mines = [u for u in units if u.kind in (UnitKind.MINE, UnitKind.PLANT)]
    teams: dict[int, list] = {m.pk: [] for m in mines}
    for u in units:
        if u.kind in (UnitKind.TEAM, UnitKind.DEPARTMENT):
            teams[u.parent_id].append(u)

    if not User.objects.filter(employee_no__startswith="RG").exists():
        t0 = _time.perf_counter()
        rows: list[tuple[Unit, str | None]] = []  # (home unit, staff role)
        for u in units:
            kind = "mine" if u.kind in (UnitKind.MINE, UnitKind.PLANT) else "team" if u.kind in (
                UnitKind.TEAM, UnitKind.DEPARTMENT) else u.kind
            for role, n in STAFF[kind].items():
                rows += [(u, role)] * n
        all_teams = [t for ts in teams.values() for t in ts]
        rows += [(rnd.choice(all_teams), None) for _ in range(max(people - len(rows), 0))]
        users = [User(employee_no=f"RG{i:06d}", name=_person_name(rnd), home_unit=u, password="!")
                 for i, (u, _role) in enumerate(rows, start=1)]
        with transaction.atomic():
            User.objects.bulk_create(users, batch_size=5000)
            ids = dict(User.objects.filter(employee_no__startswith="RG").values_list("employee_no", "pk"))
            assignments = []
            for i, (u, role) in enumerate(rows, start=1):
                pk = ids[f"RG{i:06d}"]
                assignments.append(RoleAssignment(user_id=pk, unit=u, role=Role.EMPLOYEE))
                if role:
                    assignments.append(RoleAssignment(user_id=pk, unit=u, role=role))
            RoleAssignment.objects.bulk_create(assignments, batch_size=5000)
        progress(f"  people: {len(rows):,}, roles: {len(assignments):,} ({_time.perf_counter() - t0:.1f} s)")

    staff: dict[tuple[int, str], list[int]] = {}
    for uid, unit_id, role in RoleAssignment.objects.filter(unit__in=units).exclude(role=Role.EMPLOYEE).values_list(
            "user_id", "unit_id", "role").order_by("user_id"):
        staff.setdefault((unit_id, role), []).append(uid)
    names = dict(User.objects.filter(employee_no__startswith="RG").values_list("pk", "name"))
    staff_ids = {uid for ids in staff.values() for uid in ids}
    mine_of = {}
    for m in mines:
        mine_of[m.pk] = m
        for t in teams[m.pk]:
            mine_of[t.pk] = m
    employees = []
    for pk, home in User.objects.filter(employee_no__startswith="RG").values_list("pk", "home_unit_id").order_by("pk"):
        if pk in staff_ids or home not in mine_of:
            continue
        mine = mine_of[home]
        employees.append((pk, home, mine.pk, mine.parent_id))
    accusable = {m.pk: [(uid, t.pk) for t in teams[m.pk] for uid in staff.get((t.pk, Role.UNIT_LEADER), [])]
                 for m in mines}
    # How late a unit tends to be: most near 1, a few markedly worse (rankings need a spread).
    qrnd = random.Random(seed + 1)
    quality = {u.pk: min(max(qrnd.lognormvariate(0, 0.45), 0.3), 3.5) for u in units}
    return Org(group, companies, mines, teams, by_id, staff, names, employees, accusable, quality)


# --- time ----------------------------------------------------------------------------------------


class Clock:
    """Working hours, memoised statutory deadlines (the workflow's arithmetic)."""

    def __init__(self, rnd: random.Random) -> None:
        from core.calendar import work_calendar
        from tongxin.lib.periods import SHANGHAI

        self.cal = work_calendar()
        self.tz = SHANGHAI
        self.rnd = rnd
        self._due: dict[tuple[date, int], datetime] = {}
        self._ext: dict[tuple[datetime, int], datetime] = {}
        self._iso: dict[datetime, str] = {}
        self._workday: dict[date, bool] = {}

    def is_workday(self, d: date) -> bool:
        v = self._workday.get(d)
        if v is None:
            v = self._workday[d] = self.cal.is_workday(d)
        return v

    def due(self, at: datetime, days: int) -> datetime:
        """``periods.due_at(at, Period(days), cal)``, memoised by local date."""
        d = at.astimezone(self.tz).date()
        key = (d, days)
        v = self._due.get(key)
        if v is None:
            from tongxin.lib.periods import Period, last_day, midnight_after

            v = self._due[key] = midnight_after(last_day(d, Period(days), self.cal))
        return v

    def extend(self, due: datetime, days: int) -> datetime:
        key = (due, days)
        v = self._ext.get(key)
        if v is None:
            from tongxin.lib.periods import Period, extend_due_at

            v = self._ext[key] = extend_due_at(due, Period(days), self.cal)
        return v

    def iso(self, at: datetime) -> str:
        v = self._iso.get(at)
        if v is None:
            v = self._iso[at] = at.isoformat()
        return v

    def office(self, at: datetime) -> datetime:
        """``at`` moved into office hours (08:30–17:30 on a working day), never earlier."""
        local = at.astimezone(self.tz)
        d, minutes = local.date(), local.hour * 60 + local.minute
        if self.is_workday(d) and 510 <= minutes < 1050:
            return local
        if not self.is_workday(d) or minutes >= 1050:
            d += timedelta(days=1)
            while not self.is_workday(d):
                d += timedelta(days=1)
            minutes = 510 + int(self.rnd.random() * 300)  # mostly mornings
        else:
            minutes = max(minutes, 510) + int(self.rnd.random() * 180)
        return datetime.combine(d, time(minutes // 60, minutes % 60, int(self.rnd.random() * 60)), tzinfo=self.tz)

    def later(self, at: datetime, days: float, office: bool = True) -> datetime:
        t = at + timedelta(days=days)
        return self.office(t) if office else t


# --- one petition's life -------------------------------------------------------------------------


class Life:
    """A petition's row and events as the workflow would have left them at ``now``."""

    __slots__ = ("row", "events", "reviews", "now", "cut")

    def __init__(self, row: dict, now: datetime) -> None:
        self.row, self.events, self.reviews, self.now, self.cut = row, [], [], now, False

    def move(self, at: datetime, kind: str, to_state: str, actor, note: str = "", data: dict | None = None,
             public: bool = True, bump: bool = True) -> bool:
        """Append the event and change the state; False (and nothing changes) if ``at`` is after now."""
        if self.cut or at > self.now:
            self.cut = True
            return False
        row = self.row
        self.events.append((at, kind, actor, row["state"] if bump else "", to_state, note, data or {}, public))
        row["state"] = to_state
        if bump:
            row["version"] += 1
        row["updated_at"] = at
        return True

    def due(self, kind: str, at: datetime | None) -> None:
        self.row["due_kind"], self.row["due_at"] = (kind if at is not None else ""), at


@dataclass
class Ids:
    petition: int
    event: int
    review: int


class Generator:
    def __init__(self, org: Org, clock: Clock, rnd: random.Random, now: datetime, start: datetime, ids: Ids,
                 numbers: dict[int, int]) -> None:
        from petitions.intake import RECEIPT_HASHER

        self.org, self.clock, self.rnd, self.now, self.start, self.ids, self.numbers = (
            org, clock, rnd, now, start, ids, numbers)
        self.span = (now - start).total_seconds()
        # One real Argon2 hash of a code nobody knows: anonymous rows look like real ones.
        self.receipt_hash = RECEIPT_HASHER.hash("".join(str(rnd.randrange(10)) for _ in range(16)))
        self.frequent = [(e, _pick(rnd, CATEGORIES)) for e in rnd.sample(org.employees, min(1200, len(org.employees)))]
        self.seen: set[tuple[int, str]] = set()
        self.channel_labels = self._labels()

    @staticmethod
    def _labels() -> dict[str, str]:
        from django.utils import translation

        from petitions.choices import Channel

        with translation.override("zh-hans"):
            return {c.value: str(c.label) for c in Channel}

    # -- helpers
    def _officer(self, unit) -> int:
        return self.rnd.choice(self.org.people(unit.pk, "petition_officer"))

    def _number(self, at: datetime) -> str:
        year = at.astimezone(self.clock.tz).year
        n = self.numbers.get(year, 0) + 1
        self.numbers[year] = n
        return f"XF-{year}-{n:06d}"

    def _lateness(self, unit_id: int, at: datetime) -> float:
        """The unit's lateness factor, improving over the three years (trend lines slope)."""
        progress = (at - self.start).total_seconds() / self.span
        return self.org.quality[unit_id] * (1.35 - 0.7 * progress)

    # -- a new petition
    def petition(self, received: datetime, channel: str, duplicate_of: Life | None = None) -> Life:
        rnd, org, clock = self.rnd, self.org, self.clock
        if duplicate_of is not None:
            base = duplicate_of.row
            category, ptype, petitioner, unit = base["category"], base["ptype"], base["petitioner_id"], org.by_id[base["unit_id"]]
            anonymous, flags, people_count = base["is_anonymous"], ["repeat"], 1
            accused = (base["accused_user_id"], base["accused_unit_id"])
            home_mine = None
        else:
            frequent = rnd.random() < 0.10
            if frequent:
                (petitioner, home, mine_id, company_id), category = rnd.choice(self.frequent)
            else:
                petitioner, home, mine_id, company_id = rnd.choice(org.employees)
                category = _pick(rnd, CATEGORIES)
            ptype = _pick(rnd, PTYPE_BY_CATEGORY.get(category, PTYPE_DEFAULT))
            flags = []
            if frequent and (petitioner, category) in self.seen:
                flags.append("repeat")
            self.seen.add((petitioner, category))
            anonymous = channel in ("online", "letter") and rnd.random() < 0.07
            home_mine = org.by_id[mine_id]
            accused = (None, None)
            r = rnd.random()
            if ptype == "accusation":
                unit = org.by_id[company_id]  # 检举控告 go above the accused's mine
                target = rnd.choice(org.accusable[mine_id])
                accused = target
                flags.append("identity_sensitive")
            elif r < 0.80:
                unit = home_mine
            elif r < 0.93:
                unit = org.by_id[company_id]
                if rnd.random() < 0.5:
                    flags.append("skip_level")
            else:
                unit = org.group
                if rnd.random() < 0.6:
                    flags.append("skip_level")
            people_count = 1
            if rnd.random() < 0.03 and not anonymous:
                people_count = min(int(rnd.lognormvariate(2.5, 0.7)) + 5, 300)
                flags.append("collective")
            if category == "safety" and rnd.random() < 0.15:
                flags.append("safety_hazard")
            if rnd.random() < 0.002:
                flags.append("urgent")
            if rnd.random() < 0.002:
                flags.append("extreme")
        flags = sorted(set(flags))
        risk = "low"
        if set(flags) & {"collective", "skip_level", "safety_hazard", "repeat"}:
            risk = "medium"
        if set(flags) & {"extreme", "urgent"}:
            risk = "high"

        pid = self.ids.petition
        self.ids.petition += 1
        offline = channel != "online"
        registered_by = self._officer(unit) if offline else None
        registered = min(received + timedelta(minutes=rnd.randint(2, 120)), self.now) if offline else received
        acceptance_due = clock.due(received, 15)
        if duplicate_of is not None:
            title = duplicate_of.row["title"]
        else:
            title = rnd.choice(TITLES[category]).format(m=received.astimezone(clock.tz).month)
        content = (f"{title}。本人是{home_mine.name if home_mine else unit.name}职工，{rnd.choice(DETAILS)}"
                   f"{rnd.choice(DETAILS)}恳请组织调查核实，依法依规处理并给予书面答复。")
        row = {
            "id": pid, "number": self._number(registered), "public_id": uuid.UUID(int=rnd.getrandbits(128), version=4),
            "channel": channel, "title": title, "content": content, "category": category, "ptype": ptype,
            "risk_level": risk, "flags": flags, "state": "registered",
            "petitioner_id": None if anonymous else petitioner, "is_anonymous": anonymous,
            "receipt_lookup": f"{rnd.randrange(10**6):06d}" if anonymous else "",
            "receipt_hash": self.receipt_hash if anonymous else "", "people_count": people_count,
            "registered_by_id": registered_by, "received_at": received, "unit_id": unit.pk,
            "handling_unit_id": None, "handler_id": None, "leader_id": None,
            "accused_user_id": accused[0], "accused_unit_id": accused[1],
            "due_kind": "acceptance", "due_at": acceptance_due, "acceptance_due_at": acceptance_due,
            "accepted_at": None, "handling_due_at": None, "extension_count": 0, "decision_reason": "",
            "legal_channel": "", "reply_outcome": "", "reply_text": "", "replied_at": None,
            "review_request_due_at": None, "rereview_request_due_at": None, "rating": "", "rating_comment": "",
            "rated_at": None, "merged_into_id": None, "final_fingerprint": "", "closed_at": None,
            "created_at": registered, "updated_at": registered, "version": 0,
        }
        life = Life(row, self.now)
        author = registered_by or (None if anonymous else petitioner)
        life.move(registered, "registered", "registered", author, note=f"经{self.channel_labels[channel]}收到", data={
            "channel": channel, "attachments": [], "people_count": people_count,
            "acceptance_due_at": clock.iso(acceptance_due), "risk": risk, "flags": flags,
        }, bump=False)
        if duplicate_of is not None:
            self._merge(life, duplicate_of, registered)
        else:
            self._decide(life, unit, registered, home_mine, forwarded=False)
        return life

    # -- acceptance decision (第二十三条)
    def _decide(self, life: Life, unit, since: datetime, home_mine, forwarded: bool) -> None:
        rnd, clock, row = self.rnd, self.clock, life.row
        late = rnd.random() < 0.05 * self._lateness(unit.pk, since)
        delay = rnd.uniform(14.6, 26) if late else (
            rnd.uniform(0.05, 3) if rnd.random() < 0.6 else rnd.uniform(3, 13.5))
        at = clock.later(since, delay)
        officer = self._officer(unit)
        r = rnd.random()
        level = unit.kind
        if row["ptype"] == "accusation":  # decided where it was lodged, never sent down to the accused
            choice = "accept" if r < 0.90 else "decline" if r < 0.98 else "withdraw"
        elif not forwarded and level in ("group", "company"):
            choice = "forward" if r < 0.55 else "accept" if r < 0.90 else "decline" if r < 0.98 else "withdraw"
        elif not forwarded:
            choice = "accept" if r < 0.885 else "decline" if r < 0.945 else "forward" if r < 0.99 else "withdraw"
        else:
            choice = "accept" if r < 0.93 else "decline" if r < 0.985 else "withdraw"
        if choice == "withdraw":
            self._withdraw(life, at)
            return
        if choice == "forward":
            if level in ("group", "company"):
                target = home_mine if home_mine is not None and home_mine.path.startswith(unit.path) else rnd.choice(
                    self.org.mines_under(unit))
            else:
                target = rnd.choice([m for m in self.org.mines if m.parent_id == unit.parent_id and m.pk != unit.pk])
            leaving = row["acceptance_due_at"]
            new_due = clock.due(at, 15)
            if not life.move(at, "forwarded", "registered", officer, note=f"属{target.name}职责范围，转送办理", data={
                "from_unit": unit.code, "to_unit": target.code, "due_at": clock.iso(leaving), "on_time": at < leaving,
                "acceptance_due_at": clock.iso(new_due),
            }):
                return
            row["unit_id"], row["acceptance_due_at"] = target.pk, new_due
            life.due("acceptance", new_due)
            self._decide(life, target, at, home_mine, forwarded=True)
            return
        if choice == "decline":
            reason = _pick(rnd, DECLINE_REASONS)
            channel = rnd.choice(LEGAL_CHANNELS) if reason == "legal_procedure" else ""
            if not life.move(at, "declined", "not_accepted", officer, note="经审查，不符合受理条件，已书面告知信访人。",
                             data={"reason": reason, "legal_channel": channel}):
                return
            row.update(decision_reason=reason, legal_channel=channel, closed_at=at)
            life.due("", None)
            return
        handling_due = clock.due(at, 60)
        if not life.move(at, "accepted", "accepted", officer,
                         data={"handling_due_at": clock.iso(handling_due), "period": "60日"}):
            return
        row.update(accepted_at=at, handling_due_at=handling_due)
        life.due("handling", handling_due)
        self._handle(life, unit, at, officer)

    def _withdraw(self, life: Life, at: datetime) -> None:
        if life.move(at, "withdrawn", "withdrawn", life.row["petitioner_id"], note="问题已自行协商解决，申请撤回"):
            life.row["closed_at"] = at
            life.due("", None)

    def _merge(self, dup: Life, original: Life, since: datetime) -> None:
        at = self.clock.later(since, self.rnd.uniform(0.05, 3))
        unit = self.org.by_id[dup.row["unit_id"]]
        officer = self._officer(unit)
        orig = original.row
        if not dup.move(at, "merged", "merged", officer, note="同一信访人同一事项重复提出，合并办理",
                        data={"into": orig["number"]}):
            return
        dup.row.update(merged_into_id=orig["id"], closed_at=at)
        dup.due("", None)
        # append_event on the original: no state change, no version bump.
        original.events.append((at, "merged", officer, "", "", f"合并重复件{dup.row['number']}",
                                {"duplicate": dup.row["number"]}, True))
        orig["updated_at"] = max(orig["updated_at"], at)

    # -- assignment, extension, reply (第三十二条–第三十四条)
    def _handle(self, life: Life, unit, accepted: datetime, officer: int) -> None:
        rnd, clock, org, row = self.rnd, self.clock, self.org, life.row
        if unit.kind in ("mine", "plant"):
            hunit = rnd.choice(org.teams[unit.pk]) if rnd.random() < 0.65 else unit
        elif row["ptype"] == "accusation" or rnd.random() < 0.5:
            hunit = unit
        else:
            hunit = rnd.choice(org.mines_under(unit))
        handler = rnd.choice(org.people(hunit.pk, "handler"))
        leader = rnd.choice(org.people(hunit.pk, "unit_leader"))
        at = clock.later(accepted, rnd.uniform(0.02, 2.5))
        if not life.move(at, "assigned", "handling", officer, data={
            "handling_unit": hunit.code, "handler": handler, "leader": leader,
            "handler_name": org.names[handler], "leader_name": org.names[leader],
        }):
            return
        row.update(handling_unit_id=hunit.pk, handler_id=handler, leader_id=leader)
        assigned = at
        if rnd.random() < 0.01:
            self._withdraw(life, clock.later(assigned, rnd.uniform(1, 40)))
            return
        due = row["handling_due_at"]
        lateness = self._lateness(hunit.pk, assigned)
        extended = rnd.random() < 0.06
        base = assigned
        if extended:
            ext_at = clock.later(due - timedelta(days=rnd.uniform(4, 15)), 0)
            if ext_at >= due or ext_at <= assigned:
                extended = False
        if extended:
            days = rnd.choice((15, 20, 30, 30))
            new_due = clock.extend(due, days)
            if not life.move(ext_at, "extended", "handling", leader, note="案情复杂，需进一步调查核实，经单位负责人批准延期", data={
                "days": days, "from": clock.iso(due), "to": clock.iso(new_due),
            }):
                return
            row.update(handling_due_at=new_due, extension_count=1)
            life.due("handling", new_due)
            due, base = new_due, ext_at
        # The reply: usually inside the period, late for a few (more so in weaker units).
        r = rnd.random()
        if r < 0.003 * lateness:
            at = clock.later(due, rnd.uniform(30, 200))  # stuck for months: the overdue list's tail
        elif r < 0.07 * lateness:
            at = clock.later(due, rnd.uniform(0.5, 25))
        else:
            window = max((due - base).total_seconds() / 86400 - 1, 1)
            at = clock.later(base, rnd.triangular(min(3, window), window, window * 0.55))
            if at >= due:
                at = clock.office(due - timedelta(days=1, hours=8))
                if at >= due or at <= base:
                    at = due - timedelta(hours=20)
        outcome = rnd.choices(("support", "explain", "not_support"), weights=(35, 50, 15))[0]
        text = REPLIES[outcome].format(unit=org.by_id[hunit.pk].name)
        if not life.move(at, "replied", "replied", handler if rnd.random() < 0.9 else leader, note=text,
                         data={"outcome": outcome, "on_time": at < due}):
            return
        request_due = clock.due(at, 30)
        row.update(reply_outcome=outcome, reply_text=text, replied_at=at, review_request_due_at=request_due)
        life.due("review_request", request_due)
        self._after_reply(life, at, outcome, lateness)

    # -- rating, 复查, 复核, closing (第三十五条–第三十六条)
    def _after_reply(self, life: Life, replied: datetime, outcome: str, lateness: float) -> None:
        rnd, clock, row = self.rnd, self.clock, life.row
        petitioner = row["petitioner_id"]
        request_due = row["review_request_due_at"]
        rating = None
        last = replied
        if rnd.random() < (0.45 if row["is_anonymous"] else 0.84):
            weights = {"support": (86, 11, 3), "explain": (58, 30, 12), "not_support": (28, 36, 36)}[outcome]
            bad = min(lateness, 2.5) - 1
            weights = (max(weights[0] - 12 * bad, 5), weights[1], max(weights[2] + 12 * bad, 1))
            rating = rnd.choices(("satisfied", "basically", "unsatisfied"), weights=weights)[0]
            at = replied + timedelta(hours=rnd.expovariate(1 / 80))
            if at >= request_due:
                at = request_due - timedelta(hours=rnd.uniform(1, 20))
            comment = rnd.choice(UNSATISFIED_COMMENTS) if rating == "unsatisfied" else (
                rnd.choice(PRAISE) if rnd.random() < 0.2 else "")
            if not life.move(at, "rated", "closed", petitioner, note=comment,
                             data={"rating": rating, "window_until": clock.iso(request_due)}):
                return
            row.update(rating=rating, rating_comment=comment, rated_at=at, closed_at=at)
            life.due("", None)
            last = at
        p_review = 0.33 if rating == "unsatisfied" else 0.04 if rating is None else 0.008
        if rnd.random() < p_review:
            at = last + timedelta(hours=rnd.uniform(2, max((request_due - last).total_seconds() / 3600 - 1, 3)))
            if at < request_due:
                self._review(life, at)
                return
        if rating is None:
            self._sweep_close(life, request_due)

    def _sweep_close(self, life: Life, window_end: datetime) -> None:
        at = window_end + timedelta(minutes=self.rnd.uniform(1, 55))  # the hourly sweep
        if life.move(at, "closed", "closed", None, note="申请期限届满，未申请复查/复核，事项办结"):
            life.row["closed_at"] = at
            life.due("", None)

    def _review(self, life: Life, requested: datetime) -> None:
        rnd, clock, org, row = self.rnd, self.clock, self.org, life.row
        unit = org.by_id[row["unit_id"]]
        reviewer = org.by_id[unit.parent_id] if unit.parent_id else unit
        review_id = self.ids.review
        self.ids.review += 1
        due = clock.due(requested, 30)
        text = "对处理意见不服，认为调查不全面，请求复查。"
        if not life.move(requested, "review_requested", "reviewing", row["petitioner_id"], note=text,
                         data={"review_id": review_id, "unit": reviewer.code, "due_at": clock.iso(due)}):
            return
        review = {"id": review_id, "petition_id": row["id"], "level": "review", "unit_id": reviewer.pk,
                  "requested_at": requested, "request_text": text, "due_at": due, "decided_at": None,
                  "decided_by_id": None, "outcome": "", "opinion": ""}
        life.reviews.append(review)
        row["closed_at"] = None
        life.due("review", due)
        late = rnd.random() < 0.06 * self._lateness(reviewer.pk, requested)
        at = clock.later(due, rnd.uniform(0.5, 12)) if late else clock.later(requested, rnd.uniform(5, 27))
        if not late and at >= due:
            at = due - timedelta(hours=16)
        outcome = rnd.choices(("uphold", "change", "revoke"), weights=(78, 14, 8))[0]
        officer = self._officer(reviewer)
        opinion = "经复查，原处理意见认定事实清楚，适用依据正确，予以维持。" if outcome == "uphold" else \
            "经复查，原处理意见认定事实不清，依法予以变更或撤销。"
        if not life.move(at, "review_decided", "reviewed", officer, note=opinion,
                         data={"review_id": review_id, "outcome": outcome, "on_time": at < due}):
            return
        review.update(decided_at=at, decided_by_id=officer, outcome=outcome, opinion=opinion)
        rereview_due = clock.due(at, 30)
        row["rereview_request_due_at"] = rereview_due
        life.due("rereview_request", rereview_due)
        if rnd.random() < (0.22 if outcome == "uphold" else 0.08):
            req = at + timedelta(hours=rnd.uniform(24, (rereview_due - at).total_seconds() / 3600 - 2))
            self._rereview(life, reviewer, req)
        else:
            self._sweep_close(life, rereview_due)

    def _rereview(self, life: Life, reviewer, requested: datetime) -> None:
        rnd, clock, org, row = self.rnd, self.clock, self.org, life.row
        unit = org.by_id[reviewer.parent_id] if reviewer.parent_id else reviewer
        review_id = self.ids.review
        self.ids.review += 1
        due = clock.due(requested, 30)
        text = "对复查意见仍不服，请求复核。"
        if not life.move(requested, "rereview_requested", "rereviewing", row["petitioner_id"], note=text,
                         data={"review_id": review_id, "unit": unit.code, "due_at": clock.iso(due)}):
            return
        review = {"id": review_id, "petition_id": row["id"], "level": "rereview", "unit_id": unit.pk,
                  "requested_at": requested, "request_text": text, "due_at": due, "decided_at": None,
                  "decided_by_id": None, "outcome": "", "opinion": ""}
        life.reviews.append(review)
        row["closed_at"] = None
        life.due("rereview", due)
        at = clock.later(requested, rnd.uniform(5, 27))
        if at >= due:
            at = due - timedelta(hours=16)
        outcome = rnd.choices(("uphold", "change", "revoke"), weights=(85, 10, 5))[0]
        officer = self._officer(unit)
        opinion = "经复核，复查意见正确，予以维持。本事项终结。" if outcome == "uphold" else "经复核，依法变更复查意见。本事项终结。"
        if not life.move(at, "rereview_decided", "final", officer, note=opinion,
                         data={"review_id": review_id, "outcome": outcome, "on_time": at < due}):
            return
        review.update(decided_at=at, decided_by_id=officer, outcome=outcome, opinion=opinion)
        who = str(row["petitioner_id"] or row["number"])
        row.update(closed_at=at, final_fingerprint=hashlib.sha256(f"{who}|{row['category']}".encode()).hexdigest())
        life.due("", None)


# --- arrival times -------------------------------------------------------------------------------


def arrivals(n: int, start: datetime, now: datetime, clock: Clock, rnd: random.Random):
    """Yield (received_at, channel) for ``n`` petitions in time order: fewer on rest days, more
    before the Spring Festival (wages) and slowly growing; online at any hour, others in office hours."""
    tz = clock.tz
    first = start.astimezone(tz).date()
    ndays = (now.astimezone(tz).date() - first).days + 1
    weights = []
    for i in range(ndays):
        d = first + timedelta(days=i)
        w = 1.0 if clock.is_workday(d) else 0.45
        w *= 1.25 if d.month in (1, 12) else 0.9 if d.month in (2, 8) else 1.0
        weights.append(w * (0.85 + 0.3 * i / ndays))
    cum = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    per_day = Counter(bisect.bisect_left(cum, rnd.random() * total) for _ in range(n))
    channels, cweights = [c for c, _ in CHANNELS], [w for _, w in CHANNELS]
    for i in range(ndays):
        k = per_day.get(i, 0)
        if not k:
            continue
        day = first + timedelta(days=i)
        items = []
        for ch in rnd.choices(channels, weights=cweights, k=k):
            if ch == "online":
                seconds = int(min(max(rnd.gauss(14.5, 4.5), 0), 23.99) * 3600)
            else:
                seconds = int(rnd.uniform(8.3, 17.5) * 3600)
            items.append((seconds, ch))
        items.sort()
        for seconds, ch in items:
            at = datetime.combine(day, time(seconds // 3600, seconds // 60 % 60, seconds % 60), tzinfo=tz)
            if start <= at <= now:
                yield at, ch
            else:
                yield min(max(at, start), now), ch


# --- writing -------------------------------------------------------------------------------------


def chain(life: Life, ids: Ids) -> list[dict]:
    """The events as rows, hash-chained as petitions.events.append_event chains them."""
    from audit.hashing import GENESIS, chain_hash

    pid = life.row["id"]
    prev = GENESIS
    rows = []
    events = life.events
    if any(events[i][0] > events[i + 1][0] for i in range(len(events) - 1)):
        events.sort(key=lambda e: e[0])  # a duplicate's merge lands on its original later
    for seq, (at, kind, actor, from_state, to_state, note, data, public) in enumerate(events, start=1):
        payload = {"petition": pid, "seq": seq, "kind": kind, "at": at, "actor": actor, "from": from_state,
                   "to": to_state, "note": note, "data": data, "public": public}
        h = chain_hash(prev, payload)
        rows.append({"id": ids.event, "petition_id": pid, "seq": seq, "kind": kind, "at": at, "actor_id": actor,
                     "from_state": from_state, "to_state": to_state, "note": note, "data": data, "public": public,
                     "prev_hash": prev, "hash": h})
        ids.event += 1
        prev = h
    life.row["event_seq"], life.row["event_head"] = len(rows), prev
    return rows


# --- the run -------------------------------------------------------------------------------------


def generate(target: int, *, people: int = 20_000, years: float = 3, seed: int = 7, progress=print) -> dict:
    """Top the group's petitions up to ``target``; return what was made and how long it took."""
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from bench.bulk import Writer
    from petitions.models import NumberSequence, Petition, PetitionEvent, Review

    t0 = _time.perf_counter()
    org = ensure_org(people, seed, progress)
    group = org.group
    have = Petition.objects.filter(unit__path__startswith=group.path).count()
    result = {"petitions": have, "made": 0, "events": 0, "reviews": 0, "seconds": 0.0, "states": {}}
    if have >= target:
        result["seconds"] = _time.perf_counter() - t0
        return result
    n = target - have
    rnd = random.Random(seed * 1_000_003 + have)
    clock = Clock(rnd)
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(days=365 * years)
    ids = Ids(
        petition=(Petition.objects.aggregate(m=Max("id"))["m"] or 0) + 1,
        event=(PetitionEvent.objects.aggregate(m=Max("id"))["m"] or 0) + 1,
        review=(Review.objects.aggregate(m=Max("id"))["m"] or 0) + 1,
    )
    numbers = dict(NumberSequence.objects.values_list("year", "last"))
    gen = Generator(org, clock, rnd, now, start, ids, numbers)
    writer = Writer()
    writer.tune()
    states: Counter = Counter()
    made = events_n = reviews_n = 0
    pending: list[Life] = []

    def flush() -> None:
        nonlocal events_n, reviews_n
        prows, erows, rrows = [], [], []
        for life in pending:
            erows += chain(life, ids)
            prows.append(life.row)
            rrows += life.reviews
            states[life.row["state"]] += 1
        with transaction.atomic():
            writer.insert(Petition, prows)
            writer.insert(PetitionEvent, erows)
            writer.insert(Review, rrows)
            for year, last in numbers.items():
                NumberSequence.objects.update_or_create(year=year, defaults={"last": last})
        events_n += len(erows)
        reviews_n += len(rrows)
        pending.clear()

    skip = 0
    step = max(target // 10, 1)
    for received, channel in arrivals(n, start, now, clock, rnd):
        if skip:
            skip -= 1
            continue
        life = gen.petition(received, channel)
        pending.append(life)
        made += 1
        if made < n and rnd.random() < 0.015 and not life.row["is_anonymous"]:
            dup_at = received + timedelta(days=rnd.uniform(0.5, 6))
            if dup_at < now:
                pending.append(gen.petition(dup_at, rnd.choice(("online", "phone", "visit")), duplicate_of=life))
                made += 1
                skip += 1
        if len(pending) >= CHUNK:
            flush()
        if (have + made) // step != (have + made - 1) // step or made == n:
            progress(f"  {have + made:,} petitions ({_time.perf_counter() - t0:.0f} s)")
    if pending:
        flush()
    t_load = _time.perf_counter()
    writer.finish([Petition, PetitionEvent, Review])
    result.update(petitions=have + made, made=made, events=events_n, reviews=reviews_n,
                  seconds=_time.perf_counter() - t0, analyse_seconds=_time.perf_counter() - t_load,
                  states=dict(states.most_common()), now=now.isoformat())
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--petitions", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--years", type=float, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", default="bench-realistic.sqlite3", help="SQLite file under var/ (ignored with DATABASE_URL)")
    args = parser.parse_args(argv)
    from bench.common import machine, setup_django

    setup_django(args.db)
    result = generate(args.petitions, people=args.people, years=args.years, seed=args.seed)
    from django.db import connection

    print(f"machine: {machine()}")
    states = ", ".join(f"{k} {v:,}" for k, v in result["states"].items())
    print(f"states of the new petitions: {states}")
    print(f"RESULT generated {result['made']:,} petitions ({result['petitions']:,} in the group), "
          f"{result['events']:,} events, {result['reviews']:,} reviews on {connection.vendor} "
          f"in {result['seconds']:.1f} s ({result['made'] / max(result['seconds'], 1e-9):,.0f} petitions/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
