"""Who is told what, when: notifications leave only after the transaction commits, reach named
petitioners by SMS and in the app, staff by e-mail and in the app, and anonymous petitioners
never (they follow their matter with the receipt code)."""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
from dataclasses import dataclass, field

import pytest
from django.db import transaction

from core.errors import NotAllowed
from petitions.choices import Channel, State
from petitions.identity import Identity
from petitions.intake import PetitionDraft, petition_register
from petitions.models import Notification, Petition
from petitions.sms import LocmemSmsBackend
from petitions.workflow import petition_accept, petition_assign
from tests.petitions.conftest import A, at, submit

PHONE = "13912345678"


@pytest.fixture(autouse=True)
def sms_outbox():
    LocmemSmsBackend.outbox.clear()
    yield LocmemSmsBackend.outbox
    LocmemSmsBackend.outbox.clear()


def with_phone(user, phone=PHONE):
    user.phone = phone
    user.save(update_fields=["phone"])
    return user


def texts(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("text", flat=True))


# --- on commit, never on rollback -----------------------------------------------------------------


def test_nothing_is_sent_before_the_transaction_commits(world, sms_outbox, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    with_phone(world.employee)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        p = submit(world, now=at(2025, 9, 15)).petition
        petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 16))
    assert queued  # waiting for the commit …
    assert not Notification.objects.exists() and sms_outbox == [] and mailoutbox == []  # … and not sent yet
    for callback in queued:  # the commit
        callback()
    assert [t for t in texts(world.employee) if "已受理" in t]
    assert any("已受理" in text for _phone, text in sms_outbox)


def test_a_refused_action_sends_nothing(world, sms_outbox, django_capture_on_commit_callbacks):
    with_phone(world.employee)
    p = submit(world, now=at(2025, 9, 15)).petition
    with django_capture_on_commit_callbacks(execute=True) as queued, pytest.raises(NotAllowed):
        petition_accept(petition=p, actor=A(world.other_officer), now=at(2025, 9, 16))
    assert queued == []
    assert not Notification.objects.exists() and sms_outbox == []


def test_a_rolled_back_transition_sends_nothing(world, sms_outbox, mailoutbox,
                                                django_capture_on_commit_callbacks):
    with_phone(world.employee)
    world.handler.email = "zhao@tongxin.example"
    world.handler.save()
    p = submit(world, now=at(2025, 9, 15)).petition
    with (
        django_capture_on_commit_callbacks(execute=True) as queued,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        p = petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 16))
        petition_assign(petition=p, actor=A(world.officer), handling_unit=world.team, handler=world.handler,
                        leader=world.leader, now=at(2025, 9, 16))
        raise RuntimeError("the database went away before the commit")
    assert queued == []
    assert not Notification.objects.exists() and sms_outbox == [] and mailoutbox == []
    assert Petition.objects.get(pk=p.pk).state == State.REGISTERED


@pytest.mark.django_db(transaction=True)
def test_a_real_commit_sends_and_a_real_rollback_does_not(world, sms_outbox):
    """Without the test's wrapping transaction: the platform's own commits fire the callbacks."""
    with_phone(world.employee)
    p = submit(world, now=at(2025, 9, 15)).petition
    assert any("已登记" in text for _phone, text in sms_outbox)
    sms_outbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 16))
        raise RuntimeError("rolled back")
    assert sms_outbox == [] and not [t for t in texts(world.employee) if "已受理" in t]
    petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 16))
    assert sms_outbox == [(PHONE, f"【同心】您的信访事项{p.number}已受理，办理期限至2025-11-17。")]
    assert [t for t in texts(world.employee) if "已受理" in t] == [f"您的信访事项{p.number}已受理，办理期限至2025-11-17。"]


# --- who gets what -----------------------------------------------------------------------------


def test_a_named_petitioner_with_a_phone_gets_an_sms_and_an_in_app_notification(
    world, sms_outbox, mailoutbox, django_capture_on_commit_callbacks
):
    with_phone(world.employee)
    with django_capture_on_commit_callbacks(execute=True):
        p = submit(world, now=at(2025, 9, 15)).petition
    with django_capture_on_commit_callbacks(execute=True):
        petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 20))
    accepted = f"您的信访事项{p.number}已受理，办理期限至2025-11-19。"
    assert (PHONE, f"【同心】{accepted}") in sms_outbox
    assert accepted in texts(world.employee)
    assert Notification.objects.get(user=world.employee, text=accepted).petition_id == p.pk
    assert mailoutbox == []  # the petitioner has no e-mail address


def test_a_petitioner_with_an_email_also_gets_mail(world, mailoutbox, django_capture_on_commit_callbacks):
    world.employee.email = "wang@example.com"
    world.employee.save()
    with django_capture_on_commit_callbacks(execute=True):
        p = submit(world, now=at(2025, 9, 15)).petition
    assert [m.to for m in mailoutbox] == [["wang@example.com"]]
    assert p.number in mailoutbox[0].body


