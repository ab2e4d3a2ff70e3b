"""Demo data: a coal group modelled on 晋能控股煤业集团 (Datong), its units and ~300 people.

Deterministic (fixed seed, fixed order) and idempotent (units are looked up by code, people
by employee number; only what is missing is created), so ``load_demo_data`` may run any
number of times. Units go through ``orgs.services.unit_create`` and are audited; people and
their role assignments are bulk-inserted (one audit event sums them up), because hashing
300 Argon2 passwords one by one would take half a minute: the demo password is hashed once.

Later modules extend the demo (petitions, party, …) by adding ``build_<thing>()`` functions
called from ``build_all()`` (or from the command) after ``build_people()``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from audit.services import audit_record
from orgs.choices import Role, UnitKind
from orgs.models import RoleAssignment, Unit, User
from orgs.services import unit_create

DEMO_PASSWORD = "Tongxin@2026"  # nosec B105 - the published demo password; the command refuses to run in production
SEED = 20260501
GROUP_CODE = "JNKG"


# --- units ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent: str | None  # parent's code
    short_name: str = ""


# (code suffix, name) of the offices every company keeps.
COMPANY_DEPARTMENTS = [
    ("XFB", "信访办"),
    ("JW", "纪委"),
    ("DWGZB", "党委工作部"),
    ("XCB", "宣传部"),
    ("RLZYB", "人力资源部"),
    ("LTX", "离退休管理中心"),
]
GROUP_DEPARTMENTS = [
    ("BGS", "办公室"),
    ("XFB", "信访办"),
    ("JW", "纪委"),
    ("DWGZB", "党委工作部"),
    ("XCB", "宣传部"),
    ("RLZYB", "人力资源部"),
    ("JNHB", "节能环保部"),
    ("XXZX", "信息中心"),
]
MINE_TEAMS = [
    ("ZC1", "综采一队"),
    ("ZC2", "综采二队"),
    ("JJ1", "掘进一队"),
    ("JJ2", "掘进二队"),
    ("YS", "运输队"),
]
MINE_DEPARTMENTS = [
    ("JDK", "机电科"),
    ("TFK", "通风科"),
    ("AJZ", "安监站"),
    ("XFB", "信访办"),
    ("DQB", "党群工作部"),
]

# company code, name, short name, mines as (code, name, short name)
COMPANIES = [
    (
        "MY1",
        "晋能控股煤业集团煤业一公司",
        "煤业一公司",
        [
            ("TSK", "塔山煤矿", "塔山矿"),
            ("TXK", "同忻煤矿", "同忻矿"),
            ("WJW", "挖金湾煤矿", "挖金湾矿"),
            ("JJW", "姜家湾煤矿", "姜家湾矿"),
        ],
    ),
    (
        "MY2",
        "晋能控股煤业集团煤业二公司",
        "煤业二公司",
        [
            ("YGK", "云冈煤矿", "云冈矿"),
            ("YZS", "燕子山煤矿", "燕子山矿"),
            ("STK", "四台煤矿", "四台矿"),
            ("JHG", "晋华宫煤矿", "晋华宫矿"),
        ],
    ),
    (
        "MY3",
        "晋能控股煤业集团煤业三公司",
        "煤业三公司",
        [
            ("XZY", "忻州窑煤矿", "忻州窑矿"),
            ("MYK", "煤峪口煤矿", "煤峪口矿"),
            ("MJL", "马脊梁煤矿", "马脊梁矿"),
            ("DZY", "东周窑煤矿", "东周窑矿"),
        ],
    ),
]
# plant code, name, short name, parent code, teams, departments
PLANTS = [
    (
        "TSXM",
        "塔山选煤厂",
        "选煤厂",
        "MY1",
        [("XX", "洗选车间"), ("ZC", "装车队")],
        [("JDK", "机电科"), ("AJZ", "安监站"), ("XFB", "信访办")],
    ),
    (
        "TSDC",
        "塔山发电厂",
        "塔山电厂",
        GROUP_CODE,
        [("YX", "运行车间"), ("JX", "检修车间")],
        [("AJB", "安全监察部"), ("XFB", "信访办")],
    ),
    (
        "TLFGS",
        "塔山铁路分公司",
        "铁路分公司",
        GROUP_CODE,
        [("CW", "车务车间"), ("JW", "机务车间"), ("GW", "工务车间")],
        [("AJK", "安监科"), ("XFB", "信访办")],
    ),
    # The Yungang power plant's CO₂ capture demonstration line (carbon module's CCUS demo data).
    ("YGRD", "云冈热电公司", "云冈热电", GROUP_CODE, [("YX", "运行车间")], [("XFB", "信访办")]),
]


def unit_specs() -> list[UnitSpec]:
    """The whole tree, parents before children."""
    specs = [UnitSpec(GROUP_CODE, "晋能控股煤业集团（演示）", UnitKind.GROUP, None, "集团")]
    for suffix, name in GROUP_DEPARTMENTS:
        specs.append(UnitSpec(f"{GROUP_CODE}-{suffix}", f"集团{name}", UnitKind.DEPARTMENT, GROUP_CODE, name))
    for code, name, short, mines in COMPANIES:
        specs.append(UnitSpec(code, name, UnitKind.COMPANY, GROUP_CODE, short))
        for suffix, dept in COMPANY_DEPARTMENTS:
            specs.append(UnitSpec(f"{code}-{suffix}", f"{short}{dept}", UnitKind.DEPARTMENT, code, dept))
        for mine_code, mine_name, mine_short in mines:
            specs.append(UnitSpec(mine_code, mine_name, UnitKind.MINE, code, mine_short))
            for suffix, team in MINE_TEAMS:
                specs.append(
                    UnitSpec(f"{mine_code}-{suffix}", f"{mine_short}{team}", UnitKind.TEAM, mine_code, team)
                )
            for suffix, dept in MINE_DEPARTMENTS:
                specs.append(
                    UnitSpec(
                        f"{mine_code}-{suffix}", f"{mine_short}{dept}", UnitKind.DEPARTMENT, mine_code, dept
                    )
                )
    for code, name, short, parent, teams, departments in PLANTS:
        specs.append(UnitSpec(code, name, UnitKind.PLANT, parent, short))
        for suffix, team in teams:
            specs.append(UnitSpec(f"{code}-{suffix}", f"{short}{team}", UnitKind.TEAM, code, team))
        for suffix, dept in departments:
            specs.append(UnitSpec(f"{code}-{suffix}", f"{short}{dept}", UnitKind.DEPARTMENT, code, dept))
    return specs


def build_units(*, acting_user: User | None = None) -> dict[str, Unit]:
    """Create the units that are missing (through ``unit_create``); return all by code."""
    specs = unit_specs()
    units = {u.code: u for u in Unit.objects.filter(code__in=[s.code for s in specs])}
    for spec in specs:
        if spec.code in units:
            continue
        units[spec.code] = unit_create(
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            parent=units[spec.parent] if spec.parent else None,
            short_name=spec.short_name,
            acting_user=acting_user,
        )
    return units


# --- people ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSpec:
    employee_no: str
    name: str
    home: str  # home unit code
    phone: str | None
    roles: tuple[tuple[str, str], ...] = ()  # (role, unit code) besides 职工 at home
    is_staff: bool = False
    title: str = ""  # what the person does, for the summary table only


@dataclass(frozen=True)
class DemoAccount:
    employee_no: str
    name: str
    role: str
    role_unit: str
    home: str
    phone: str
    note: str
    is_staff: bool = False


# The accounts people use to try the platform. Fixed numbers, password DEMO_PASSWORD.
DEMO_ACCOUNTS = [
    DemoAccount(
        "A0001", "赵志刚", Role.ADMINISTRATOR, GROUP_CODE, "JNKG-XXZX", "13903520001", "集团系统管理员", True
    ),
    DemoAccount(
        "X0001", "李秀兰", Role.PETITION_OFFICER, "TSK", "TSK-XFB", "13903520002", "塔山矿信访办干事"
    ),
    DemoAccount("H0001", "王海军", Role.HANDLER, "TSK-ZC1", "TSK-ZC1", "13903520003", "塔山矿综采一队队长"),
    DemoAccount("L0001", "张建华", Role.UNIT_LEADER, "TSK", "TSK", "13903520004", "塔山矿矿长"),
    DemoAccount(
        "J0001", "刘卫东", Role.DISCIPLINE_INSPECTOR, GROUP_CODE, "JNKG-JW", "13903520005", "集团纪委监督员"
    ),
    DemoAccount(
        "D0001", "杨红梅", Role.PARTY_OFFICER, GROUP_CODE, "JNKG-DWGZB", "13903520006", "集团党委工作部干事"
    ),
    DemoAccount(
        "P0001", "陈晓燕", Role.PUBLICITY_OFFICER, GROUP_CODE, "JNKG-XCB", "13903520007", "集团宣传部干事"
    ),
    DemoAccount(
        "E0001",
        "郭永强",
        Role.ENERGY_OFFICER,
        GROUP_CODE,
        "JNKG-JNHB",
        "13903520008",
        "集团节能环保部能源管理员",
    ),
    DemoAccount(
        "Z0001", "孙晓明", Role.EMPLOYEE, "TSK-ZC1", "TSK-ZC1", "13903520009", "塔山矿综采一队采煤工"
    ),
]

# Common surnames, weighted roughly by frequency in northern Shanxi.
SURNAMES = (
    "王" * 9
    + "李" * 8
    + "张" * 8
    + "刘" * 7
    + "赵" * 5
    + "杨" * 5
    + "郭" * 4
    + "武" * 3
    + "贾" * 3
    + "韩" * 3
    + "白" * 2
    + "霍" * 2
    + "闫" * 2
    + "梁" * 2
    + "高" * 3
    + "任" * 2
    + "田" * 2
    + "侯" * 2
    + "乔" * 2
    + "段" * 2
    + "薛"
    + "陈" * 3
    + "孙" * 2
    + "马" * 2
    + "周" * 2
    + "吴"
    + "徐"
    + "胡"
    + "朱"
    + "吕"
    + "宋"
    + "郑"
    + "冯"
    + "董"
    + "程"
    + "曹"
    + "袁"
    + "邓"
    + "许"
    + "苏"
    + "魏"
    + "康"
    + "史"
    + "姚"
    + "崔"
    + "常"
    + "安"
    + "牛"
    + "温"
    + "尹"
    + "秦"
    + "解"
    + "岳"
    + "申"
)
GIVEN_FIRST = "建国志永海晓春文俊宏卫红秀玉丽明德金学小新立振军保平利国凤桂云东"
GIVEN_SECOND = "华军强伟平明峰刚斌勇杰涛亮林波辉鹏飞龙成生忠宝英兰芳霞梅敏静燕娟红丽萍华荣"
PHONE_PREFIXES = (
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "182",
    "183",
    "187",
    "188",
    "130",
    "131",
    "132",
    "155",
    "156",
    "185",
    "186",
    "133",
    "153",
    "180",
    "181",
    "189",
)


class _PeoplePlan:
    """Collects PersonSpecs with seeded names, numbers and phones."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # nosec B311 - reproducible demo data, not security
        self.people: list[PersonSpec] = []
        self.names: set[str] = {a.name for a in DEMO_ACCOUNTS}
        self.phones: set[str] = {a.phone for a in DEMO_ACCOUNTS}
        self.number = 100000

    def name(self) -> str:
        while True:
            surname = self.rng.choice(SURNAMES)
            if self.rng.random() < 0.25:  # one-character given name
                given = self.rng.choice(GIVEN_SECOND)
            else:
                given = self.rng.choice(GIVEN_FIRST) + self.rng.choice(GIVEN_SECOND)
            if given[0] != given[-1] or len(given) == 1:
                full = surname + given
                if full not in self.names:
                    self.names.add(full)
                    return full

    def phone(self) -> str | None:
        if self.rng.random() < 0.05:
            return None  # a few people never gave a mobile number
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones and not phone.startswith("1390352"):
                self.phones.add(phone)
                return phone

    def add(self, home: str, *roles: tuple[str, str], title: str = "", is_staff: bool = False) -> None:
        self.number += 1
        self.people.append(
            PersonSpec(f"{self.number}", self.name(), home, self.phone(), tuple(roles), is_staff, title)
        )

    def staff(self, home: str, role: str, at: str, count: int, title: str) -> None:
        for _ in range(count):
            self.add(home, (role, at), title=title)

    def employees(self, home: str, low: int, high: int, title: str = "职工") -> None:
        for _ in range(self.rng.randint(low, high)):
            self.add(home, title=title)


