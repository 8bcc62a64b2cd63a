"""The Outreach page (admin → Municipal contacts → Outreach): who an invitation would reach for each workshop
still open for registration, the invitations and reminders written so far, and forms to write new ones.

Writing one goes through notifications.outreach; it then waits for approval on its mailing page like the
material and the reminders (notifications.admin_approval).
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications import outreach, outreach_selectors, selectors
from notifications.models import Mailing
from notifications.services import MailingError
from workshops.audit import Actor
from workshops.models import Workshop

TEMPLATE = "admin/registrations/municipalcontact/outreach.html"


def _open_workshops():
    return Workshop.objects.filter(registration_deadline__gt=timezone.now()).order_by("registration_deadline")


class InvitationForm(forms.Form):
    workshop = forms.ModelChoiceField(queryset=Workshop.objects.none(), label=_("workshop"))
    scheduled_for = forms.SplitDateTimeField(
        label=_("send at"), widget=forms.SplitDateTimeWidget(date_attrs={"type": "date"}, time_attrs={"type": "time"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workshop"].queryset = _open_workshops()


class ReminderForm(forms.Form):
    workshop = forms.ModelChoiceField(queryset=Workshop.objects.none(), label=_("workshop"))
    days_before_deadline = forms.IntegerField(label=_("days before the deadline"), min_value=0, max_value=90, initial=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workshop"].queryset = _open_workshops()


def outreach_page(model_admin, request):
    """The page (GET), or a new invitation or reminder (POST, for staff who may send mailings)."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    may_send = request.user.has_perm("notifications.send_mailing")
    invitation_form = InvitationForm(prefix="invitation")
    reminder_form = ReminderForm(prefix="reminder")
    if request.method == "POST":
        if not may_send:
            raise PermissionDenied
        actor = Actor.staff(request.user)
        if "invitation" in request.POST:
            invitation_form = form = InvitationForm(request.POST, prefix="invitation")
            create = lambda data: outreach.invitation_create(  # noqa: E731
                workshop=data["workshop"], actor=actor, scheduled_for=data["scheduled_for"]
            )
        else:
            reminder_form = form = ReminderForm(request.POST, prefix="reminder")
            create = lambda data: outreach.invitation_reminder_create(  # noqa: E731
                workshop=data["workshop"], days_before_deadline=data["days_before_deadline"], actor=actor
            )
        if form.is_valid():
            try:
                mailing = create(form.cleaned_data)
            except MailingError as exc:
                form.add_error(None, exc.message)
            else:
                model_admin.message_user(
                    request, _("«%(mailing)s» is written. Approve it here to let it go out.") % {"mailing": mailing}
                )
                return HttpResponseRedirect(reverse("admin:notifications_mailing_change", args=[mailing.pk]))
    return _render(model_admin, request, invitation_form, reminder_form, may_send)


def _render(model_admin, request, invitation_form, reminder_form, may_send):
    rows = []
    for workshop in _open_workshops().prefetch_related("sessions"):
        targets = outreach_selectors.invitation_targets(workshop=workshop)
        mailings = Mailing.objects.filter(workshop=workshop, kind__in=Mailing.INVITATION_KINDS).order_by(
            "scheduled_for", "pk"
        )
        rows.append(
            {
                "workshop": workshop,
                "registered": len(outreach_selectors.registered_numbers(workshop=workshop)),
                "municipalities": len({m for t in targets.values() for m in t["municipalities"]}),
                "addresses": len(targets),
                "mailings": [(m, selectors.mailing_counts(mailing=m)) for m in mailings],
            }
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Outreach"),
        "opts": model_admin.model._meta,
        "rows": rows,
        "may_send": may_send,
        "invitation_form": invitation_form,
        "reminder_form": reminder_form,
    }
    return TemplateResponse(request, TEMPLATE, context)