def test_a_letter_without_an_account_is_answered_by_sms_only(world, sms_outbox, django_capture_on_commit_callbacks):
    draft = PetitionDraft(
        title="采空区房屋裂缝", content="我家房屋位于塔山矿采空区上方，墙体出现多处裂缝，请求鉴定并给予补偿。",
        category="land_subsidence", unit=world.mine, channel=Channel.LETTER,
        identity=Identity(name="张桂兰", phone="13700001111", address="大同市云冈区某村"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        p = petition_register(officer=world.officer, draft=draft, now=at(2025, 9, 15)).petition
    assert p.petitioner is None
    assert [phone for phone, _text in sms_outbox] == ["13700001111"]
    assert p.number in sms_outbox[0][1]
    # In the app only the petition officers hear of it; the letter writer has no account.
    assert not Notification.objects.filter(petition=p).exclude(text__startswith="新信访事项").exists()


def test_an_anonymous_petitioner_is_sent_nothing_anywhere(world, sms_outbox, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    # Even an account with a phone and an e-mail: an anonymous submission is tied to neither.
    with_phone(world.employee)
    world.employee.email = "wang@example.com"
    world.employee.save()
    with django_capture_on_commit_callbacks(execute=True):
        result = submit(world, now=at(2025, 9, 15), anonymous=True)
    p = result.petition
    assert p.petitioner is None and result.receipt_code
    with django_capture_on_commit_callbacks(execute=True):
        petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 16))
    assert sms_outbox == []
    assert mailoutbox == []
    assert texts(world.employee) == []
    # Only staff were told, in the app.
    staff = {world.officer.pk, world.company_officer.pk, world.group_officer.pk}
    assert set(Notification.objects.values_list("user", flat=True)) == staff


def test_staff_get_in_app_notifications_and_mail_and_sms_if_they_have_them(
    world, sms_outbox, mailoutbox, django_capture_on_commit_callbacks
):
    world.handler.email = "zhao@tongxin.example"
    world.handler.save()
    with_phone(world.handler, "13600002222")
    p = submit(world, now=at(2025, 9, 15)).petition
    p = petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 20))
    with django_capture_on_commit_callbacks(execute=True):
        petition_assign(petition=p, actor=A(world.officer), handling_unit=world.team, handler=world.handler,
                        leader=world.leader, now=at(2025, 9, 21))
    assigned = f"信访事项{p.number}已交您承办，办理期限至2025-11-19。"
    assert texts(world.handler) == [assigned]
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["zhao@tongxin.example"] and mail.subject == "【同心】信访事项通知"
    assert mail.body == assigned
    assert sms_outbox == [("13600002222", f"【同心】{assigned}")]
    # The leader has neither e-mail nor phone: in the app only.
    assert texts(world.leader) == [f"信访事项{p.number}由您担任责任领导（承办人：赵志强）。"]


def test_new_petitions_are_announced_to_the_petition_officers_of_the_unit_and_above(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        p = submit(world, now=at(2025, 9, 15)).petition
    told = set(Notification.objects.filter(text__startswith="新信访事项").values_list("user", flat=True))
    assert told == {world.officer.pk, world.company_officer.pk, world.group_officer.pk}
    assert world.other_officer.pk not in told
    assert all(p.number in t for t in texts(world.officer))


# --- the real SMTP path -----------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[Received] = field(default_factory=list)


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 localhost tongxin-test ESMTP")
        mail_from, rcpt_to = "", []
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = command[:4].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "MAIL":
                mail_from, rcpt_to = command.split(":", 1)[1].split()[0].strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpt_to.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    chunks.append(chunk[1:] if chunk.startswith(b"..") else chunk)  # undo dot-stuffing
                self.server.box.messages.append(Received(mail_from, rcpt_to, b"".join(chunks)))
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    server.box = SmtpServer(*server.server_address)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.box
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_mail_goes_out_through_a_real_smtp_server(world, settings, smtp_server, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "tongxin@tongxin.example"
    world.handler.email = "zhao@tongxin.example"
    world.handler.save()
    p = petition_accept(petition=submit(world, now=at(2025, 9, 15)).petition, actor=A(world.officer),
                        now=at(2025, 9, 20))
    with django_capture_on_commit_callbacks(execute=True):
        petition_assign(petition=p, actor=A(world.officer), handling_unit=world.team, handler=world.handler,
                        leader=world.leader, now=at(2025, 9, 21))

    [received] = smtp_server.messages
    assert received.mail_from == "tongxin@tongxin.example"
    assert received.rcpt_to == ["zhao@tongxin.example"]
    message = email.message_from_bytes(received.data, policy=email.policy.default)
    assert message["Subject"] == "【同心】信访事项通知"
    assert message["To"] == "zhao@tongxin.example"
    assert message.get_content().strip() == f"信访事项{p.number}已交您承办，办理期限至2025-11-19。"
