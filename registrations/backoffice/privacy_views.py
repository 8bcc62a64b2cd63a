"""The privacy pages of the back office: what is held about one email address, its export, its erasure.

The address travels in POST bodies only, never in a URL (URLs end up in logs and browser history). Finding
and exporting need permission to view registrations; erasing needs permission to change them. Every
export and erasure is recorded in the log of who did what, by a keyed hash of the address.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from registrations import services
from registrations.backoffice.privacy_export import FORMATS, erase_preview, person_export, person_records
from registrations.backoffice.views import PERMISSION, download
from registrations.errors import RegistrationError
from workshops.audit import Actor

ERASE_PERMISSION = "registrations.change_registration"


class EmailForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)


class ExportForm(EmailForm):
    fmt = forms.ChoiceField(choices=[(f, f) for f in FORMATS])


class EraseForm(EmailForm):
    override = forms.BooleanField(
        label=gettext_lazy("Erase anyway"),
        required=False,
        help_text=gettext_lazy(
            "Where removing the person would break a coming delegation's rules, anonymise them where they are: "
            "the delegation keeps the seat, and no email goes to the person."
        ),
    )


def _context(request: HttpRequest, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


@staff_member_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
@never_cache
def person_page(request: HttpRequest) -> HttpResponse:
    """Enter an address; see what is held about it, with the export and erase buttons."""
    form = EmailForm(request.POST or None)
    records = person_records(email=form.cleaned_data["email"]) if form.is_valid() else None
    context = _context(
        request,
        _("Personal data of one person"),
        form=form,
        records=records,
        can_erase=request.user.has_perm(ERASE_PERMISSION),
    )
    return render(request, "admin/backoffice/privacy_person.html", context)


@staff_member_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def person_export_download(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address."))
        return redirect("backoffice:privacy")
    records = person_records(email=form.cleaned_data["email"])
    services.person_export_record(
        email=records.email, actor=Actor.staff(request.user), registration_ids=records.registration_ids
    )
    return download(person_export(records=records, fmt=form.cleaned_data["fmt"]))


@staff_member_required
@require_POST
@never_cache
def person_erase(request: HttpRequest) -> HttpResponse:
    """First POST: the confirmation page saying what will be erased. With «confirm»: erase."""
    if not request.user.has_perm(ERASE_PERMISSION):
        raise PermissionDenied
    form = EraseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address."))
        return redirect("backoffice:privacy")
    email, error = form.cleaned_data["email"], None
    if "confirm" in request.POST:
        try:
            erased = services.person_erase(
                email=email, actor=Actor.staff(request.user), override=form.cleaned_data["override"]
            )
        except RegistrationError as refused:
            error = " ".join(refused.messages)
        else:
            _report(request, erased)
            return redirect("backoffice:privacy")
    records = person_records(email=email)
    context = _context(
        request,
        _("Erase personal data"),
        form=form,
        records=records,
        previews=erase_preview(records=records),
        error=error,
    )
    return render(request, "admin/backoffice/privacy_erase.html", context)


def _report(request: HttpRequest, erased) -> None:
    if not erased.found:
        messages.warning(request, _("Nothing was held about this address; nothing was erased."))
        return
    messages.success(
        request,
        _(
            "Erased: removed from %(removed)d delegation(s), anonymised in %(anonymised)d participant row(s) and "
            "%(contacts)d contact person row(s), %(deliveries)d email record(s), %(log)d log entries cleaned."
        )
        % {
            "removed": len(erased.removed),
            "anonymised": erased.participants,
            "contacts": len(erased.contacts),
            "deliveries": erased.deliveries,
            "log": erased.log_entries,
        },
    )
    for registration in erased.without_contact:
        messages.warning(
            request,
            _("%(registration)s has no contact person now: give it a new one on the registration's page.")
            % {"registration": registration},
        )
    if erased.removed:
        messages.info(
            request,
            ngettext(
                "The delegation was told nothing: tell its contact person if needed.",
                "The delegations were told nothing: tell their contact persons if needed.",
                len(erased.removed),
            ),
        )
