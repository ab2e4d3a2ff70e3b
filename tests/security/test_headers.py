"""Security headers on every kind of response, templates without inline script or style (so the
Content-Security-Policy holds), and CSRF on every form.

``manage.py check --deploy`` on the production settings is tested in tests/core
(test_production_settings_pass_check_deploy_without_warnings); here HSTS and the HTTPS redirect
are checked on a real request through the production middleware stack, in a subprocess.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from orgs.models import RoleAssignment
from petitions.models import Petition
from tests.core.test_health_and_settings import production_env, run_python
from tests.security.conftest import guessed_uuid, project_routes

ROOT = Path(settings.BASE_DIR)

CSP = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
    "base-uri": {"'self'"},
    "object-src": {"'none'"},
}


def parse_csp(header: str) -> dict[str, set[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = set(words[1:])
    return out


def assert_security_headers(response) -> None:
    where = f"{response.request['PATH_INFO']} ({response.status_code})"
    policy = parse_csp(response["Content-Security-Policy"])
    if response.get("Content-Disposition", "").startswith("attachment"):
        # A download carries a policy of its own: sandboxed, no script runs even if opened inline.
        assert "sandbox" in policy and not policy["sandbox"], where
    else:
        assert policy == CSP, where
    assert response["X-Frame-Options"] == "DENY", where
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", where
    permissions = {p.strip() for p in response["Permissions-Policy"].split(",")}
    assert {"camera=()", "microphone=()", "geolocation=()"} <= permissions, where


# --- the headers, on pages, JSON, files, errors and redirects ------------------------------------


def test_anonymous_responses_carry_every_header(client, db):
    for path, status in [
        ("/login/", 200),
        (reverse("petitions:track"), 200),
        ("/", 302),  # to the login page
        ("/healthz", 200),
        ("/api/v1/openapi.json", 200),
        ("/api/v1/docs", 200),
        ("/api/v1/petitions", 401),
        ("/no-such-page/", 404),
        ("/admin/", 302),  # to the login page
    ]:
        response = client.get(path)
        assert response.status_code == status, path
        assert_security_headers(response)


def test_pages_files_and_refusals_of_a_logged_in_user_carry_every_header(client, world, cases):
    ordinary = cases["ordinary"]
    client.force_login(world.officer)
    paths = [
        ("/", 200),
        (reverse("petitions:submit"), 200),
        (reverse("petitions:inbox"), 200),
        (reverse("petitions:detail", args=[ordinary.petition.public_id]), 200),
        (reverse("petitions:notice_download", args=[ordinary.notices[0]]), 200),  # a .docx
        (reverse("petitions:attachment_download", args=[ordinary.attachments[0]]), 200),  # a file
        (reverse("petitions:detail", args=[guessed_uuid()]), 404),
        (reverse("orgs:units"), 200),
        ("/api/v1/petitions", 200),
    ]
    for path, status in paths:
        response = client.get(path)
        assert response.status_code == status, path
        assert_security_headers(response)
    client.force_login(world.outsider)
    refused = client.get(reverse("petitions:inbox"))
    assert refused.status_code == 403
    assert_security_headers(refused)


def test_script_src_never_allows_inline_code_or_eval():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    for name in ("default-src", "script-src", "style-src"):
        assert not {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*"} & set(directives[name]), name
    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE
    assert "csp" in settings.INSTALLED_APPS


def test_production_sends_hsts_and_redirects_plain_http(tmp_path):
    code = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="tongxin.example.cn")
secure = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
plain = client.get("/healthz")
print(json.dumps({"status": secure.status_code, "headers": dict(secure.headers),
                  "plain": plain.status_code, "location": plain.get("Location", "")}))
"""
    result = run_python(["-c", code], production_env(tmp_path) | {"DJANGO_SETTINGS_MODULE": "tongxin.settings"})
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    headers = answer["headers"]
    assert answer["status"] == 200
    hsts = {part.strip() for part in headers["Strict-Transport-Security"].split(";")}
    assert hsts == {"max-age=31536000", "includeSubDomains", "preload"}
    assert parse_csp(headers["Content-Security-Policy"]) == CSP
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert (answer["plain"], answer["location"]) == (301, "https://tongxin.example.cn/healthz")


