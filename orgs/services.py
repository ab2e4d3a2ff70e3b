"""Writes to the organization tree, people and roles. One function per action."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Substr

from audit.services import audit_record
from core.errors import DomainError, InvalidInput, NotAllowed
from orgs.choices import STAFF_ADMIN_ROLES, Role, UnitKind
from orgs.models import SEGMENT, RoleAssignment, Unit, User
from orgs.scoping import administers

# Which kinds may sit below which: the enterprise tree's levels.
ALLOWED_CHILDREN: dict[str | None, set[str]] = {
    None: {UnitKind.GROUP},
    UnitKind.GROUP: {UnitKind.COMPANY, UnitKind.MINE, UnitKind.PLANT, UnitKind.DEPARTMENT},
    UnitKind.COMPANY: {UnitKind.MINE, UnitKind.PLANT, UnitKind.DEPARTMENT},
    UnitKind.MINE: {UnitKind.TEAM, UnitKind.DEPARTMENT},
    UnitKind.PLANT: {UnitKind.TEAM, UnitKind.DEPARTMENT},
    UnitKind.TEAM: set(),
    UnitKind.DEPARTMENT: set(),
}


def _next_child_path(parent: Unit | None) -> str:
    siblings = Unit.objects.filter(parent=parent) if parent else Unit.objects.filter(parent__isnull=True)
    last = siblings.aggregate(m=Max("path"))["m"]
    prefix = parent.path if parent else ""
    number = int(last[-SEGMENT:]) + 1 if last else 1
    # 9999 is never handed out: a path made only of nines would have no same-width
    # successor (models.path_successor), and its subtree range would come out empty.
    if number >= 10**SEGMENT - 1:
        raise InvalidInput("unit_too_many_children", "下级单位数量已达上限")
    return prefix + str(number).zfill(SEGMENT)


def _check_kind(kind: str, parent: Unit | None) -> None:
    if kind not in ALLOWED_CHILDREN.get(parent.kind if parent else None, set()):
        parent_label = parent.get_kind_display() if parent else "顶层"
        raise InvalidInput(
            "unit_kind_not_allowed", f"{parent_label}下不能设立“{UnitKind(kind).label}”类单位"
        )


@transaction.atomic
def unit_create(
    *, code: str, name: str, kind: str, parent: Unit | None, short_name: str = "", acting_user: User | None = None
) -> Unit:
    _check_kind(kind, parent)
    if parent is not None:
        # Lock the parent so two concurrent creations cannot pick the same child path.
        Unit.objects.select_for_update().get(pk=parent.pk)
    path = _next_child_path(parent)
    unit = Unit(code=code, name=name, short_name=short_name, kind=kind, parent=parent, path=path, depth=len(path) // SEGMENT)
    unit.full_clean()
    unit.save()
    audit_record(actor=acting_user, action="unit.create", target=unit, data={"code": code, "name": name, "kind": kind})
    return unit


@transaction.atomic
def unit_move(*, unit: Unit, new_parent: Unit, acting_user: User | None = None) -> Unit:
    """Move a unit and its whole subtree below ``new_parent`` in one statement."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_parent = Unit.objects.select_for_update().get(pk=new_parent.pk)
    if new_parent.is_within(unit):
        raise InvalidInput("unit_move_into_itself", "不能把单位移到它自己或它的下级单位之下")
    _check_kind(unit.kind, new_parent)
    old_path = unit.path
    new_path = _next_child_path(new_parent)
    depth_delta = (len(new_path) - len(old_path)) // SEGMENT
    # Rewrite every path of the subtree: new prefix + the part below the old root.
    Unit.objects.subtree_of(unit).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_delta,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    audit_record(
        actor=acting_user,
        action="unit.move",
        target=unit,
        data={"from_path": old_path, "to_path": new_path, "new_parent": new_parent.code},
    )
    return unit


