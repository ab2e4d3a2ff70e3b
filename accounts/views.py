"""Login (password, then the second factor), two-factor enrollment, recovery codes, password
change, and the administrators' two-factor overview and reset. Thin: the steps live in
accounts.services / accounts.otp / accounts.lockout."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import lockout, otp, services, session
from accounts.forms import CodeForm, LoginForm, PasswordChangeForm, PeopleFilterForm, ResetForm
from accounts.models import Factor, TOTPDevice
from core.errors import DomainError
from core.net import client_ip
from orgs.choices import Role
from orgs.models import RoleAssignment, User, subtree_q

PAGE_SIZE = 25


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _after_login(request: HttpRequest, state: str, next_url: str) -> HttpResponse:
    if state == session.ENROLL:
        return redirect("accounts:two_factor")  # the page says why
    # A URL, never a view name: redirect("abc") would try reverse("abc") and fail with a 500.
    return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


# --- login --------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    """Step one: 工号/手机号 and password, refused unchecked while the pair or account is locked."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = LoginForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        typed = form.cleaned_data["username"]
        ip, now = client_ip(request), timezone.now()
        account = lockout.find_account(typed)
        key = lockout.username_key(typed, account)
        lock = lockout.lock_for(username=key, ip=ip, now=now)
        if lock is None:
            user = authenticate(request, username=typed, password=form.cleaned_data["password"])
            if user is None:
                lock = services.login_failed(username=key, account=account, ip=ip, factor=Factor.PASSWORD, now=now)
                if lock is None:
                    form.add_error(None, _("工号/手机号或密码不正确，请重新输入。"))
            elif otp.has_device(user):
                session.pending_start(request, user=user, backend=user.backend, username=key, next_url=next_url)
                return redirect("accounts:verify")
            else:
                state = services.login_complete(
                    request, user=user, backend=user.backend, username=key, ip=ip, factor=Factor.PASSWORD, now=now
                )
                return _after_login(request, state, next_url)
        if lock is not None:
            messages.error(request, lock.message(now))
    return render(request, "core/login.html", {"form": form, "next": next_url})


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def verify_view(request: HttpRequest) -> HttpResponse:
    """Step two: the authenticator code (or a recovery code); only now is the person logged in."""
    now = timezone.now()
    pending = session.pending_get(request, now)
    if pending is None:
        messages.info(request, _("验证已超时，请重新登录。"))
        return redirect("login")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        user = User.objects.filter(pk=pending.user_id, is_active=True).first()
        lock = lockout.lock_for(username=pending.username, ip=ip, now=now)
        if user is None or lock is not None:
            session.pending_clear(request)
            if lock is not None:
                messages.error(request, lock.message(now))
            return redirect("login")
        factor = otp.second_factor_verify(user=user, code=form.cleaned_data["code"], now=now)
        if factor is not None:
            session.pending_clear(request)
            state = services.login_complete(
                request, user=user, backend=pending.backend, username=pending.username, ip=ip, factor=factor, now=now
            )
            if factor == Factor.RECOVERY:
                left = otp.recovery_codes_left(user)
                messages.warning(
                    request,
                    _("您使用了一个恢复码，还剩 %(left)d 个。如手机已丢失，请联系系统管理员重置两步验证。") % {"left": left},
                )
            return _after_login(request, state, pending.next_url)
        lock = services.login_failed(username=pending.username, account=user, ip=ip, factor=Factor.TOTP, now=now)
        if lock is not None:
            session.pending_clear(request)
            messages.error(request, lock.message(now))
            return redirect("login")
        form.add_error("code", _("验证码不正确或已使用过，请输入手机上新显示的 6 位数字。"))
    recovery = request.GET.get("recovery") == "1" or (form.is_bound and len(otp.normalise_code(form.data.get("code", ""))) > otp.DIGITS)
    return render(request, "accounts/verify.html", {"form": form, "recovery": recovery})


# --- enrollment and recovery codes --------------------------------------------------------


def _enroll_page(request: HttpRequest, form: CodeForm, device: TOTPDevice, status: int = 200) -> HttpResponse:
    uri = otp.provisioning_uri(device)
    context = {
        "form": form,
        "qr_svg": otp.qr_svg(uri),
        "secret": otp.secret_for_typing(device),
        "required": session.two_factor_required(),
    }
    return render(request, "accounts/enroll.html", context, status=status)


