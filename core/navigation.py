"""Navigation by role: one list, filtered by what the user holds."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from orgs.choices import Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    icon: str
    roles: frozenset[str] | None  # None: everyone logged in


NAV_ITEMS = [
    NavItem("home", _("首页"), "house", None),
    NavItem("petitions:submit", _("我要信访"), "pencil-square", None),
    NavItem("petitions:mine", _("我的信访"), "person-lines-fill", None),
    NavItem(
        "petitions:inbox",
        _("信访工作台"),
        "inbox",
        frozenset({Role.PETITION_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR}),
    ),
    NavItem("petitions:worklist", _("我的承办"), "list-check", frozenset({Role.HANDLER, Role.UNIT_LEADER})),
    NavItem(
        "petitions:accountability",
        _("追责记录"),
        "shield-exclamation",
        frozenset({Role.DISCIPLINE_INSPECTOR, Role.UNIT_LEADER, Role.ADMINISTRATOR}),
    ),
    NavItem(
        "ledger:imports",
        _("台账导入"),
        "upload",
        frozenset({Role.PETITION_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR}),
    ),
    NavItem(
        "insights:dashboard",
        _("统计分析"),
        "bar-chart",
        # Handlers read their own statistics (/insights/me/); the others their subtree's.
        frozenset({Role.PETITION_OFFICER, Role.UNIT_LEADER, Role.DISCIPLINE_INSPECTOR, Role.ADMINISTRATOR,
                   Role.HANDLER}),
    ),
    NavItem(
        "triage:home",
        _("智能研判"),
        "search",
        frozenset({Role.PETITION_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR}),
    ),
    NavItem("engagement:home", _("群众工作"), "people-fill", None),
    NavItem("party:home", _("党建工作"), "flag", None),
    NavItem("publicity:home", _("宣传思想"), "megaphone", None),
    NavItem(
        "carbon:home",
        _("低碳转型"),
        "tree",
        frozenset({Role.UNIT_LEADER, Role.ADMINISTRATOR, Role.ENERGY_OFFICER}),
    ),
    NavItem("orgs:people", _("人员管理"), "people", frozenset({Role.UNIT_LEADER, Role.ADMINISTRATOR})),
    NavItem("orgs:units", _("组织机构"), "diagram-3", None),
    NavItem("accounts:password_change", _("账号安全"), "shield-lock", None),
    NavItem("accounts:two_factor_people", _("两步验证管理"), "key", frozenset({Role.ADMINISTRATOR})),
]


def items_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    held = user.role_set | ({Role.ADMINISTRATOR} if user.is_superuser else set())
    out = []
    for item in NAV_ITEMS:
        if item.roles is not None and not (held & item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # a module not installed in this deployment
        out.append({"url": url, "label": item.label, "icon": item.icon, "name": item.url_name})
    return out
