"""After a load or fault test: is everything that was acknowledged stored once and whole?

    manage.py ops_check [--acks FILE] [--wait 120]

Prints each check and exits non-zero when one fails. ``--acks`` is the client's log of
acknowledged submissions, one ``marker<TAB>number`` per line (the marker is in the title).
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter

from django.core.management.base import BaseCommand
from django.db.models import Count

from audit.verify import verify_audit_chain, verify_petition_chains
from ops.models import OutboxMessage, TaskRun
from petitions.models import (
    Notification,
    NumberSequence,
    Petition,
    PetitionerIdentity,
    PetitionEvent,
    ReminderSent,
    SupervisionOrder,
)

MARKER = re.compile(r"\[(LT-[0-9a-f]{8,32})\]")


class Command(BaseCommand):
    help = "Check integrity after a load or fault test (ops)."

    def add_arguments(self, parser):
        parser.add_argument("--acks", action="append", default=[], help="may be given more than once")
        parser.add_argument("--wait", type=int, default=120, help="seconds to wait for the outbox to drain")
        parser.add_argument("--swept", action="store_true", help="a sweep ran after the deadlines passed")

    def handle(self, *args, acks, wait, swept, **options):
        self.failed = 0
        deadline = time.monotonic() + wait
        last = None
        while (left := OutboxMessage.objects.filter(done_at__isnull=True).count()) and time.monotonic() < deadline:
            if left != last:
                self.stdout.write(f"   waiting: {left} outbox message(s) not delivered yet")
                last = left
            time.sleep(2)
        pending = OutboxMessage.objects.filter(done_at__isnull=True).count()
        self.verdict("outbox drained: every promised notification delivered", pending == 0, f"{pending} pending")

        # Numbering: per year 1..last with no gap, so a missing number would be a lost petition.
        for seq in NumberSequence.objects.order_by("year"):
            numbers = sorted(int(n.rsplit("-", 1)[1]) for n in
                             Petition.objects.filter(number__startswith=f"XF-{seq.year}-").values_list("number", flat=True))
            gaps = sorted(set(range(1, seq.last + 1)) - set(numbers))
            dupes = [n for n, c in Counter(numbers).items() if c > 1]
            self.verdict(f"numbering {seq.year}: 1..{seq.last} each used once, no gap",
                       not gaps and not dupes and len(numbers) == seq.last,
                       f"{len(numbers)} petitions, gaps {gaps[:10]}, duplicates {dupes[:10]}")

        provisional = Petition.objects.filter(number__startswith="XF-TMP-").count()
        self.verdict("no petition committed with a provisional number", provisional == 0, f"{provisional} provisional")

        # Whole petitions: the registration event and, for named ones, the sealed identity.
        no_event = Petition.objects.exclude(pk__in=PetitionEvent.objects.filter(kind="registered").values("petition_id"))
        self.verdict("every petition has its registration event", not no_event.exists(), f"{no_event.count()} without")
        twice = (PetitionEvent.objects.filter(kind="registered").values("petition_id").annotate(n=Count("id"))
                 .filter(n__gt=1))
        self.verdict("no petition registered twice", not twice.exists(), f"{twice.count()} twice")
        named = Petition.objects.filter(is_anonymous=False).exclude(
            pk__in=PetitionerIdentity.objects.values("petition_id"))
        self.verdict("every named petition has its identity", not named.exists(), f"{named.count()} without")
        chains = verify_petition_chains()
        self.verdict("petition event chains intact", not chains.problems,
                   f"{chains.chains} chains, {chains.rows} events; {chains.problems[:3]}")
        problem = verify_audit_chain()
        self.verdict("audit chain intact", problem is None, problem or "")

        # Acknowledged submissions: each stored, once, with the number the client was given.
        if acks:
            acked = {}
            for path in acks:
                with open(path, encoding="utf-8") as fh:
                    for line in fh:
                        marker, _, number = line.strip().partition("\t")
                        if marker:
                            acked[marker] = number
            stored: dict[str, list[str]] = {}
            for title, number in Petition.objects.filter(title__contains="[LT-").values_list("title", "number"):
                m = MARKER.search(title)
                if m:
                    stored.setdefault(m.group(1), []).append(number)
            lost = [m for m in acked if m not in stored]
            wrong = [m for m, n in acked.items() if m in stored and stored[m] != [n]]
            dup = [m for m, ns in stored.items() if len(ns) > 1]
            self.verdict(f"{len(acked)} acknowledged submissions all stored with their number",
                       not lost and not wrong, f"lost {lost[:5]}, wrong number {wrong[:5]}")
            self.verdict("no submission stored twice", not dup, f"{dup[:5]}")
            self.stdout.write(f"   ({len(stored) - len(acked)} stored without acknowledgement: the client "
                              "lost the answer to a fault, the petition itself is whole)")

        # Notifications, reminders, escalations: none lost, none twice.
        dup_notes = (Notification.objects.values("user_id", "petition_id", "text").annotate(n=Count("id"))
                     .filter(n__gt=1))
        self.verdict("no notification delivered twice", not dup_notes.exists(), f"{dup_notes.count()} duplicated")
        unregistered = Petition.objects.filter(is_anonymous=False).exclude(
            pk__in=Notification.objects.filter(text__contains="已登记").values("petition_id"))
        self.verdict("every named petitioner notified of the registration", not unregistered.exists(),
                   f"{unregistered.count()} not notified")
        reminded = PetitionEvent.objects.filter(kind="reminded").count()
        self.verdict("each reminder once, each with its event", reminded == ReminderSent.objects.count(),
                   f"{ReminderSent.objects.count()} reminders, {reminded} events")
        orders = SupervisionOrder.objects.filter(trigger_key__endswith=":overdue")
        per_petition = orders.values("petition_id").annotate(n=Count("id")).filter(n__gt=1)
        self.verdict("each overdue period escalated once", not per_petition.exists(),
                   f"{orders.count()} escalations, {per_petition.count()} petitions twice")
        if swept:
            from django.utils import timezone

            missed = Petition.objects.filter(state="registered", due_kind="acceptance", due_at__lte=timezone.now()).exclude(
                pk__in=SupervisionOrder.objects.values("petition_id"))
            self.verdict("every overdue acceptance escalated", not missed.exists(), f"{missed.count()} not escalated")
        failed = TaskRun.objects.filter(status=TaskRun.Status.FAILED).count()
        self.stdout.write(f"   task runs: {TaskRun.objects.count()} recorded, {failed} failed for good")
        if self.failed:
            self.stdout.write(self.style.ERROR(f"{self.failed} check(s) failed"))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("all checks passed"))

    def verdict(self, what: str, ok: bool, detail: str = "") -> None:
        mark = "ok  " if ok else "FAIL"
        self.stdout.write(f"{mark} {what}" + ("" if ok else f" — {detail}") + (f" ({detail})" if ok and detail else ""))
        if not ok:
            self.failed += 1
