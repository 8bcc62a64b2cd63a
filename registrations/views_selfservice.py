"""Self-service through the secret link: the delegation's page, its change form and its cancellation.

Every page here is for a visitor whose session holds the delegation (registrations/access.py); each is
private (Cache-Control: no-store) and each POST is CSRF-protected and counted by the registration rate
limit. Views bind forms and call services; the rules (the window up to the deadline second, the
delegation rules, capacity) are the services', the same as for a new registration.
"""

import datetime
import functools

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from notifications import selectors as notifications_selectors
from registrations import access, forms, forms_selfservice, services, throttle
from registrations.errors import RegistrationError
from registrations.models import AnswerSet, Participant, Registration
from registrations.selectors import waitlist_position
from workshops import audit, schedule


def _contact_email() -> str:
    return settings.EMAIL_REPLY_TO[0] if settings.EMAIL_REPLY_TO else ""


def delegation_page(view):
    """Only for a visitor holding the delegation; the view gets the registration instead of its id.

    Without the grant: the page that says to open the link from the email (403). Every response is
    private, and a POST is counted by the rate limit first.
    """

    @never_cache
    @functools.wraps(view)
    def wrapper(request, access_id: str, **kwargs):
        if not access.is_granted(request, access_id):
            return render(request, "registrations/link_needed.html", {"contact_email": _contact_email()}, status=403)
        if request.method == "POST":
            wait = throttle.registration_wait_seconds(request)
            if wait is not None:
                return throttle.too_many_requests(request, wait)
        registration = get_object_or_404(
            Registration.objects.select_related("workshop", "municipality", "session", "preferred_session"),
            access_id=access_id,
        )
        return view(request, registration, **kwargs)

    return wrapper


def _contact_context(registration: Registration) -> dict:
    """Whom to write to once self-service is over, and whether the deadline is why."""
    window = services.registration_window(workshop=registration.workshop)
    return {"contact_email": _contact_email(), "deadline_passed": window == services.Window.CLOSED}


def _closed(request, registration: Registration):
    """What the change and cancel pages answer once self-service is over: nothing changes, whom to ask."""
    context = {"registration": registration, "workshop": registration.workshop, **_contact_context(registration)}
    return render(request, "registrations/selfservice_closed.html", context, status=403)


@require_http_methods(["GET", "HEAD"])
@delegation_page
def registration_detail(request, registration: Registration, receipt: bool = False):
    """The delegation as registered: status, what happens next, and what the contact person can do."""
    workshop = registration.workshop
    session = registration.session or workshop.first_session
    people = Participant.objects.filter(registration=registration).order_by("pk")
    context = {
        "registration": registration,
        "participants": people,
        "workshop": workshop,
        "receipt": receipt,
        **_contact_context(registration),
        "can_change": services.registration_selfservice_open(registration=registration),
        "can_choose_session": forms_selfservice.offers_session_choice(forms_selfservice.bookable_sessions(workshop)),
        "confirmation_sent": notifications_selectors.registration_confirmation_sent(registration=registration),
        "answers_draft": AnswerSet.objects.filter(registration=registration, status=AnswerSet.Status.DRAFT).exists(),
        "waitlist_position": waitlist_position(registration=registration),
        "material_date": _date(schedule.material_time(workshop=workshop)),
        "reminder_dates": [_date(when) for when in schedule.reminder_times(workshop=workshop, session=session)]
        if session
        else [],
    }
    return render(request, "registrations/registration_detail.html", context)


def _date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


@require_http_methods(["GET", "HEAD", "POST"])
@delegation_page
def registration_change(request, registration: Registration):
    """Change the contact person, the participants and the preferred session, until the deadline."""
    if not services.registration_selfservice_open(registration=registration):
        return _closed(request, registration)
    if request.method == "POST" and "add_participant" in request.POST:
        form, formset = forms_selfservice.with_extra_row(registration=registration, data=request.POST)
    elif request.method == "POST":
        form, formset = forms_selfservice.bind(registration=registration, data=request.POST)
        if form.is_valid() and formset.is_valid():
            preferred = form.new_preference()
            try:
                registration = services.registration_update(
                    registration=registration,
                    contact=form.contact(),
                    participants=forms_selfservice.participants(formset),
                    preferred_session=preferred,
                    actor=audit.SELF_SERVICE,
                )
            except RegistrationError as refused:
                if {"deadline_passed", "registration_cancelled"} & set(refused.codes):
                    return _closed(request, Registration.objects.get(pk=registration.pk))
                forms.add_problems(form, formset, refused)
            else:
                _say_saved(request, registration, preferred)
                return redirect("registrations:registration_detail", access_id=registration.access_id)
        else:
            typed = forms_selfservice.participants_as_typed(formset)
            if typed is not None:
                try:
                    services.delegation_validate(workshop=registration.workshop, participants=typed)
                except RegistrationError as refused:
                    forms.add_problems(form, formset, refused)
    else:
        form = forms_selfservice.ChangeForm(registration=registration)
        formset = forms_selfservice.participant_formset(registration=registration)

    context = {
        "registration": registration,
        "workshop": registration.workshop,
        "form": form,
        "formset": formset,
        "errors": forms.error_summary(form, formset) if form.is_bound else [],
        "can_add_row": len(formset.forms) < formset.max_num,
    }
    return render(request, "registrations/selfservice_change.html", context)


def _say_saved(request, registration: Registration, preferred) -> None:
    messages.success(request, _("The changes are saved. Everyone concerned gets an email about them."))
    wanted = registration.preferred_session
    stays = preferred is not services.KEEP and wanted is not None and registration.session_id not in (None, wanted.pk)
    if stays:
        messages.info(
            request,
            _(
                "%(preferred)s does not have seats for the whole delegation, so it keeps its seats in %(session)s. "
                "The preference is saved."
            )
            % {"preferred": wanted.label, "session": registration.session.label},
        )


@require_http_methods(["GET", "HEAD", "POST"])
@delegation_page
def registration_cancel(request, registration: Registration):
    """Cancel the registration, after a page that says what will happen."""
    if not services.registration_selfservice_open(registration=registration):
        return _closed(request, registration)
    if request.method == "POST":
        try:
            services.registration_cancel(registration=registration, actor=audit.SELF_SERVICE)
        except RegistrationError:
            return _closed(request, Registration.objects.get(pk=registration.pk))
        messages.success(request, _("The registration is cancelled. Everyone in the delegation gets an email."))
        return redirect("registrations:registration_detail", access_id=registration.access_id)
    context = {
        "registration": registration,
        "workshop": registration.workshop,
        "size": registration.participants.count(),
    }
    return render(request, "registrations/selfservice_cancel.html", context)
