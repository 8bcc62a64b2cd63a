"""Approving scheduled mailings in the admin: the confirmation page with the checklist.

One page serves the changelist action (several mailings) and the button on a mailing's page (one). It
shows what each mailing still lacks (selectors.mailing_checklist) and approves through
services.mailing_approve; with gaps it refuses unless staff tick «send anyway», which the service records.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications import selectors, services
from notifications.models import Mailing
from workshops.audit import Actor

TEMPLATE = "admin/notifications/mailing/approve.html"


def approval_page(model_admin: admin.ModelAdmin, request, mailings: list[Mailing], *, action: str = ""):
    """The confirmation page (GET, or the action's first POST), or the approval when it is confirmed.

    ``action``: the changelist action's name when the page answers an action (its form posts back to the
    changelist); empty for the page of one mailing. Returns None when done (the caller redirects).
    """
    if not model_admin.has_send_permission(request):
        raise PermissionDenied
    mailings = [m for m in mailings if m.is_scheduled_kind]
    accept_gaps = request.POST.get("accept_gaps") == "on"
    rows = [(mailing, selectors.mailing_checklist(mailing=mailing)) for mailing in mailings]
    confirmed = request.method == "POST" and request.POST.get("confirm") == "approve"
    error = ""
    if confirmed:
        if any(gaps for mailing, gaps in rows if mailing.approved_at is None) and not accept_gaps:
            error = _("Something is missing. Complete it first, or tick «Send anyway» to approve as it is.")
        else:
            _approve(model_admin, request, mailings, accept_gaps=accept_gaps)
            return None
    if request.method == "POST" and request.POST.get("confirm") == "withdraw":
        _withdraw(model_admin, request, mailings)
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Approve mailings"),
        "opts": model_admin.model._meta,
        "rows": rows,
        "any_gaps": any(gaps for _mailing, gaps in rows),
        "error": error,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, TEMPLATE, context)


def _approve(model_admin, request, mailings: list[Mailing], *, accept_gaps: bool) -> None:
    approved = 0
    for mailing in mailings:
        if mailing.approved_at is not None:
            continue
        try:
            services.mailing_approve(mailing=mailing, actor=Actor.staff(request.user), accept_gaps=accept_gaps)
        except services.MailingError as exc:
            model_admin.message_user(request, exc.message, messages.ERROR)
            continue
        approved += 1
    model_admin.message_user(
        request, ngettext("%d mailing approved.", "%d mailings approved.", approved) % approved, messages.SUCCESS
    )


def _withdraw(model_admin, request, mailings: list[Mailing]) -> None:
    for mailing in mailings:
        try:
            services.mailing_approval_withdraw(mailing=mailing, actor=Actor.staff(request.user))
        except services.MailingError as exc:
            model_admin.message_user(request, exc.message, messages.ERROR)
        else:
            model_admin.message_user(request, _("Approval of «%(mailing)s» withdrawn.") % {"mailing": mailing})


def approval_view(model_admin: admin.ModelAdmin, request, object_id: str):
    """The page of one mailing's approval, linked from its change page."""
    mailing = model_admin.get_object(request, object_id)
    if mailing is None or not mailing.is_scheduled_kind:
        raise PermissionDenied
    response = approval_page(model_admin, request, [mailing])
    if response is None:
        return HttpResponseRedirect(reverse("admin:notifications_mailing_change", args=[mailing.pk]))
    return response
