"""Walk the audit chain and every petition's event chain; name the first broken link."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.heads import check_against_heads, heads_path, read_last_heads
from audit.models import AuditEvent
from audit.retention import checkpoints_problems
from audit.verify import verify_audit_chain, verify_petition_chains


def run_checks(heads: str | None) -> tuple[list[str], list[str]]:
    """(problems, summary lines). ``heads``: None (not checked), "" (the default file) or a path."""
    problems: list[str] = []
    summary: list[str] = []
    audit_problem = verify_audit_chain()
    if audit_problem:
        problems.append(audit_problem)
    checkpoint_problems, notes = checkpoints_problems()
    problems.extend(checkpoint_problems)
    report = verify_petition_chains()
    problems.extend(report.problems)
    summary.append(
        f"审计记录 {AuditEvent.objects.count()} 条；信访事项 {report.chains} 件，事件 {report.rows} 条"
    )
    summary.extend(notes)
    if heads is not None:
        path = heads_path(heads or None)
        last = read_last_heads(path) if path.exists() else None
        if last is None:
            problems.append(f"导出的链头文件 {path} 不存在或为空")
        else:
            check = check_against_heads(last)
            problems.extend(check.problems)
            if not check.problems:
                summary.append(f"与 {Path(path).name} 中 {check.exported_at} 导出的链头一致")
    return problems, summary


class Command(BaseCommand):
    help = (
        "校验审计记录哈希链和每件信访事项的事件链，指出第一处断裂；--heads 再与库外导出的链头比对"
        "（Verify the audit chain and every petition's event chain）"
    )
    success_message = "审计链完整"
    show_summary = True

    def add_arguments(self, parser):
        parser.add_argument(
            "--heads", nargs="?", const="", default=None, metavar="PATH",
            help="与导出的链头比对（默认 AUDIT_HEAD_EXPORT_DIR/heads.jsonl）",
        )

    def handle(self, *args, **options):
        problems, summary = run_checks(options["heads"])
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"校验失败：{len(problems)} 处问题，第一处：{problems[0]}")
        self.stdout.write(self.style.SUCCESS(self.success_message))
        if self.show_summary and options["verbosity"] >= 1:
            for line in summary:
                self.stdout.write(line)