def _require_admin_of(acting_user: User, unit: Unit) -> None:
    if not administers(acting_user, unit):
        raise NotAllowed("outside_scope", f"您无权管理“{unit.name}”的人员")


def _require_person_in_scope(acting_user: User, user: User) -> None:
    """Roles are only given to (and taken from) people of the acting user's subtrees."""
    if acting_user.is_superuser:
        return
    if user.home_unit_id is None or not administers(acting_user, user.home_unit):
        raise NotAllowed("person_outside_scope", f"{user.name}不在您管理的单位范围内")


@transaction.atomic
def person_create(
    *,
    acting_user: User,
    employee_no: str,
    name: str,
    home_unit: Unit,
    phone: str | None = None,
    email: str = "",
    password: str | None = None,
) -> User:
    _require_admin_of(acting_user, home_unit)
    if User.objects.filter(employee_no__iexact=employee_no).exists():
        raise InvalidInput("employee_no_taken", f"工号 {employee_no} 已存在")
    if phone and User.objects.filter(phone=phone).exists():
        raise InvalidInput("phone_taken", f"手机号 {phone} 已被使用")
    user = User(employee_no=employee_no, name=name, home_unit=home_unit, phone=phone or None, email=email)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    RoleAssignment.objects.create(user=user, unit=home_unit, role=Role.EMPLOYEE, granted_by=acting_user)
    audit_record(actor=acting_user, action="person.create", target=user, data={"employee_no": employee_no, "unit": home_unit.code})
    return user


def check_role_grant(*, acting_user: User, user: User, unit: Unit, role: str) -> None:
    """Raise the DomainError ``role_grant`` would raise; pages use it to decide what to offer."""
    _require_admin_of(acting_user, unit)
    _require_person_in_scope(acting_user, user)
    if role not in Role.values:
        raise InvalidInput("unknown_role", "未知角色")
    if role == Role.ADMINISTRATOR and not acting_user.is_administrator:
        raise NotAllowed("admin_only", "只有系统管理员可以授予系统管理员角色")
    if role in STAFF_ADMIN_ROLES and acting_user.pk == user.pk:
        raise NotAllowed("self_grant", "不能给自己授予管理类角色")


def check_role_revoke(*, acting_user: User, assignment: RoleAssignment) -> None:
    """Raise the DomainError ``role_revoke`` would raise."""
    _require_admin_of(acting_user, assignment.unit)
    if assignment.role == Role.ADMINISTRATOR and not acting_user.is_administrator:
        raise NotAllowed("admin_only", "只有系统管理员可以撤销系统管理员角色")
    if assignment.role in STAFF_ADMIN_ROLES and acting_user.pk == assignment.user_id:
        raise NotAllowed("self_revoke", "不能撤销自己的管理类角色，请由上级或其他管理员办理")


def can_revoke(*, acting_user: User, assignment: RoleAssignment) -> bool:
    try:
        check_role_revoke(acting_user=acting_user, assignment=assignment)
    except DomainError:
        return False
    return True


@transaction.atomic
def role_grant(*, acting_user: User, user: User, unit: Unit, role: str) -> RoleAssignment:
    check_role_grant(acting_user=acting_user, user=user, unit=unit, role=role)
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, unit=unit, role=role, defaults={"granted_by": acting_user}
    )
    if created:
        audit_record(actor=acting_user, action="role.grant", target=user, data={"unit": unit.code, "role": role})
    user.forget_roles()
    return assignment


@transaction.atomic
def role_revoke(*, acting_user: User, assignment: RoleAssignment) -> None:
    check_role_revoke(acting_user=acting_user, assignment=assignment)
    data = {"unit": assignment.unit.code, "role": assignment.role}
    target = assignment.user
    assignment.delete()
    audit_record(actor=acting_user, action="role.revoke", target=target, data=data)
    target.forget_roles()


__all__ = [
    "unit_create",
    "unit_move",
    "person_create",
    "role_grant",
    "role_revoke",
    "check_role_grant",
    "check_role_revoke",
    "can_revoke",
]
