"""Fuzzing (hypothesis) of the forms a stranger or a user can post: the petition submit form (both
steps), the officer's registration form, the receipt-code form, the login form, and
``petitions.intake.find_by_receipt``; and raw, malformed, oversize bodies to each.

Inputs: any Unicode text, control and format characters, NUL, right-to-left overrides,
combining marks, astral characters, huge strings, binary bodies. The answer is always 2xx, 3xx or
4xx — never 5xx — and a refused request writes nothing (rows counted before and after). A NUL
never reaches the database (PostgreSQL refuses it): core.middleware.RejectNulMiddleware answers
400 first, and the forms refuse it on their own too (Django's CharField).

Examples are derandomised (the same cases every run, no flaky failures); set
TONGXIN_FUZZ_EXAMPLES to run more of them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.forms import LoginForm
from orgs.models import User
from petitions.forms import SubmitForm, TrackForm
from petitions.intake import find_by_receipt
from petitions.models import Attachment, Petition, PetitionerIdentity
from petitions.staff_forms import RegisterForm
from tests.security.conftest import FUZZ_CASES, png

EXAMPLES = int(os.environ.get("TONGXIN_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the client and personas are reused across examples on purpose
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

EDGE = st.sampled_from([
    "", " ", "\u3000", "\x00", "标题\x00", "a\x00b", "\r\n\r\n", "\t\t", "\x1b[31m红\x1b[0m", "\u202e反转\u202c",
    "\ufeffBOM", "\u200b\u200c\u200d", "\U0001f4a9", "𠜎𠜱𠝹𠱓", "e\u0301" * 40, "\uffff\ufffe", "\x7f\x08",
    "' OR '1'='1' --", "1; DROP TABLE petitions_petition;", "%00%0d%0a", "../../../etc/passwd", "\\\\server\\share",
    "<script>alert(1)</script>", "{{ 7|add:42 }}", "${jndi:ldap://x}", "中" * 20001, "A" * 100_000, "\n" * 5000,
    "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦", "０１２３４５６７８９０１２３４５６", "²³¹⁴" * 4, "-1", "0", "99999999999999999999", "1e309", "NaN",
])
UNICODE = st.text(st.characters(codec="utf-8"), max_size=200)  # any code point UTF-8 can carry
CONTROL = st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs", "Mn", "Co"]), max_size=60)
HUGE = st.builds(lambda s, n: s * n, st.text(st.characters(codec="utf-8"), min_size=1, max_size=3),
                 st.integers(1_000, 40_000))
TEXT = st.one_of(UNICODE, CONTROL, EDGE, HUGE)


def field(valid: str) -> st.SearchStrategy[str]:
    """Mostly fuzz, sometimes the valid value (so the later checks are reached too)."""
    return st.one_of(st.just(valid), TEXT)


def counts() -> tuple[int, int, int]:
    return Petition.objects.count(), Attachment.objects.count(), PetitionerIdentity.objects.count()


def assert_answered(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    FUZZ_CASES[where] += 1


@pytest.fixture
def as_user(world) -> Callable[[User], Client]:
    def build(user: User) -> Client:
        client = Client(raise_request_exception=True)  # a server error fails the test with its traceback
        client.force_login(user)
        return client

    return build


# --- the submit form ---------------------------------------------------------------------------


def submit_data(world, **fields) -> dict:
    base = {"mode": "named", "unit": str(world.mine.pk), "ptype": "request", "category": "wages",
            "accused_no": "", "title": "工资少发", "content": "十月份绩效工资少发了八百元，请求核实补发。",
            "address": "", "step": "preview"}
    return {**base, **fields}


def test_submit_form_summary_step_never_fails_and_writes_nothing(world, as_user):
    client = as_user(world.employee)
    url = reverse("petitions:submit")

    @FUZZ
    @given(mode=field("named"), unit=field(str(world.mine.pk)), ptype=field("accusation"), category=field(""),
           accused_no=field(world.handler.employee_no), title=field("工资少发"),
           content=field("十月份绩效工资少发了八百元，请求核实补发。"), address=field("大同市"),
           step=st.sampled_from(["preview", "edit", "confirm", "", "x"]))
    def check(**fields):
        before = counts()
        response = client.post(url, submit_data(world, **fields))
        assert_answered(response, "submit form (summary step)")
        assert counts() == before  # only the confirm step with a live draft writes
        if response.status_code == 200 and 'value="confirm"' in response.content.decode():
            assert "\x00" not in fields["title"] + fields["content"] + fields["address"]

    check()


def test_submit_form_confirm_step_stores_what_it_accepts_and_nothing_else(world, as_user):
    client = as_user(world.employee)
    url = reverse("petitions:submit")

    @FUZZ
    @given(title=field("宿舍暖气不热"), content=field("三号宿舍楼暖气一直不热，室温不到十度，请求维修。"),
           address=field("大同市"), mode=field("named"), unit=field(str(world.mine.pk)), category=field("housing_living"))
    def check(**fields):
        # A live draft from a valid summary step, then the confirmation with fuzzed fields.
        cache.clear()
        preview = client.post(url, submit_data(world, title="宿舍暖气不热", content="三号宿舍楼暖气一直不热，请求维修。"))
        token = re.search(r'name="draft_token" value="([^"]+)"', preview.content.decode()).group(1)
        before = counts()
        response = client.post(url, submit_data(world, **fields, step="confirm", draft_token=token))
        assert_answered(response, "submit form (confirm step)")
        if response.status_code == 302 and response["Location"] == reverse("petitions:submit_done"):
            assert counts()[0] == before[0] + 1
            stored = Petition.objects.order_by("-pk").first()
            assert stored.title == fields["title"].strip() and "\x00" not in stored.content
            accepted.append(stored.pk)
        else:
            assert response.status_code in (200, 400), response.status_code
            assert counts() == before

    accepted: list[int] = []
    check()
    assert accepted  # the valid values were drawn too: the storing path was reached


# --- the officer's registration form -----------------------------------------------------------------


def test_registration_form_never_fails_and_refusals_write_nothing(world, as_user):
    client = as_user(world.officer)
    url = reverse("petitions:register")
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    @FUZZ
    @given(channel=field("letter"), received_at=field(now), unit=field(str(world.mine.pk)), category=field("wages"),
           ptype=field("request"), title=field("来信反映工资问题"), content=field("来信反映十月工资少发，请求核实。"),
           anonymous=st.sampled_from(["", "on", "x\x00"]), name=field("王建国"), phone=field("13812345678"),
           id_number=field(""), address=field(""), employee_no=field(""), people_count=field("1"),
           representatives=field(""), accused_no=field(""))
    def check(**fields):
        before = counts()
        response = client.post(url, fields)
        assert_answered(response, "registration form")
        if response.status_code == 302:
            assert counts()[0] == before[0] + 1
            assert "\x00" not in Petition.objects.order_by("-pk").first().content
            accepted.append(1)
        else:
            assert counts() == before

    accepted: list[int] = []
    check()
    assert accepted


def test_registration_with_a_fuzzed_attachment_name(world, as_user):
    client = as_user(world.officer)
    url = reverse("petitions:register")
    base = {"channel": "letter", "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "unit": str(world.mine.pk), "category": "wages", "ptype": "request", "title": "来信反映工资问题",
            "content": "来信反映十月工资少发，请求核实。", "name": "王建国", "people_count": "1"}

    @FUZZ
    @given(name=st.one_of(UNICODE, CONTROL, EDGE).map(lambda s: s[:300] or "x"))
    def check(name):
        before = counts()
        response = client.post(url, {**base, "attachments": png(name)})
        assert_answered(response, "registration form (attachment name)")
        if response.status_code == 302:
            petition = Petition.objects.order_by("-pk").first()
            stored = [a.original_name for a in petition.attachments.all()]
            # Django's multipart parser keeps the last path component's printable characters;
            # a name with none left arrives as no file at all.
            kept = "".join(ch for ch in name.rsplit("/")[-1].rsplit("\\")[-1] if ch.isprintable())
            assert len(stored) == (0 if kept in ("", ".", "..") else 1), (name, stored)
            assert all("\x00" not in n and "/" not in n for n in stored)
        else:
            assert counts() == before

    check()


# --- the receipt code --------------------------------------------------------------------------------


@pytest.fixture
def receipt(world) -> tuple[Petition, str]:
    from petitions.identity import Identity
    from petitions.intake import PetitionDraft, petition_submit

    result = petition_submit(
        petitioner=world.employee,
        draft=PetitionDraft(title="匿名反映食堂问题", content="食堂饭菜价格上涨但分量减少，请求核查。", category="housing_living",
                            unit=world.mine, anonymous=True, identity=Identity()),
    )
    return result.petition, result.receipt_code


def test_find_by_receipt_answers_none_or_the_petition(receipt):
    petition, code = receipt
    spaced = " ".join(code[i:i + 4] for i in range(0, 16, 4))

    @FUZZ
    @given(st.one_of(TEXT, st.just(code), st.just(spaced), st.text("0123456789 -", min_size=16, max_size=24),
                     st.binary(max_size=64).map(lambda b: b.decode("latin-1"))))
    def check(raw):
        found = find_by_receipt(raw)
        FUZZ_CASES["find_by_receipt"] += 1
        digits = "".join(ch for ch in raw if ch.isdigit())
        assert found is None or (found.pk == petition.pk and digits == code)

    check()
    assert find_by_receipt(spaced) == petition
    assert find_by_receipt(None) is None


def test_track_form_never_fails(receipt):
    petition, code = receipt
    client = Client(raise_request_exception=True)
    url = reverse("petitions:track")

    @FUZZ
    @given(st.one_of(TEXT, st.just(code)))
    def check(raw):
        cache.clear()  # the try limit is tested elsewhere; here every try is answered on its merits
        response = client.post(url, {"code": raw})
        assert_answered(response, "receipt-code form")
        if response.status_code == 302:
            assert response["Location"] == reverse("petitions:track_detail")
            assert "".join(ch for ch in raw if ch.isdigit()) == code
        else:
            assert response.status_code == 400

    check()


# --- the login form --------------------------------------------------------------------------------


def test_login_form_never_fails_and_logs_in_only_with_the_password(world):
    client = Client(raise_request_exception=True)
    users = User.objects.count()

    @FUZZ
    @given(username=field(world.employee.employee_no), password=field("Tongxin@2026"), next=field("/xf/mine/"))
    def check(username, password, next):
        client.logout()
        response = client.post("/login/", {"username": username, "password": password, "next": next})
        assert_answered(response, "login form")
        logged_in = SESSION_KEY in client.session
        if logged_in:
            assert (username.strip(), password) == (world.employee.employee_no, "Tongxin@2026")
            assert response.status_code == 302
            assert url_has_allowed_host_and_scheme(response["Location"], allowed_hosts={"testserver"})  # never off-site
        else:
            assert response.status_code in (200, 400, 429)
        assert User.objects.count() == users

    check()


# --- raw, malformed and oversize bodies ------------------------------------------------------------


def test_binary_and_malformed_bodies_are_answered_with_4xx(world, as_user):
    employee, officer = as_user(world.employee), as_user(world.officer)
    targets = [(employee, reverse("petitions:submit")), (officer, reverse("petitions:register")),
               (Client(raise_request_exception=True), reverse("petitions:track")),
               (Client(raise_request_exception=True), "/login/")]
    content_types = st.sampled_from([
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=tx", "multipart/form-data",
        "multipart/form-data; boundary=", "application/json", "text/plain", "application/octet-stream",
    ])

    @FUZZ
    @given(target=st.sampled_from(range(len(targets))), body=st.binary(max_size=2000), content_type=content_types)
    def check(target, body, content_type):
        cache.clear()
        client, url = targets[target]
        before = counts()
        response = client.generic("POST", url, body, content_type=content_type)
        assert_answered(response, "raw bodies")
        assert counts() == before

    check()


@pytest.mark.parametrize("url_name", ["petitions:submit", "petitions:register", "petitions:track", "login"])
def test_oversize_and_overlong_requests_are_refused(world, as_user, url_name, settings):
    client = as_user(world.officer)
    url = reverse(url_name)
    before = counts()
    too_big = client.post(url, {"title": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    assert too_big.status_code == 400
    too_many = client.post(url, {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)})
    assert too_many.status_code == 400
    assert counts() == before
    FUZZ_CASES["oversize bodies"] += 2


# --- NUL: never to the database --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "persona", "field_name"),
    [("petitions:submit", "employee", "title"), ("petitions:submit", "employee", "content"),
     ("petitions:register", "officer", "name"), ("petitions:register", "officer", "content"),
     ("petitions:track", "employee", "code"), ("login", None, "username")],
)
def test_a_nul_character_is_refused_with_a_clear_message(world, as_user, url_name, persona, field_name):
    client = as_user(getattr(world, persona)) if persona else Client()
    before = counts()
    response = client.post(reverse(url_name), {field_name: "工资\x00少发", "step": "preview"})
    assert response.status_code == 400
    assert "空字符（NUL）" in response.content.decode()
    assert counts() == before
    FUZZ_CASES["NUL in forms"] += 1


def test_nul_in_a_path_or_query_is_refused_before_any_view(world, as_user):
    client = as_user(world.leader)
    for path in ("/orgs/person/H1\x00/", "/xf/inbox/?q=a%00", "/orgs/people/?q=%00"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "空字符（NUL）" in response.content.decode()
    api = client.get("/api/v1/petitions", {"q": "a\x00"})
    assert api.status_code == 422 and api.json()["code"] == "validation_error"


@pytest.mark.parametrize("form_class", [SubmitForm, RegisterForm, TrackForm, LoginForm])
def test_the_forms_themselves_refuse_nul(world, form_class):
    """Behind the middleware, the forms' text fields refuse NUL too (Django's CharField)."""
    kwargs = {"user": world.employee} if form_class is SubmitForm else {}
    if form_class is RegisterForm:
        kwargs = {"units": world.mine.__class__.objects.filter(pk=world.mine.pk)}
    form = form_class(**kwargs)
    text_fields = [name for name, f in form.fields.items() if f.__class__.__name__ == "CharField"]
    assert text_fields
    for name in text_fields:
        bound = form_class({name: "a\x00b"}, **kwargs)
        assert not bound.is_valid()
        assert "null_characters_not_allowed" in [e.code for e in bound.errors.as_data().get(name, [])], name
