"""Organizations, people and role assignments.

The enterprise tree is stored as a materialised path: each level adds a fixed-width
four-digit segment ("0001" "00010003" "000100030012"). "This unit and everything below"
is then one range scan on an ordinary B-tree index on both SQLite and PostgreSQL:
``path >= P AND path < successor(P)``. Paths hold digits only, so every collation
orders them the same way (see docs/adr/0002-unit-tree-materialised-path.md).
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.choices import Role, UnitKind

SEGMENT = 4  # digits per tree level: up to 9,999 children per unit


def path_successor(path: str) -> str:
    """The smallest path that sorts after every descendant of ``path``."""
    return str(int(path) + 1).zfill(len(path))


class UnitQuerySet(models.QuerySet["Unit"]):
    def subtree_of(self, unit: Unit) -> UnitQuerySet:
        return self.filter(path__gte=unit.path, path__lt=path_successor(unit.path))

    def subtrees_of(self, units: list[Unit]) -> UnitQuerySet:
        return self.filter(subtree_q(units))


def subtree_q(units, field: str = "") -> Q:
    """Q matching records whose unit path lies in any of the given units' subtrees.

    ``field`` is the lookup prefix of the unit path, e.g. ``"unit__"`` on a related
    record, or ``""`` on Unit itself. Nested units are collapsed first.
    """
    paths = sorted({u.path for u in units})
    roots: list[str] = []
    for p in paths:
        if not any(p.startswith(r) for r in roots):
            roots.append(p)
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(**{f"{field}path__gte": root, f"{field}path__lt": path_successor(root)})
    return q


class Unit(models.Model):
    """An enterprise unit: 集团, 公司, 矿/厂, 区队/科室."""

    code = models.CharField(
        _("单位代码"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9][A-Z0-9-]*$", _("单位代码只能包含大写字母、数字和连字符"))],
    )
    name = models.CharField(_("单位名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("单位类别"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path; maintained only by orgs.services (unit_create / unit_move).
    path = models.CharField(_("路径"), max_length=64, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("层级"), editable=False)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def subtree(self) -> UnitQuerySet:
        return Unit.objects.subtree_of(self)

    def ancestors(self) -> UnitQuerySet:
        prefixes = [self.path[:i] for i in range(SEGMENT, len(self.path), SEGMENT)]
        return Unit.objects.filter(path__in=prefixes).order_by("path")

    def is_within(self, other: Unit) -> bool:
        """True if this unit is ``other`` or lies below it."""
        return self.path.startswith(other.path)

    @property
    def label(self) -> str:
        return self.short_name or self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, employee_no: str, name: str, password: str | None = None, **extra) -> User:
        user = self.model(employee_no=employee_no, name=name, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, employee_no: str, name: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(employee_no, name, password, **extra)


phone_validator = RegexValidator(r"^1[3-9]\d{9}$", _("请输入11位手机号码"))


class User(AbstractBaseUser, PermissionsMixin):
    """A person of the coal group: employee, retiree, family member or villager."""

    employee_no = models.CharField(
        _("工号"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9]{3,20}$", _("工号为3–20位字母或数字"))],
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=11, unique=True, null=True, blank=True, validators=[phone_validator])
    email = models.EmailField(_("电子邮箱"), blank=True)
    home_unit = models.ForeignKey(
        Unit, verbose_name=_("所在单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    is_staff = models.BooleanField(_("可登录后台"), default=False)
    date_joined = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "employee_no"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["employee_no"]

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_no}）"

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    # Role look-ups are cached per instance: one query per request, however many checks.
    def role_assignments(self) -> list[RoleAssignment]:
        cache = getattr(self, "_role_cache", None)
        if cache is None:
            cache = list(self.roles.select_related("unit").all()) if self.pk else []
            self._role_cache = cache
        return cache

    def forget_roles(self) -> None:
        self.__dict__.pop("_role_cache", None)

    def units_with(self, *roles: str) -> list[Unit]:
        return [ra.unit for ra in self.role_assignments() if ra.role in roles]

    def has_role(self, role: str, unit: Unit | None = None) -> bool:
        """Holds ``role`` at ``unit`` or at one of its ancestors (None: anywhere)."""
        for ra in self.role_assignments():
            if ra.role == role and (unit is None or unit.is_within(ra.unit)):
                return True
        return False

    @property
    def role_set(self) -> set[str]:
        return {ra.role for ra in self.role_assignments()}

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or Role.ADMINISTRATOR in self.role_set


class RoleAssignment(models.Model):
    """A role held by a person at a unit; it reaches the unit's whole subtree."""

    user = models.ForeignKey(User, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="roles")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    granted_by = models.ForeignKey(
        User, verbose_name=_("授权人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(_("授权时间"), default=timezone.now)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="uniq_role_per_unit")]
        indexes = [models.Index(fields=["role", "unit"], name="role_unit_idx")]

    def __str__(self) -> str:
        return f"{self.user.name} · {self.get_role_display()} · {self.unit.name}"
