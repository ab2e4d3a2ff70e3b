"""Forms of the ledger pages: upload, and the column mapping. They parse input only; the
rules (scope, completeness of the mapping, limits) are in ledger.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ledger.fields import CODE_LABELS, CODED_FIELDS, DATE_LAYOUTS, DEFAULT_DATE_LAYOUTS, FIELDS, guess_mapping
from ledger.models import LedgerSource, LedgerUpload
from orgs.forms import UnitChoiceField

NOT_MAPPED = ""


def _style(form: forms.Form) -> None:
    for f in form.fields.values():
        widget = f.widget
        if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple)):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


class UploadForm(forms.Form):
    source = forms.ModelChoiceField(queryset=LedgerSource.objects.none(), required=False, label=_("台账来源"),
                                    empty_label=_("（新建来源）"))
    new_name = forms.CharField(required=False, max_length=100, label=_("新来源的名称"),
                               help_text=_("例如：塔山矿2019—2023年信访台账"))
    new_unit = UnitChoiceField(queryset=None, required=False, label=_("台账所属单位"),
                               help_text=_("台账中各行的单位须为该单位或其下级单位"))
    file = forms.FileField(label=_("台账文件"), help_text=_(".xlsx 或 .csv（UTF-8或GBK编码）"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}))

    def __init__(self, *args, sources, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources
        self.fields["new_unit"].set_units(units)
        self.fields["new_unit"].empty_label = _("请选择单位")
        _style(self)

    def clean(self):
        data = super().clean()
        if data.get("source") is None:
            if not (data.get("new_name") or "").strip():
                self.add_error("new_name", _("请选择已有的台账来源，或填写新来源的名称"))
            if data.get("new_unit") is None:
                self.add_error("new_unit", _("请选择台账所属单位"))
        return data


def format_aliases(aliases: dict[str, dict[str, str]]) -> str:
    lines = []
    for field in CODED_FIELDS:
        label = _field_label(field)
        for word, code in (aliases.get(field) or {}).items():
            lines.append(f"{label}：{word}={CODE_LABELS[field].get(code, code)}")
    return "\n".join(lines)


def _field_label(key: str) -> str:
    return next(f.label for f in FIELDS if f.key == key)


def parse_aliases(text: str) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Lines "内容分类：工资问题=工资薪酬" → {"category": {"工资问题": "wages"}}."""
    by_label = {_field_label(k): k for k in CODED_FIELDS} | {k: k for k in CODED_FIELDS}
    out: dict[str, dict[str, str]] = {}
    errors: list[str] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, sep, rest = line.replace(":", "：").partition("：")
        word, eq, target = rest.partition("=")
        field = by_label.get(head.strip())
        if not sep or not eq or field is None or not word.strip() or not target.strip():
            errors.append(f"第{n}行“{line[:40]}”：格式应为“内容分类：台账用语=系统取值”")
            continue
        target = target.strip()
        code = next((c for c, label in CODE_LABELS[field].items() if target in (c, label)), None)
        if code is None:
            errors.append(f"第{n}行：“{target}”不是{_field_label(field)}的取值（{'、'.join(CODE_LABELS[field].values())}）")
            continue
        out.setdefault(field, {})[word.strip()] = code
    return out, errors


class MappingForm(forms.Form):
    """For each of our fields: the file's column (or, for coded fields, one value for the whole file)."""

    sheet = forms.ChoiceField(label=_("工作表"), required=False)
    header_row = forms.IntegerField(label=_("表头所在行"), min_value=1, max_value=1000)
    date_formats = forms.MultipleChoiceField(
        label=_("日期格式"), choices=list(DATE_LAYOUTS.items()), widget=forms.CheckboxSelectMultiple,
    )
    accept_on_receipt = forms.BooleanField(
        required=False, label=_("台账没有受理日期时，以收到日期为受理日期（当场受理）"),
    )
    aliases = forms.CharField(
        required=False, label=_("用语对照"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("台账用语与系统取值不同时每行写一条，例如：内容分类：工资问题=工资薪酬"),
    )

    def __init__(self, *args, upload: LedgerUpload, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.upload = upload
        source = upload.source
        headers = list(upload.headers)
        self.fields["sheet"].choices = [(s, s) for s in upload.sheets] if upload.kind == "xlsx" else [("", "")]
        column_choices = [(NOT_MAPPED, _("（不导入）"))] + [(h, h) for h in headers]
        guessed = guess_mapping(headers)
        saved = {k: v for k, v in (source.mapping or {}).items() if v in headers}
        self.rows = []
        for f in FIELDS:
            name = f"col_{f.key}"
            self.fields[name] = forms.ChoiceField(label=f.label, choices=column_choices, required=False,
                                                  help_text=f.help)
            self.initial.setdefault(name, saved.get(f.key, guessed.get(f.key, NOT_MAPPED)))
            fixed_name = ""
            if f.fixable:
                fixed_name = f"fixed_{f.key}"
                self.fields[fixed_name] = forms.ChoiceField(
                    label=_("或整份台账统一为"), required=False,
                    choices=[(NOT_MAPPED, "—")] + list(CODE_LABELS[f.key].items()),
                )
                if not saved.get(f.key):
                    self.initial.setdefault(fixed_name, (source.fixed or {}).get(f.key, NOT_MAPPED))
            self.rows.append((f, name, fixed_name))
        self.initial.setdefault("sheet", upload.sheet)
        self.initial.setdefault("header_row", upload.header_row)
        self.initial.setdefault("date_formats", list(source.date_formats or DEFAULT_DATE_LAYOUTS))
        self.initial.setdefault("accept_on_receipt", source.accept_on_receipt)
        self.initial.setdefault("aliases", format_aliases(source.aliases or {}))
        _style(self)

    def bound_rows(self):
        for f, name, fixed_name in self.rows:
            yield f, self[name], self[fixed_name] if fixed_name else None

    def clean(self):
        data = super().clean()
        mapping, fixed = {}, {}
        missing = []
        for f, name, fixed_name in self.rows:
            column = data.get(name) or ""
            value = data.get(fixed_name) or "" if fixed_name else ""
            if column and value:
                self.add_error(fixed_name, _("已选择了列，就不要再指定统一取值"))
            if column:
                mapping[f.key] = column
            elif value:
                fixed[f.key] = value
            elif f.required:
                missing.append(f.label)
        if missing:
            raise forms.ValidationError(_("请为以下项目选择对应的列（或统一取值）：%(fields)s") % {"fields": "、".join(missing)})
        formats = data.get("date_formats") or []
        if "mdy" in formats and "dmy" in formats:
            self.add_error("date_formats", _("“月/日/年”和“日/月/年”不能同时选择"))
        aliases, errors = parse_aliases(data.get("aliases") or "")
        for error in errors:
            self.add_error("aliases", error)
        data["mapping"], data["fixed"], data["alias_table"] = mapping, fixed, aliases
        return data

    def layout_changed(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        sheet = data.get("sheet") or self.upload.sheet
        row = data.get("header_row") or self.upload.header_row
        return (self.upload.kind == "xlsx" and sheet != self.upload.sheet) or row != self.upload.header_row