def people_specs(seed: int = SEED) -> list[PersonSpec]:
    """Everyone of the demo, the demo accounts first. Same seed, same people."""
    people = [
        PersonSpec(
            a.employee_no,
            a.name,
            a.home,
            a.phone,
            () if a.role == Role.EMPLOYEE else ((a.role, a.role_unit),),
            a.is_staff,
            a.note,
        )
        for a in DEMO_ACCOUNTS
    ]
    R = Role
    plan = _PeoplePlan(seed)
    g = GROUP_CODE
    # Group headquarters.
    plan.staff(g, R.UNIT_LEADER, g, 2, "集团领导")
    plan.add(f"{g}-XXZX", (R.ADMINISTRATOR, g), title="集团系统管理员", is_staff=True)
    plan.staff(f"{g}-XFB", R.PETITION_OFFICER, g, 3, "集团信访办干事")
    plan.staff(f"{g}-JW", R.DISCIPLINE_INSPECTOR, g, 2, "集团纪委监督员")
    plan.staff(f"{g}-DWGZB", R.PARTY_OFFICER, g, 1, "集团党务干事")
    plan.staff(f"{g}-XCB", R.PUBLICITY_OFFICER, g, 1, "集团宣传干事")
    plan.staff(f"{g}-JNHB", R.ENERGY_OFFICER, g, 1, "集团能源管理员")
    plan.staff(f"{g}-RLZYB", R.HANDLER, f"{g}-RLZYB", 2, "集团人力资源部承办人")
    plan.staff(f"{g}-BGS", R.HANDLER, f"{g}-BGS", 1, "集团办公室承办人")
    for suffix, _name in GROUP_DEPARTMENTS:
        plan.employees(f"{g}-{suffix}", 1, 1, "科员")
    # Companies.
    for code, _name, _short, mines in COMPANIES:
        plan.staff(code, R.UNIT_LEADER, code, 2, "公司领导")
        plan.staff(f"{code}-XFB", R.PETITION_OFFICER, code, 2, "公司信访办干事")
        plan.staff(f"{code}-JW", R.DISCIPLINE_INSPECTOR, code, 1, "公司纪委监督员")
        plan.staff(f"{code}-DWGZB", R.PARTY_OFFICER, code, 1, "公司党务干事")
        plan.staff(f"{code}-XCB", R.PUBLICITY_OFFICER, code, 1, "公司宣传干事")
        plan.staff(f"{code}-RLZYB", R.HANDLER, f"{code}-RLZYB", 1, "公司人力资源部承办人")
        for suffix, _dept in COMPANY_DEPARTMENTS[:-1]:
            plan.employees(f"{code}-{suffix}", 1, 1, "科员")
        plan.employees(f"{code}-LTX", 6, 8, "退休职工")
        # Mines.
        for index, (mine, _mine_name, _mine_short) in enumerate(mines):
            plan.staff(mine, R.UNIT_LEADER, mine, 2, "矿领导")
            plan.staff(f"{mine}-XFB", R.PETITION_OFFICER, mine, 1, "矿信访办干事")
            plan.staff(f"{mine}-JDK", R.HANDLER, f"{mine}-JDK", 1, "机电科承办人")
            plan.staff(f"{mine}-TFK", R.HANDLER, f"{mine}-TFK", 1, "通风科承办人")
            plan.staff(f"{mine}-ZC1", R.HANDLER, f"{mine}-ZC1", 1, "综采一队队长")
            plan.staff(f"{mine}-JJ1", R.HANDLER, f"{mine}-JJ1", 1, "掘进一队队长")
            plan.staff(f"{mine}-DQB", R.PARTY_OFFICER, mine, 1, "矿党务干事")
            plan.staff(f"{mine}-JDK", R.ENERGY_OFFICER, mine, 1, "矿能源管理员")
            if index % 2 == 0:
                plan.staff(f"{mine}-DQB", R.PUBLICITY_OFFICER, mine, 1, "矿宣传干事")
            else:
                plan.staff(f"{mine}-DQB", R.DISCIPLINE_INSPECTOR, mine, 1, "矿纪检监督员")
            for suffix, _team in MINE_TEAMS:
                plan.employees(f"{mine}-{suffix}", 1, 2, "井下职工")
    # Plants.
    for code, _name, _short, _parent, teams, _departments in PLANTS:
        plan.staff(code, R.UNIT_LEADER, code, 1, "厂（站）领导")
        plan.staff(f"{code}-XFB", R.PETITION_OFFICER, code, 1, "厂信访干事")
        plan.staff(f"{code}-{teams[0][0]}", R.HANDLER, f"{code}-{teams[0][0]}", 1, "车间主任")
        for suffix, _team in teams:
            plan.employees(f"{code}-{suffix}", 1, 2, "职工")
    return people + plan.people


