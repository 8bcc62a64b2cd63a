"""Sending again, from the registration list: the confirmation, or a workshop mailing that went out.

Both actions first show a page that says what will happen: to which addresses of which delegations, how many
emails, and which delegations get nothing and why. The plan comes from notifications.selectors (the same
rule of who gets a mailing that the services apply); the sending is notifications.services.
"""

from django import forms
from django.contrib import messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import selectors, services
from notifications.models import Mailing
from registrations.models import Registration
from workshops.audit import Actor
from workshops.formatting import format_datetime

TEMPLATE = "admin/registrations/registration/resend_confirm.html"


class ResendMailingForm(forms.Form):
    mailing = forms.ModelChoiceField(
        label=_("mailing"), queryset=Mailing.objects.none(), widget=forms.RadioSelect, empty_label=None
    )

    def __init__(self, *args, mailings: list[Mailing], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["mailing"]
        field.queryset = (
            Mailing.objects.filter(pk__in=[m.pk for m in mailings])
            .select_related("workshop", "session")
            .order_by("scheduled_for", "pk")
        )
        field.label_from_instance = _mailing_label


def _mailing_label(mailing: Mailing) -> str:
    return _("%(mailing)s (went out %(when)s)") % {"mailing": mailing, "when": format_datetime(mailing.released_at)}


def _registrations(queryset) -> list[Registration]:
    return list(queryset.select_related("municipality", "session").prefetch_related("participants").order_by("pk"))


def _page(model_admin, request, queryset, *, rows, summary, **kwargs):
    """The registration admin's confirmation page, with the plan in place of the plain list of delegations."""
    response = model_admin._confirm_page(request, queryset, **kwargs)
    response.template_name = TEMPLATE
    response.context_data.update(plan_lines=[_line(row) for row in rows], plan_summary=summary)
    return response


def _line(row: selectors.ResendRow) -> str:
    if row.reason:
        return _("%(municipality)s: nothing is sent (%(reason)s)") % {
            "municipality": row.registration.municipality,
            "reason": row.reason,
        }
    contact = row.registration.contact_email.strip().lower()
    addresses = []
    for recipient in row.recipients:
        notes = [str(_("contact person"))] if recipient.key == contact else []
        if recipient.key in row.had_it:
            notes.append(str(_("again")))
        addresses.append(f"{recipient.email} ({', '.join(notes)})" if notes else recipient.email)
    return f"{row.registration.municipality}: {', '.join(addresses)}"


def _skipped(rows: list[selectors.ResendRow]) -> list[str]:
    skipped = sum(1 for row in rows if row.reason)
    if not skipped:
        return []
    return [
        ngettext(
            "%(count)d delegation gets nothing (the reason is given above).",
            "%(count)d delegations get nothing (the reason is given for each above).",
            skipped,
        )
        % {"count": skipped}
    ]


# --- The confirmation ---------------------------------------------------------------------------------


def resend_confirmation(model_admin, request, queryset):
    registrations = _registrations(queryset)
    if "apply" not in request.POST:
        rows = selectors.confirmation_resend_plan(registrations=registrations)
        emails = sum(len(row.recipients) for row in rows)
        contacts = sum(row.contacts for row in rows)
        summary = [
            ngettext(
                "%(count)d email will go out: %(contacts)d to contact persons and %(participants)d to participants.",
                "%(count)d emails will go out: %(contacts)d to contact persons and %(participants)d to participants.",
                emails,
            )
            % {"count": emails, "contacts": contacts, "participants": emails - contacts},
            *_skipped(rows),
        ]
        return _page(
            model_admin,
            request,
            queryset,
            rows=rows,
            summary=summary,
            action="resend_confirmation",
            title=_("Resend the confirmation"),
            intro=_(
                "Send each delegation its confirmation again, as it reads today (session, delegation, calendar "
                "invitation), to the contact person and every participant."
            ),
            submit=_("Send"),
        )
    queued = 0
    for registration in registrations:
        try:
            queued += len(
                services.registration_confirmation_resend(registration=registration, actor=Actor.staff(request.user))
            )
        except services.MailingError as error:
            messages.warning(request, error.message)
    messages.success(request, ngettext("%d email queued.", "%d emails queued.", queued) % queued)
    return None


# --- A workshop mailing -------------------------------------------------------------------------------


def resend_mailing(model_admin, request, queryset):
    workshops = set(queryset.values_list("workshop_id", flat=True))
    if len(workshops) != 1:
        messages.error(request, _("Select registrations of one workshop to send one of its mailings again."))
        return None
    mailings = selectors.mailings_resendable(workshop_id=workshops.pop(), now=timezone.now())
    if not mailings:
        messages.error(request, _("No mailing of this workshop has gone out yet (or its session is over)."))
        return None
    chosen = "preview" in request.POST or "apply" in request.POST
    form = ResendMailingForm(request.POST if chosen else None, mailings=mailings)
    page = {
        "action": "resend_mailing",
        "title": _("Resend a mailing"),
        "intro": _(
            "Send a mailing of this workshop again to the participants of these delegations it is meant for. "
            "Choose the mailing, then check what will happen before you send."
        ),
        "submit": _("Send"),
        "form": form,
    }
    registrations = _registrations(queryset)
    if not form.is_valid():
        response = _page(model_admin, request, queryset, rows=[], summary=[], **page)
        response.context_data["needs_preview"] = True
        return response
    mailing = form.cleaned_data["mailing"]
    if "apply" not in request.POST or request.POST.get("previewed") != str(mailing.pk):
        # What staff saw is what is sent: a mailing chosen anew is shown before it can be sent.
        rows = selectors.mailing_resend_plan(mailing=mailing, registrations=registrations)
        response = _page(model_admin, request, queryset, rows=rows, summary=_mailing_summary(mailing, rows), **page)
        response.context_data.update(needs_preview=True, previewed=mailing.pk)
        return response
    try:
        ids = services.mailing_resend(mailing=mailing, registrations=registrations, actor=Actor.staff(request.user))
    except services.MailingError as error:
        messages.error(request, error.message)
        return None
    messages.success(
        request,
        ngettext("«%(mailing)s»: %(count)d email queued.", "«%(mailing)s»: %(count)d emails queued.", len(ids))
        % {"mailing": mailing, "count": len(ids)},
    )
    return None


def _mailing_summary(mailing: Mailing, rows: list[selectors.ResendRow]) -> list[str]:
    emails = sum(len(row.recipients) for row in rows)
    again = sum(len(row.had_it) for row in rows)
    sentence = ngettext(
        "«%(mailing)s» will go to %(count)d participant: %(again)d again, %(first)d for the first time.",
        "«%(mailing)s» will go to %(count)d participants: %(again)d again, %(first)d for the first time.",
        emails,
    ) % {"mailing": mailing, "count": emails, "again": again, "first": emails - again}
    return [sentence, *_skipped(rows)]