def test_development_does_not_send_hsts(client, db):
    # HSTS on a developer's http://127.0.0.1 would pin the browser to https for a year.
    assert "Strict-Transport-Security" not in client.get("/healthz", secure=True).headers


# --- no inline script or style: in the templates and in what the pages render ---------------------


def project_templates() -> list[Path]:
    dirs = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    dirs += [p for p in ROOT.glob("*/templates") if p.is_dir()]
    files = sorted({f for d in dirs for f in d.rglob("*.html")})
    assert len(files) > 30
    return files


class InlineCode(HTMLParser):
    """Collects what the CSP would block: inline <script> and <style> elements, on*= handlers,
    style="" attributes and javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False
        self._script: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f'<{tag} style="{value}">')
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self._in_script, self._script = True, []

    def handle_data(self, data):
        if self._in_script:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script:
            self._in_script = False
            self.problems.append("inline <script>: " + "".join(self._script).strip()[:60])


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.problems


def test_the_detector_finds_what_the_policy_blocks():
    html = ('<p style="color:red" onclick="x()"><a href="javascript:alert(1)">x</a></p><style>p{}</style>'
            '<script>alert(1)</script><script src="/static/a.js"></script>'
            '<script type="application/json">{}</script>')
    assert len(inline_code(html)) == 5


def test_templates_have_no_inline_script_or_style():
    problems = {}
    for path in project_templates():
        # Template tags are not HTML: drop them (a {% if %} inside an attribute list would confuse the parser).
        text = re.sub(r"{%.*?%}|{#.*?#}", "", path.read_text(), flags=re.S)
        found = inline_code(text)
        if found:
            problems[str(path.relative_to(ROOT))] = found
    assert problems == {}


def test_static_files_named_by_templates_exist():
    for path in project_templates():
        for name in re.findall(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""", path.read_text()):
            assert finders.find(name), f"{path.relative_to(ROOT)}: {name}"


def test_htmx_does_not_inject_its_indicator_style():
    base = (ROOT / "templates" / "base.html").read_text()
    meta = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", base)
    assert meta is not None
    assert json.loads(meta.group(1))["includeIndicatorStyles"] is False
    css = (ROOT / "static" / "css" / "tongxin.css").read_text()
    assert ".htmx-request .htmx-indicator" in css  # the rules htmx would have injected


def test_rendered_pages_have_no_inline_script_or_style(client, world, cases, tmp_path):
    """Widgets and ninja's Swagger page add markup outside the templates: check what is served."""
    ordinary, anonymous = cases["ordinary"], cases["anonymous"]
    pages = {
        None: ["/login/", reverse("petitions:track"), "/api/v1/docs"],
        world.employee: ["/", reverse("petitions:submit"), reverse("petitions:mine"),
                         reverse("petitions:detail_public", args=[ordinary.petition.public_id])],
        world.officer: [reverse("petitions:inbox"), reverse("petitions:register"),
                        reverse("petitions:detail", args=[ordinary.petition.public_id]),
                        reverse("petitions:detail", args=[anonymous.petition.public_id]),
                        reverse("orgs:units")],
        world.handler: [reverse("petitions:worklist")],
        world.inspector: [reverse("petitions:accountability")],
        world.leader: [reverse("orgs:people"), reverse("orgs:person", args=[world.handler.employee_no]),
                       reverse("orgs:person_create"), reverse("petitions:accountability")],
    }
    checked = 0
    for user, paths in pages.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            assert inline_code(response.content.decode()) == [], path
            checked += 1
    # The summary step and the confirmation of the submit form.
    client.force_login(world.employee)
    data = {"mode": "named", "unit": world.mine.pk, "ptype": "request", "category": "wages",
            "title": "澡堂热水供应不足", "content": "二号井澡堂下班高峰时热水不够用，已经持续一个月，请求增加锅炉供热。",
            "step": "preview"}
    preview = client.post(reverse("petitions:submit"), data)
    assert preview.status_code == 200 and 'name="step" value="confirm"' in preview.content.decode()
    assert inline_code(preview.content.decode()) == []
    token = re.search(r'name="draft_token" value="([^"]+)"', preview.content.decode()).group(1)
    done = client.post(reverse("petitions:submit"), {**data, "step": "confirm", "draft_token": token}, follow=True)
    assert done.status_code == 200 and "澡堂热水供应不足" in Petition.objects.values_list("title", flat=True)
    assert inline_code(done.content.decode()) == []
    assert checked == 18