@dataclass
class BuildResult:
    units_created: int = 0
    people_created: int = 0
    roles_created: int = 0
    notes: list[str] = field(default_factory=list)


def build_people(
    units: dict[str, Unit], *, password_hash: str | None = None, specs: Iterable[PersonSpec] | None = None
) -> BuildResult:
    """Create the people and role assignments that are missing; never touch existing ones."""
    specs = list(people_specs() if specs is None else specs)
    result = BuildResult()
    password_hash = password_hash or make_password(DEMO_PASSWORD)
    existing = {no.lower() for no in User.objects.values_list("employee_no", flat=True)}
    taken_phones = set(User.objects.exclude(phone=None).values_list("phone", flat=True))
    new_users = []
    for spec in specs:
        if spec.employee_no.lower() in existing:
            continue
        phone = spec.phone if spec.phone not in taken_phones else None
        new_users.append(
            User(
                employee_no=spec.employee_no,
                name=spec.name,
                phone=phone,
                home_unit=units[spec.home],
                password=password_hash,
                is_staff=spec.is_staff,
            )
        )
    User.objects.bulk_create(new_users, batch_size=500)
    result.people_created = len(new_users)

    people = {
        u.employee_no: u.pk for u in User.objects.filter(employee_no__in=[s.employee_no for s in specs])
    }
    wanted: set[tuple[int, int, str]] = set()
    for spec in specs:
        user_id = people.get(spec.employee_no)
        if user_id is None:  # exists with another letter case: leave that person alone
            continue
        wanted.add((user_id, units[spec.home].pk, Role.EMPLOYEE))
        for role, unit_code in spec.roles:
            wanted.add((user_id, units[unit_code].pk, role))
    have = set(
        RoleAssignment.objects.filter(user_id__in=people.values()).values_list("user_id", "unit_id", "role")
    )
    missing = sorted(wanted - have)
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user_id=u, unit_id=unit, role=role) for u, unit, role in missing], batch_size=1000
    )
    result.roles_created = len(missing)
    if result.people_created or result.roles_created:
        audit_record(
            actor=None,
            action="demo.load_people",
            target=units[GROUP_CODE],
            data={"people_created": result.people_created, "roles_created": result.roles_created},
        )
    return result


# --- everything -----------------------------------------------------------------------


@transaction.atomic
def build_all() -> BuildResult:
    """The whole demo in one transaction. Modules that add demo records (petitions, …)
    add a ``build_<thing>(units)`` call here, after the people exist."""
    before = Unit.objects.count()
    units = build_units()
    result = build_people(units)
    result.units_created = Unit.objects.count() - before
    return result


def demo_account_rows() -> list[tuple[str, str, str, str, str]]:
    """(工号, 姓名, 角色, 角色所在单位, 说明) of the demo accounts, as they are in the database."""
    rows = []
    users = {
        u.employee_no: u for u in User.objects.filter(employee_no__in=[a.employee_no for a in DEMO_ACCOUNTS])
    }
    units = {u.code: u for u in Unit.objects.filter(code__in=[a.role_unit for a in DEMO_ACCOUNTS])}
    for a in DEMO_ACCOUNTS:
        user = users.get(a.employee_no)
        unit = units.get(a.role_unit)
        rows.append(
            (
                a.employee_no,
                user.name if user else "（缺失）",
                Role(a.role).label,
                unit.name if unit else a.role_unit,
                a.note,
            )
        )
    return rows
