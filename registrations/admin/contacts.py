"""Municipal contacts in the admin: imported from CSV or XLSX with django-import-export's preview and
confirmation, and the Outreach page (registrations/admin/outreach.py) that invites the municipalities.

The import reads a file, shows every row as it would be saved (new, updated, unchanged) or, when any row
is wrong, the errors of each row (unknown municipality number, bad email, unknown kind); nothing is saved
until staff confirm a file without errors. Headers may be English field names or the Norwegian words in
HEADER_ALIASES; municipality numbers may have lost their leading zero in a spreadsheet («301» is 0301).
"""

import csv

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.urls import path
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from import_export import fields, resources, widgets
from import_export.admin import ImportMixin
from import_export.formats import base_formats

from notifications import outreach_selectors
from registrations.admin import outreach
from registrations.models import MunicipalContact, Municipality
from workshops.audit import Actor, log_action

# Column headers staff are likely to write, lower case, mapped to the resource's columns.
HEADER_ALIASES = {
    "kommunenummer": "municipality_number",
    "kommunenr": "municipality_number",
    "kommunenr.": "municipality_number",
    "knr": "municipality_number",
    "type": "kind",
    "rolle": "kind",
    "navn": "name",
    "e-post": "email",
    "epost": "email",
    "e-postadresse": "email",
}
# Kinds as staff write them, lower case.
KIND_ALIASES = {
    "": MunicipalContact.Kind.OTHER,
    "postmottak": MunicipalContact.Kind.POSTMOTTAK,
    "kulturskoleleder": MunicipalContact.Kind.CULTURE_SCHOOL_LEADER,
    "culture_school_leader": MunicipalContact.Kind.CULTURE_SCHOOL_LEADER,
    "culture-school leader": MunicipalContact.Kind.CULTURE_SCHOOL_LEADER,
    "annen": MunicipalContact.Kind.OTHER,
    "annet": MunicipalContact.Kind.OTHER,
    "other": MunicipalContact.Kind.OTHER,
}

# django-import-export has no Bokmål catalogue: its screen texts are translated in ours (listed here so that
# makemessages keeps them, as registrations/admin/site.py does for Django's admin).
IMPORT_EXPORT_MESSAGES = (
    gettext_noop("Import"),
    gettext_noop("Confirm import"),
    gettext_noop(
        "Below is a preview of data to be imported. If you are satisfied with the results, click 'Confirm import'"
    ),
    gettext_noop("This importer will import the following fields: "),
    gettext_noop("Format"),
    gettext_noop("File to import"),
    gettext_noop("Submit"),
    gettext_noop("Errors"),
    gettext_noop("Line number"),
    gettext_noop("Some rows failed to validate"),
    gettext_noop("Please correct these errors in your data where possible, then reupload it using the form above."),
    gettext_noop("Row"),
    gettext_noop("Non field specific"),
    gettext_noop("Preview"),
    gettext_noop("New"),
    gettext_noop("Skipped"),
    gettext_noop("Update"),
    gettext_noop("Import finished: {} new, {} updated, {} deleted and {} skipped {}."),
    gettext_noop("No valid data to import. Ensure your file has the correct headers or data for import."),
    gettext_noop(
        "%(exc_name)s encountered while trying to read file. Ensure you have chosen the correct format for the file."
    ),
)


class SpreadsheetCSV(base_formats.CSV):
    """CSV with «,» or «;» between the columns: a Norwegian Excel saves CSV with semicolons."""

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        first_line = in_stream.lstrip("\ufeff").split("\n", 1)[0]
        try:
            kwargs.setdefault("delimiter", csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter)
        except csv.Error:
            pass  # one column, or nothing to go by: tablib's default
        return super().create_dataset(in_stream, **kwargs)


class MunicipalityNumberWidget(widgets.CharWidget):
    """«301», 301 (a spreadsheet number) and «0301» are all Oslo. Only normalises: the row's check is
    MunicipalContactResource.import_instance, so that a wrong number is listed with the row's other errors
    (this widget also finds the existing row, before any check runs)."""

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if text.endswith(".0"):  # a number cell read as a float
            text = text[:-2]
        return text.zfill(4) if text.isdigit() and len(text) <= 4 else text


class KindWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip().lower()
        if text in KIND_ALIASES:
            return KIND_ALIASES[text]
        if text in MunicipalContact.Kind.values:
            return text
        raise ValueError(
            _("«%(value)s» is not a kind of contact (postmottak, kulturskoleleder or annen).") % {"value": value}
        )


class EmailWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip().lower()


class PlainDiff(resources.Diff):
    """The preview's cells without django-import-export's inline styles (our CSP forbids them, the admin
    included): a new value in <ins>, a replaced one in <del> before it."""

    def as_html(self):
        cells = []
        for before, after in zip(self.left, self.right, strict=False):
            before, after = force_str(before), force_str(after)
            if self.new or before == "":
                cells.append(format_html("<ins>{}</ins>", after) if after else "")
            elif before != after:
                cells.append(format_html("<del>{}</del> <ins>{}</ins>", before, after))
            else:
                cells.append(conditional_escape(after))
        return cells


class MunicipalContactResource(resources.ModelResource):
    municipality_number = fields.Field(
        attribute="municipality_number", column_name="municipality_number", widget=MunicipalityNumberWidget()
    )
    kind = fields.Field(attribute="kind", column_name="kind", widget=KindWidget())
    name = fields.Field(attribute="name", column_name="name", widget=widgets.CharWidget(), default="")
    email = fields.Field(attribute="email", column_name="email", widget=EmailWidget())

    class Meta:
        model = MunicipalContact
        fields = ("municipality_number", "kind", "name", "email")
        import_id_fields = ("municipality_number", "email")
        # Model validation on every row: the email's format, the field lengths.
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_diff_class(self):
        return PlainDiff

    def before_import(self, dataset, **kwargs):
        dataset.headers = [
            HEADER_ALIASES.get(str(h or "").strip().lower(), str(h or "").strip().lower()) for h in dataset.headers
        ]
        missing = {"municipality_number", "email"} - set(dataset.headers)
        if missing:
            raise ValidationError(
                _("The file has no column %(columns)s.") % {"columns": ", ".join(sorted(missing))},
                code="missing_columns",
            )

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        number = instance.municipality_number or ""
        if "municipality_number" not in errors:
            if not (number.isdigit() and len(number) == 4):
                errors["municipality_number"] = [_("«%(value)s» is not a municipality number.") % {"value": number}]
            elif number not in self._known_numbers():
                errors["municipality_number"] = [
                    _("No municipality has the number %(number)s (today or on an upcoming workshop's date).")
                    % {"number": number}
                ]
        if errors:
            raise ValidationError(errors)

    def _known_numbers(self) -> set[str]:
        if not hasattr(self, "_known"):  # one resource per import: read the numbers once
            self._known = outreach_selectors.known_municipality_numbers()
        return self._known

    def after_save_instance(self, instance, row, **kwargs):
        if kwargs.get("dry_run"):
            return
        user = kwargs.get("user")
        actor = Actor.staff(user) if user is not None else None
        if actor is not None:
            log_action(
                actor=actor,
                action="municipal_contact.imported",
                obj=instance,
                data={"municipality_number": instance.municipality_number, "kind": instance.kind},
            )


@admin.register(MunicipalContact)
class MunicipalContactAdmin(ImportMixin, admin.ModelAdmin):
    resource_classes = [MunicipalContactResource]
    import_formats = [SpreadsheetCSV, base_formats.XLSX]
    list_display = ("municipality_number", "municipality", "kind", "name", "email", "created_at")
    list_filter = ("kind",)
    search_fields = ("municipality_number", "name", "email")
    fields = ("municipality_number", "kind", "name", "email")
    change_list_template = "admin/registrations/municipalcontact/change_list.html"

    def has_import_permission(self, request):
        return request.user.has_perm("registrations.add_municipalcontact")

    def get_urls(self):
        page = self.admin_site.admin_view(self.outreach_view)
        return [path("outreach/", page, name="registrations_municipalcontact_outreach"), *super().get_urls()]

    def outreach_view(self, request):
        return outreach.outreach_page(self, request)

    def get_queryset(self, request):
        # The name as it is today, in the list's one query (the contact holds the number only).
        name = Municipality.objects.valid_on(timezone.localdate()).filter(number=OuterRef("municipality_number"))
        return super().get_queryset(request).annotate(municipality_name=Subquery(name.values("name")[:1]))

    @admin.display(description=_("municipality"), ordering="municipality_name")
    def municipality(self, contact: MunicipalContact) -> str:
        return contact.municipality_name or "–"