def _codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@login_required
@never_cache
def two_factor_view(request: HttpRequest) -> HttpResponse:
    """The person's two-step page: enroll (QR code + secret + a code), or its status."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed:
        return render(request, "accounts/two_factor.html", {
            "device": device, "left": otp.recovery_codes_left(user), "form": CodeForm(),
        })
    if not session.is_staff_user(user):
        return render(request, "accounts/two_factor.html", {"device": None, "not_staff": True})
    device = otp.enrollment_start(user=user)
    return _enroll_page(request, CodeForm(), device)


@login_required
@require_POST
@never_cache
@sensitive_post_parameters("code")
def two_factor_confirm(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = CodeForm(request.POST)
    device = TOTPDevice.objects.filter(user=user).first()
    if device is None or device.confirmed:
        return redirect("accounts:two_factor")
    if form.is_valid():
        try:
            codes = otp.enrollment_confirm(user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            session.mark_verified(request)
            messages.success(request, _("两步验证已启用。以后登录时，输入密码后还需输入手机上的动态验证码。"))
            return _codes_page(request, codes)
    return _enroll_page(request, form, device, status=422)


@login_required
@require_POST
def two_factor_restart(request: HttpRequest) -> HttpResponse:
    """A new secret (e.g. the QR code was scanned into the wrong app)."""
    try:
        otp.enrollment_start(user=request.user, restart=True)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:two_factor")


@login_required
@require_POST
@never_cache
@sensitive_post_parameters("code")
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            codes = otp.recovery_codes_regenerate(user=request.user, code=form.cleaned_data["code"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return _codes_page(request, codes)
    return redirect("accounts:two_factor")


# --- password change ----------------------------------------------------------------------


@login_required
@never_cache
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def password_change(request: HttpRequest) -> HttpResponse:
    """Needs the current password. The new hash changes the session auth hash, so every other
    session of the person stops working; this one gets a new key and stays logged in.
    Wrong current passwords count towards the lockout; reaching it logs this session out."""
    user = request.user
    form = PasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        ip, now = client_ip(request), timezone.now()
        key = lockout.username_key(user.employee_no, user)
        lock = lockout.lock_for(username=key, ip=ip, now=now)
        if lock is None and form.is_valid():
            form.save()
            update_session_auth_hash(request, form.user)
            services.password_changed(user=form.user, ip=ip)
            messages.success(request, _("密码已修改。您在其他设备上的登录已失效，需要用新密码重新登录。"))
            return redirect("accounts:two_factor")
        if lock is None and "old_password" in form.errors:
            lock = services.login_failed(username=key, account=user, ip=ip, factor=Factor.PASSWORD, now=now)
        if lock is not None:
            logout(request)
            messages.error(request, lock.message(now))
            return redirect("login")
    return render(request, "accounts/password_change.html", {"form": form})


# --- administrators -----------------------------------------------------------------------


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "accounts/forbidden.html", {"message": message}, status=403)


def _resettable_people(user: User):
    """People whose two-step verification ``user`` may reset (accounts.otp.may_reset)."""
    if user.is_superuser:
        people = User.objects.all()
    else:
        units = user.units_with(Role.ADMINISTRATOR)
        if not units:
            return User.objects.none()
        people = User.objects.filter(subtree_q(units, field="home_unit__")).exclude(is_superuser=True)
    return people.exclude(pk=user.pk)


@login_required
def two_factor_people(request: HttpRequest) -> HttpResponse:
    """Staff (and anyone with a device) in the administrator's units, with their two-step state."""
    user = request.user
    if not (user.is_superuser or user.units_with(Role.ADMINISTRATOR)):
        return _forbidden(request, _("只有系统管理员可以查看和重置两步验证。"))
    form = PeopleFilterForm(request.GET or None)
    staff_ids = RoleAssignment.objects.exclude(role=Role.EMPLOYEE).values("user_id")
    people = _resettable_people(user).filter(
        Q(is_staff=True) | Q(is_superuser=True) | Q(pk__in=staff_ids)
        | Q(pk__in=TOTPDevice.objects.values("user_id"))
    )
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"].strip()
        people = people.filter(Q(employee_no__iexact=q) | Q(name__contains=q))
    people = (
        people.select_related("home_unit", "totp_device")
        .annotate(codes_left=Count("recovery_codes", filter=Q(recovery_codes__used_at__isnull=True)))
        .order_by("home_unit__path", "employee_no")
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/people.html", {"form": form, "page": page})


@login_required
def two_factor_reset(request: HttpRequest, employee_no: str) -> HttpResponse:
    person = get_object_or_404(_resettable_people(request.user), employee_no=employee_no)
    if not otp.may_reset(request.user, person):
        return _forbidden(request, _("只有本单位的系统管理员可以重置他人的两步验证。"))
    form = ResetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            otp.two_factor_reset(person=person, acting_user=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已重置 %(name)s 的两步验证；其下次登录时需重新绑定手机。") % {"name": person.name})
            return redirect("accounts:two_factor_people")
    device = TOTPDevice.objects.filter(user=person, confirmed_at__isnull=False).first()
    return render(request, "accounts/reset.html", {"person": person, "device": device, "form": form})
