"""factory_boy factories for units, people and role assignments; importable by any test.

    from tests.orgs.factories import UnitFactory, UserFactory, grant

    group = UnitFactory()                                   # kind follows the parent: 集团
    mine = UnitFactory(parent=UnitFactory(parent=group))   # 公司 → 煤矿
    leader = UserFactory(home_unit=mine, roles=[Role.UNIT_LEADER])         # role at home unit
    officer = UserFactory(home_unit=team, roles=[(Role.PETITION_OFFICER, mine)])

Units are created through ``orgs.services.unit_create`` (paths, depth and the audit row are
the real ones). People get the 职工 role at their home unit, as ``person_create`` gives it;
their password is ``TEST_PASSWORD``, hashed once per hasher setting.
"""

from __future__ import annotations

import functools

import factory
from django.conf import settings
from django.contrib.auth.hashers import make_password

from orgs.choices import Role, UnitKind
from orgs.models import RoleAssignment, Unit, User
from orgs.services import unit_create

TEST_PASSWORD = "Tongxin@2026"

# The kind a unit gets by default below a parent of each kind.
DEFAULT_CHILD_KIND = {
    None: UnitKind.GROUP,
    UnitKind.GROUP: UnitKind.COMPANY,
    UnitKind.COMPANY: UnitKind.MINE,
    UnitKind.MINE: UnitKind.TEAM,
    UnitKind.PLANT: UnitKind.TEAM,
}


@functools.cache
def _hashed(password: str, hashers: tuple[str, ...]) -> str:
    return make_password(password)


def password_hash(password: str = TEST_PASSWORD) -> str:
    """One hash per password and hasher setting: creating people stays cheap even with Argon2."""
    return _hashed(password, tuple(settings.PASSWORD_HASHERS))


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    short_name = ""
    parent = None
    kind = factory.LazyAttribute(lambda o: DEFAULT_CHILD_KIND[o.parent.kind if o.parent else None])
    acting_user = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Unit:
        return unit_create(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    employee_no = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"测试{'赵钱孙李周吴郑王'[n % 8]}{n}")
    phone = factory.Sequence(lambda n: f"177{n:08d}")
    home_unit = None
    password = factory.LazyFunction(password_hash)

    @factory.post_generation
    def roles(obj: User, create: bool, extracted, **kwargs) -> None:
        """``roles=[Role.X, (Role.Y, unit), …]``: a bare role is held at the home unit."""
        if not create:
            return
        wanted: list[tuple[str, Unit]] = []
        if obj.home_unit is not None:
            wanted.append((Role.EMPLOYEE, obj.home_unit))
        for item in extracted or []:
            role, unit = (item, obj.home_unit) if isinstance(item, str) else item
            if unit is None:
                raise ValueError(f"role {role} needs a unit: give home_unit or (role, unit)")
            wanted.append((role, unit))
        for role, unit in wanted:
            RoleAssignment.objects.get_or_create(user=obj, unit=unit, role=role)
        obj.forget_roles()


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    unit = factory.LazyAttribute(lambda o: o.user.home_unit)
    role = Role.EMPLOYEE


def grant(user: User, role: str, unit: Unit) -> RoleAssignment:
    """Give a role directly (test set-up, no audit); the user's role cache is refreshed."""
    assignment, _ = RoleAssignment.objects.get_or_create(user=user, unit=unit, role=role)
    user.forget_roles()
    return assignment