# --- CSRF ---------------------------------------------------------------------------------------


def test_every_post_form_in_the_templates_has_a_csrf_token():
    forms = 0
    missing = []
    for path in project_templates():
        text = path.read_text()
        for match in re.finditer(r"<form\b[^>]*>", text, flags=re.I):
            if not re.search(r"""method\s*=\s*["']?post""", match.group(0), flags=re.I):
                continue
            forms += 1
            end = text.find("</form>", match.end())
            body = text[match.end(): end if end != -1 else len(text)]
            if not re.search(r"{%\s*csrf_token\s*%}", body):
                missing.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}")
    assert forms >= 15
    assert missing == []


def test_a_post_without_the_csrf_token_is_refused_on_every_url(world, cases):
    """Logged in (so a forged form would act as the victim), every URL of the project refuses a
    POST without the token — the web pages with Django's 403, the API's session callers with its
    JSON 403 (or 405 where the path takes no POST); nothing is written."""
    ordinary = cases["ordinary"].petition
    client = Client(enforce_csrf_checks=True)
    values = {
        "public_id": str(ordinary.public_id), "action": "accept", "pk": str(cases["ordinary"].supervisions[0]),
        "employee_no": world.handler.employee_no, "assignment_id": "1", "name": "swagger-ui.css",
        "object_id": "1", "content_type_id": "1", "url": "x/", "app_label": "auth",
    }
    # Public endpoints that use no session: the anonymous tracking by receipt code (auth=None,
    # rate-limited). Nothing a forged request could do there that the attacker could not do directly.
    sessionless = {"api-v1:petitions_track_anonymous"}
    before = (Petition.objects.count(), RoleAssignment.objects.count(), ordinary.version)
    checked = 0
    for route in project_routes():
        if route.name in sessionless:
            continue
        values_for_route = {name: values.get(name, guessed_uuid() if conv == "uuid" else "1")
                            for conv, name in route.params}
        path = route.fill(values_for_route)
        client.force_login(world.group_officer)
        response = client.post(path, {"note": "伪造", "text": "伪造的请求内容"})
        checked += 1
        if path.startswith("/api/") and response["Content-Type"] == "application/json":
            assert response.status_code in (403, 405), (path, response.status_code)
            if response.status_code == 403:
                assert response.json()["code"] == "csrf_failed", path
        else:
            assert response.status_code == 403, (path, response.status_code)
            assert b"CSRF" in response.content, path
    ordinary.refresh_from_db()
    assert (Petition.objects.count(), RoleAssignment.objects.count(), ordinary.version) == before
    assert checked >= 50


def test_the_same_posts_with_the_token_go_through(world, db):
    """The refusal above is the token's doing: with it, login and the submit form work."""
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")
    token = client.cookies["csrftoken"].value
    refused = client.post("/login/", {"username": world.employee.employee_no, "password": "Tongxin@2026"})
    assert refused.status_code == 403
    response = client.post("/login/", {"username": world.employee.employee_no, "password": "Tongxin@2026",
                                       "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/"
    client.get(reverse("petitions:submit"))
    token = client.cookies["csrftoken"].value  # rotated at login
    data = {"mode": "named", "unit": world.mine.pk, "ptype": "request", "category": "wages",
            "title": "食堂晚班不供应热饭", "content": "夜班下井前食堂已经关门，只能吃冷饭，请求延长食堂供应时间。",
            "step": "preview"}
    assert client.post(reverse("petitions:submit"), data).status_code == 403
    preview = client.post(reverse("petitions:submit"), {**data, "csrfmiddlewaretoken": token})
    assert preview.status_code == 200
    assert 'value="confirm"' in preview.content.decode()
