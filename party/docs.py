"""Generated .docx forms (python-docx): the 发展党员工作记实表 of a development file."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from docx import Document

from party.development import STAGES, STEPS
from party.models import DevFile


def dev_record_docx(f: DevFile) -> bytes:
    doc = Document()
    doc.add_heading(_("发展党员工作记实表"), level=1)
    doc.add_paragraph(_("姓名：%(n)s　工号：%(no)s　党支部：%(b)s　出生日期：%(d)s")
                      % {"n": f.person.name, "no": f.person.employee_no, "b": f.branch.name, "d": f.birth_date})
    done = {s.step: s for s in f.steps.all()}
    for _n, label, steps in STAGES:
        doc.add_heading(str(label), level=2)
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, (_("步骤"), _("日期"), _("决定人/组织"), _("说明")), strict=True):
            cell.text = text
        for s in steps:
            rec = done.get(s)
            row = table.add_row().cells
            row[0].text = f"{s}. {STEPS[s]}"
            row[1].text = str(rec.on) if rec else ""
            row[2].text = rec.decided_by if rec else ""
            row[3].text = "；".join([rec.note, *rec.flags]) if rec else ""
    if f.probation_end:
        doc.add_paragraph(_("预备期满：%(d)s") % {"d": f.probation_end})
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
