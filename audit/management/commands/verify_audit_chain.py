"""Former name of ``verify_audit`` (kept for scripts and docs that call it)."""

from audit.management.commands.verify_audit import Command as VerifyAudit


class Command(VerifyAudit):
    help = "同 verify_audit（旧名称）；成功时只输出一行"
    show_summary = False
