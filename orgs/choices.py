from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    """Levels of the enterprise tree (集团 → 公司 → 矿/厂 → 区队/科室)."""

    GROUP = "group", _("集团")
    COMPANY = "company", _("公司")
    MINE = "mine", _("煤矿")
    PLANT = "plant", _("厂/站")  # washing plant, power plant, railway branch …
    TEAM = "team", _("区队")  # production teams underground: 综采队, 掘进队 …
    DEPARTMENT = "department", _("科室")  # offices: 机电科, 通风科 …


class Role(models.TextChoices):
    """Roles held per unit; a person may hold several in several units (DESIGN §3)."""

    EMPLOYEE = "employee", _("职工")
    PETITION_OFFICER = "petition_officer", _("信访干事")
    HANDLER = "handler", _("承办人")
    UNIT_LEADER = "unit_leader", _("单位负责人")
    DISCIPLINE_INSPECTOR = "discipline_inspector", _("纪检")
    PARTY_OFFICER = "party_officer", _("党务干事")
    PUBLICITY_OFFICER = "publicity_officer", _("宣传干事")
    ENERGY_OFFICER = "energy_officer", _("能源管理员")
    ADMINISTRATOR = "administrator", _("系统管理员")


# Roles that may administer people of their subtree (create people, assign roles).
STAFF_ADMIN_ROLES = frozenset({Role.UNIT_LEADER, Role.ADMINISTRATOR})
