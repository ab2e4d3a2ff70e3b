"""Pages of the organization: the unit tree, people, roles. Thin: scoping comes from
``orgs.scoping``, every write from ``orgs.services``; a refused write shows the
DomainError's message with its HTTP status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from orgs import scoping, selectors, services
from orgs.forms import PeopleFilterForm, PersonCreateForm, RoleGrantForm
from orgs.models import RoleAssignment, User

PAGE_SIZE = 25


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "orgs/forbidden.html", {"message": message}, status=403)


def _no_people_admin(request: HttpRequest) -> HttpResponse:
    return _forbidden(request, _("只有单位负责人和系统管理员可以管理人员。"))


@login_required
def unit_tree(request: HttpRequest) -> HttpResponse:
    user = request.user
    roots = selectors.unit_tree(scoping.units_visible_to(user))
    managed = set(scoping.administered_units(user).values_list("pk", flat=True))
    return render(request, "orgs/units.html", {"roots": roots, "managed": managed})


@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not scoping.administers_anyone(user):
        return _no_people_admin(request)
    form = PeopleFilterForm(request.GET or None, units=scoping.administered_units(user))
    people = scoping.people_visible_to(user)
    if form.is_bound and form.is_valid():
        people = selectors.people_search(
            people, q=form.cleaned_data["q"], unit=form.cleaned_data["unit"], role=form.cleaned_data["role"]
        )
    page = Paginator(
        selectors.with_roles(people).order_by("home_unit__path", "employee_no"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "orgs/people.html", {"form": form, "page": page})


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not scoping.administers_anyone(user):
        return _no_people_admin(request)
    form = PersonCreateForm(request.POST or None, units=scoping.administered_units(user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = services.person_create(
                    acting_user=user,
                    employee_no=data["employee_no"],
                    name=data["name"],
                    home_unit=data["home_unit"],
                    phone=data["phone"] or None,
                    email=data["email"],
                    password=data["password"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("已新建人员 %(name)s（%(no)s）。") % {"name": person.name, "no": person.employee_no},
                )
                return redirect("orgs:person", employee_no=person.employee_no)
        else:
            status = 400
    return render(request, "orgs/person_form.html", {"form": form}, status=status)


def _person_page(
    request: HttpRequest, person: User, *, form: RoleGrantForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    assignments = sorted(person.role_assignments(), key=lambda ra: (ra.unit.path, ra.role))
    rows = [(ra, services.can_revoke(acting_user=user, assignment=ra)) for ra in assignments]
    can_grant = person.home_unit_id is not None and scoping.administers(user, person.home_unit)
    if can_grant and form is None:
        form = _grant_form(request, None)
    context = {"person": person, "rows": rows, "grant_form": form if can_grant else None}
    return render(request, "orgs/person_detail.html", context, status=status)


def _grant_form(request: HttpRequest, data) -> RoleGrantForm:
    user = request.user
    return RoleGrantForm(data, units=scoping.administered_units(user), allow_admin=user.is_administrator)


def _visible_person(request: HttpRequest, employee_no: str) -> User:
    return get_object_or_404(
        scoping.people_visible_to(request.user).select_related("home_unit"), employee_no=employee_no
    )


@login_required
def person_detail(request: HttpRequest, employee_no: str) -> HttpResponse:
    return _person_page(request, _visible_person(request, employee_no))


@login_required
@require_POST
def role_grant(request: HttpRequest, employee_no: str) -> HttpResponse:
    person = _visible_person(request, employee_no)
    if not scoping.administers_anyone(request.user):
        return _no_people_admin(request)
    form = _grant_form(request, request.POST)
    if not form.is_valid():
        return _person_page(request, person, form=form, status=400)
    try:
        services.role_grant(
            acting_user=request.user,
            user=person,
            unit=form.cleaned_data["unit"],
            role=form.cleaned_data["role"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _person_page(request, person, form=form, status=exc.status)
    messages.success(request, _("已授予角色。"))
    return redirect("orgs:person", employee_no=person.employee_no)


@login_required
@require_POST
def role_revoke(request: HttpRequest, employee_no: str, assignment_id: int) -> HttpResponse:
    person = _visible_person(request, employee_no)
    assignment = get_object_or_404(
        RoleAssignment.objects.select_related("unit", "user"), pk=assignment_id, user=person
    )
    try:
        services.role_revoke(acting_user=request.user, assignment=assignment)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _person_page(request, person, status=exc.status)
    messages.success(request, _("已撤销角色。"))
    return redirect("orgs:person", employee_no=person.employee_no)
