"""Set up a load/fault test: units, officers, employees with API tokens, and petitions whose
deadlines make the sweep remind and escalate. Writes the tokens to a JSON file for the client.

    manage.py ops_loadprep --employees 200 --out DIR/load.json [--overdue 40 --due-soon 40]

For a throwaway test database only (the topology script's): it refuses a database that
already holds petitions not made by it.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from orgs.choices import Role, UnitKind
from orgs.models import RoleAssignment, Unit, User
from orgs.services import unit_create
from petitions.api.tokens import api_token_create
from petitions.choices import Category
from petitions.identity import Identity
from petitions.intake import PetitionDraft, petition_submit
from petitions.models import Petition

PREFIX = "LT"


class Command(BaseCommand):
    help = "Prepare a throwaway database for the load and fault tests (ops)."

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=200)
        parser.add_argument("--mines", type=int, default=4)
        parser.add_argument("--overdue", type=int, default=30, help="petitions past their acceptance deadline")
        parser.add_argument("--due-soon", type=int, default=30, help="petitions whose deadline is 1–3 days away")
        parser.add_argument("--out", required=True)

    def handle(self, *args, employees, mines, overdue, due_soon, out, **options):
        if Petition.objects.exclude(title__startswith=f"[{PREFIX}]").exists():
            raise CommandError("this database holds real petitions: ops_loadprep is for a throwaway test database")
        with transaction.atomic():
            group = Unit.objects.filter(code=f"{PREFIX}-G").first() or unit_create(
                code=f"{PREFIX}-G", name="压测集团", kind=UnitKind.GROUP, parent=None)
            company = Unit.objects.filter(code=f"{PREFIX}-C").first() or unit_create(
                code=f"{PREFIX}-C", name="压测公司", kind=UnitKind.COMPANY, parent=group)
            units = []
            for m in range(1, mines + 1):
                unit = Unit.objects.filter(code=f"{PREFIX}-M{m}").first() or unit_create(
                    code=f"{PREFIX}-M{m}", name=f"压测{m}号矿", kind=UnitKind.MINE, parent=company)
                units.append(unit)
                officer, created = User.objects.get_or_create(
                    employee_no=f"{PREFIX}X{m}", defaults={"name": f"信访干事{m}", "home_unit": unit})
                if created:
                    officer.set_unusable_password()
                    officer.save()
                    RoleAssignment.objects.create(user=officer, unit=unit, role=Role.EMPLOYEE)
                    RoleAssignment.objects.create(user=officer, unit=unit, role=Role.PETITION_OFFICER)
            people = []
            for i in range(employees):
                unit = units[i % len(units)]
                user, created = User.objects.get_or_create(
                    employee_no=f"{PREFIX}{i:05d}", defaults={"name": f"职工{i}", "home_unit": unit,
                                                              "phone": f"139{i:08d}"})
                if created:
                    user.set_unusable_password()
                    user.save()
                    RoleAssignment.objects.create(user=user, unit=unit, role=Role.EMPLOYEE)
                people.append((user, unit))
            tokens = [{"token": api_token_create(user=u, name="压测").key, "unit": unit.code} for u, unit in people]
        now = timezone.now()
        made = 0
        for n, (days, count) in enumerate(((40, overdue), (12, due_soon))):
            for i in range(count):
                user, unit = people[(i + n) % len(people)]
                draft = PetitionDraft(title=f"[{PREFIX}] 期限测试{n}-{i}", content="用于期限提醒和超期督办的压测事项，工资少发请求核实。",
                                      category=Category.WAGES, unit=unit, identity=Identity())
                # 12 working days ago: the 15-day acceptance deadline is 3 days away.
                petition_submit(petitioner=user, draft=draft, now=now - timedelta(days=days * 7 // 5))
                made += 1
        with open(out, "w", encoding="utf-8") as fh:
            json.dump({"tokens": tokens, "units": [u.code for u in units]}, fh)
        self.stdout.write(f"{len(tokens)} employees with API tokens, {made} petitions with deadlines → {out}")
