"""Cross-site scripting: script payloads in every text a user can enter and that a page shows.

Stored: a petition whose title, content, notes, reply, review request and opinion, supervision
reason, material, rating comment, attachment name, handling unit's name, handler's name and
petitioner's address are payloads — rendered on the petitioner's page, the staff page, the
inbox, the work list, 我的信访, the people and unit pages and the API. Reflected: payloads in
search boxes, the login form, the receipt-code form, the submit form's summary step and
``?next=``. Every page must show the payload as text (escaped), never as markup; the JSON API
returns it as data, as ``application/json`` with ``nosniff``.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from orgs.choices import Role, UnitKind
from orgs.services import unit_create
from petitions.choices import Category, DeclineReason, Rating, ReplyOutcome, ReviewOutcome
from petitions.identity import Identity
from petitions.intake import PetitionDraft, petition_submit
from petitions.models import Attachment, Petition
from petitions.workflow import (
    petition_accept,
    petition_add_material,
    petition_assign,
    petition_decide_review,
    petition_decline,
    petition_rate,
    petition_reply,
    petition_request_review,
    petition_supervise,
)
from tests.petitions.conftest import A, person
from tests.security.conftest import png
from tests.security.test_headers import inline_code

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "'><svg onload=alert(1)>"
JS_URL = "javascript:alert(1)"
TEMPLATE = "{{ 7|add:42 }}{% now 'Y' %}"  # template syntax typed by a user stays text
PAYLOADS = (SCRIPT, IMG, SVG, JS_URL, TEMPLATE)
ALL = " ".join(PAYLOADS)

# How Django's autoescape writes them: < > & ' " become entities.
ESCAPED = {
    SCRIPT: "&lt;script&gt;alert(1)&lt;/script&gt;",
    IMG: "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
    SVG: "&#x27;&gt;&lt;svg onload=alert(1)&gt;",
}
# What must never reach a page as markup.
RAW = ("<script>alert(1)", "<img src=x onerror", "<svg onload", 'href="javascript:', "src=x onerror=alert(1)>")


def assert_inert(html: str, where: str, *expected: str) -> None:
    """No payload as markup; each expected payload present in its escaped form."""
    for raw in RAW:
        assert raw not in html, f"{where}: {raw!r} unescaped"
    assert inline_code(html) == [], where
    assert "49" + str(timezone.localdate().year) not in html, f"{where}: user text rendered as a template"
    for payload in expected:
        assert ESCAPED[payload] in html, f"{where}: {payload!r} not shown as text"


@pytest.fixture
def stored(world, settings):
    """One petition carrying payloads in every field, through the whole workflow."""
    unit = unit_create(code="TS-XSS", name=f"综采二队{IMG}", kind=UnitKind.TEAM, parent=world.mine)
    handler = person("H9", f"张{SVG}"[:50], unit, (Role.HANDLER, unit))
    now = timezone.now()
    p = petition_submit(
        petitioner=world.employee,
        draft=PetitionDraft(
            title=f"{SCRIPT}工资少发", content=f"十月绩效工资少发八百元。{ALL}", category=Category.WAGES,
            unit=world.mine, identity=Identity(address=f"大同市{IMG}"),
        ),
        uploads=[png(f"{IMG}.png")],
        now=now,
    ).petition
    p = petition_accept(petition=p, actor=A(world.officer), note=f"受理{SCRIPT}", now=now)
    p = petition_assign(petition=p, actor=A(world.officer), handling_unit=unit, handler=handler,
                        leader=world.leader, note=f"交办{IMG}")
    petition_supervise(petition=p, actor=A(world.company_officer), reason=f"督办{SVG}{JS_URL}")
    p.refresh_from_db()
    petition_add_material(petition=p, actor=A(world.employee), text=f"补充材料{ALL}")
    p.refresh_from_db()
    p = petition_reply(petition=p, actor=A(handler), outcome=ReplyOutcome.EXPLAIN, text=f"经核实：{ALL}")
    petition_request_review(petition=p, actor=A(world.employee), text=f"不服：{ALL}")
    p.refresh_from_db()
    petition_decide_review(petition=p, actor=A(world.company_officer), outcome=ReviewOutcome.UPHOLD,
                           opinion=f"维持：{ALL}")
    p.refresh_from_db()
    p = petition_rate(petition=p, actor=A(world.employee), rating=Rating.UNSATISFIED, comment=f"不满意{ALL}")

    declined = petition_submit(
        petitioner=world.employee,
        draft=PetitionDraft(title=f"{IMG}班车", content="通勤班车经常晚点，请求调整发车时间。", category=Category.HOUSING_LIVING,
                            unit=world.mine, identity=Identity()),
        now=now,
    ).petition
    declined = petition_decline(petition=declined, actor=A(world.officer), reason=DeclineReason.OUTSIDE_REMIT,
                                note=f"不予受理：{ALL}")
    return p, declined, handler


def test_stored_payloads_are_text_on_every_page(client, world, stored):
    p, declined, handler = stored
    pages = [
        (world.employee, reverse("petitions:detail_public", args=[p.public_id]), (SCRIPT, IMG, SVG)),
        (world.employee, reverse("petitions:detail_public", args=[declined.public_id]), (SCRIPT, IMG, SVG)),
        (world.employee, reverse("petitions:mine"), (SCRIPT, IMG)),
        (world.officer, reverse("petitions:detail", args=[p.public_id]), (SCRIPT, IMG, SVG)),
        (world.officer, reverse("petitions:detail", args=[declined.public_id]), (SCRIPT, IMG, SVG)),
        (world.officer, reverse("petitions:inbox") + "?state=closed", (SCRIPT,)),
        (world.company_officer, reverse("petitions:detail", args=[p.public_id]), (SCRIPT, IMG, SVG)),
        (handler, reverse("petitions:detail", args=[p.public_id]), (SCRIPT, IMG, SVG)),
        (world.leader, reverse("petitions:worklist"), ()),  # closed: not in the work list, still inert
        (world.leader, reverse("orgs:people") + "?q=H9", (SVG,)),
        (world.leader, reverse("orgs:person", args=[handler.employee_no]), (SVG, IMG)),
        (world.leader, reverse("orgs:units"), (IMG,)),
        (world.leader, "/", ()),
    ]
    for user, path, expected in pages:
        client.force_login(user)
        response = client.get(path)
        assert response.status_code == 200, path
        assert_inert(response.content.decode(), f"{user.employee_no} {path}", *expected)

    # The staff page shows each text field: content, notes, reply, review, material, supervision.
    client.force_login(world.officer)
    html = client.get(reverse("petitions:detail", args=[p.public_id])).content.decode()
    for shown in ("十月绩效工资少发八百元", "受理&lt;script&gt;", "交办&quot;&gt;&lt;img", "经核实：",
                  "不服：", "维持：", "补充材料", "督办&#x27;&gt;&lt;svg", f"{JS_URL}", "不满意"):
        assert shown in html, shown


def test_an_attachment_named_with_markup_downloads_under_a_safe_header(client, world, stored):
    p, _declined, _handler = stored
    attachment = Attachment.objects.get(petition=p)
    assert attachment.original_name == f"{IMG}.png"
    client.force_login(world.officer)
    response = client.get(reverse("petitions:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    # Always a download (never shown inline by the browser), the name quoted with its quote escaped.
    assert response["Content-Disposition"] == 'attachment; filename="\\"><img src=x onerror=alert(1)>.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"


def test_the_api_returns_payloads_as_json_data(client, world, stored, api_key):
    p, declined, _handler = stored
    headers = {"Authorization": f"Bearer {api_key(world.officer)}"}
    for path in (f"/api/v1/petitions/{p.public_id}", f"/api/v1/petitions/{p.public_id}/timeline",
                 f"/api/v1/petitions/{declined.public_id}", "/api/v1/petitions?state=closed",
                 "/api/v1/petitions?q=" + SCRIPT):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert response["Content-Type"].split(";")[0] == "application/json", path
        assert response["X-Content-Type-Options"] == "nosniff", path
    detail = client.get(f"/api/v1/petitions/{p.public_id}", headers=headers).json()
    assert detail["title"] == f"{SCRIPT}工资少发"  # the data as typed, not HTML-escaped twice
    assert detail["reply_text"] == f"经核实：{ALL}"
    assert detail["reviews"][0]["opinion"] == f"维持：{ALL}"
    assert detail["handling_unit"]["name"] == f"综采二队{IMG}"
    timeline = client.get(f"/api/v1/petitions/{p.public_id}/timeline", headers=headers).json()
    assert f"补充材料{ALL}" in [e["note"] for e in timeline["events"]]
    listing = client.get("/api/v1/petitions?q=" + SCRIPT, headers=headers).json()
    assert [item["number"] for item in listing["items"]] == [p.number]


@pytest.fixture
def api_key(db):
    from petitions.api.tokens import api_token_create

    return lambda user: api_token_create(user=user, name="xss").key


# --- reflected: what a request carries comes back in the page ------------------------------------


def test_search_boxes_echo_payloads_as_text(client, world):
    client.force_login(world.leader)
    for payload in (SCRIPT, IMG, SVG):
        for path in (reverse("petitions:inbox"), reverse("orgs:people")):
            response = client.get(path, {"q": payload})
            assert response.status_code == 200
            assert_inert(response.content.decode(), f"{path}?q={payload}", payload)


def test_next_and_other_query_strings_are_escaped(client, world):
    for payload in (SCRIPT, IMG, SVG):
        response = client.get("/login/", {"next": payload, "x": payload})
        assert response.status_code == 200
        assert_inert(response.content.decode(), f"/login/?next={payload}", payload)
    client.force_login(world.officer)
    response = client.get(reverse("petitions:inbox"), {"unit": IMG, "state": SCRIPT, "page": SVG})
    assert response.status_code == 200
    assert_inert(response.content.decode(), "inbox with bad filters")  # invalid choices are not echoed


def test_login_and_receipt_forms_echo_payloads_as_text(client, db):
    response = client.post("/login/", {"username": IMG, "password": SCRIPT})
    assert response.status_code == 200
    assert_inert(response.content.decode(), "login", IMG)
    assert SCRIPT not in response.content.decode() and ESCAPED[SCRIPT] not in response.content.decode()  # no password echo
    response = client.post(reverse("petitions:track"), {"code": IMG})
    assert response.status_code == 400
    assert_inert(response.content.decode(), "track", IMG)


def test_the_submit_forms_summary_and_errors_show_payloads_as_text(client, world):
    client.force_login(world.employee)
    data = {"mode": "named", "unit": world.mine.pk, "ptype": "request", "category": "", "accused_no": "",
            "title": f"{SCRIPT}标题", "content": f"诉求内容：{ALL}", "address": IMG, "step": "preview"}
    preview = client.post(reverse("petitions:submit"), data)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert_inert(html, "summary step", SCRIPT, IMG, SVG)
    assert f'value="{ESCAPED[SCRIPT]}标题"' in html  # the hidden field carries it back escaped
    # The same text with an error (no unit): the form comes back with the text in its fields.
    refused = client.post(reverse("petitions:submit"), {**data, "unit": "", "accused_no": SVG})
    assert refused.status_code == 400
    assert_inert(refused.content.decode(), "submit form with errors", SCRIPT, IMG, SVG)
    assert Petition.objects.count() == 0
