"""The public pages: the workshops, the registration form, the secret link and the privacy notice.

The delegation's own pages behind the link (receipt, change, cancel) are in ``views_selfservice``.

Views only bind forms and call services; every rule is in ``registrations.services``.
"""

import datetime

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from registrations import access, forms, participant_rows, services, throttle
from registrations.errors import RegistrationError
from registrations.fields import stamp_form_id
from registrations.selectors import registration_resubmitted, seats_taken_shown
from workshops import audit, cache
from workshops.models import Session, Workshop


def _contact_email() -> str:
    return settings.EMAIL_REPLY_TO[0] if settings.EMAIL_REPLY_TO else ""


def published_workshop_or_404(slug: str) -> Workshop:
    workshop = cache.published_workshop(slug)
    if workshop is None:
        raise Http404
    return workshop


def _workshop_facts(workshop: Workshop) -> dict:
    """What the list and the registration page say about a workshop's sessions."""
    sessions = list(workshop.sessions.all())  # prefetched in time order (workshops.cache)
    taken = seats_taken_shown(workshop=workshop)
    window = services.registration_window(workshop=workshop)
    bookable = [s for s in sessions if s.is_open]
    return {
        "workshop": workshop,
        "bookable_sessions": bookable,
        # A closed overflow session is only a possibility, never something to book.
        "possible_sessions": [s for s in sessions if not s.is_open and s.kind == Session.Kind.OVERFLOW],
        "all_full": bool(bookable) and all(taken.get(s.pk, 0) >= s.capacity for s in bookable),
        "is_open": window == services.Window.OPEN,
        "opens_later": window == services.Window.NOT_OPEN_YET,
    }


@require_http_methods(["GET", "HEAD"])
def workshop_list(request):
    now = timezone.now()
    workshops = [
        w
        for w in cache.published_workshops()
        if services.registration_is_open(workshop=w, now=now) or _not_over(w, now)
    ]
    return render(request, "registrations/workshop_list.html", {"items": [_workshop_facts(w) for w in workshops]})


def _not_over(workshop: Workshop, now: datetime.datetime) -> bool:
    return any(s.ends_at > now for s in workshop.sessions.all())


@require_http_methods(["GET", "HEAD", "POST"])
def register(request, slug: str):
    workshop = published_workshop_or_404(slug)
    if request.method == "POST":
        wait = throttle.registration_wait_seconds(request)
        if wait is not None:
            return throttle.too_many_requests(request, wait)
    try:
        services.registration_check_open(workshop=workshop)
    except RegistrationError as closed:
        context = {**_workshop_facts(workshop), "problem": closed.problems[0], "refused": request.method == "POST"}
        context["contact_email"] = _contact_email()
        return render(request, "registrations/closed.html", context)

    already_registered = None
    if request.method == "POST" and "add_participant" in request.POST:
        form, formset = forms.with_extra_row(workshop=workshop, data=request.POST)
    elif request.method == "POST":
        form = forms.RegistrationForm(request.POST, workshop=workshop)
        formset = forms.participant_formset(workshop=workshop, data=request.POST)
        if form.is_valid() and formset.is_valid():
            form_id = stamp_form_id(form.cleaned_data["started"])
            try:
                registration = services.registration_create(
                    workshop=workshop,
                    municipality=form.cleaned_data["municipality"],
                    contact=form.contact(),
                    participants=forms.participants(formset),
                    preferred_session=form.cleaned_data.get("preferred_session"),
                    municipality_input=form.cleaned_data.get("municipality_input", ""),
                    language=get_language() or "nb",
                    form_id=form_id,
                    actor=audit.PUBLIC,
                )
            except RegistrationError as refused:
                sent_before = "already_registered" in refused.codes and registration_resubmitted(
                    workshop=workshop,
                    municipality=form.cleaned_data["municipality"],
                    form_id=form_id,
                    contact_email=form.cleaned_data["contact_email"],
                )
                if sent_before:  # this form, sent again (a double click): its registration's receipt, not an error
                    access.grant(request, sent_before)
                    return redirect("registrations:receipt", access_id=sent_before.access_id)
                if "already_registered" in refused.codes:
                    # The page offers the lost link and «we did not register» for this municipality.
                    already_registered = form.cleaned_data["municipality"]
                forms.add_problems(form, formset, refused)
            else:
                access.grant(request, registration)
                return redirect("registrations:receipt", access_id=registration.access_id)
        else:
            # A field needs fixing first; say now, not after the next try, what the delegation lacks.
            typed = participant_rows.participants_as_typed(formset)
            if typed is not None:
                try:
                    services.delegation_validate(workshop=workshop, participants=typed)
                except RegistrationError as refused:
                    forms.add_problems(form, formset, refused)
    else:
        form = forms.RegistrationForm(workshop=workshop)
        formset = forms.participant_formset(workshop=workshop)

    context = {
        **_workshop_facts(workshop),
        "form": form,
        "formset": formset,
        "errors": forms.error_summary(form, formset) if form.is_bound else [],
        "can_add_row": len(formset.forms) < workshop.max_delegation_size,
        "already_registered": already_registered,
    }
    return render(request, "registrations/register.html", context)


@never_cache
@require_http_methods(["GET", "HEAD"])
def registration_open(request, access_id: str, secret: str):
    """The link in the emails: grant the delegation in this session, then show it without the secret (in the
    delegation's language, unless the visitor chose one)."""
    registration = access.registration_for_link(access_id=access_id, secret=secret)
    if registration is None:
        raise Http404
    access.grant(request, registration)
    response = redirect("registrations:registration_detail", access_id=registration.access_id)
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        # A visitor who has not chosen a language (another device, a colleague's browser) sees the delegation's
        # pages in the language it registered in, as its emails are; the switch still changes it.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            registration.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


@require_http_methods(["GET", "HEAD"])
def privacy(request):
    """The privacy notice. Its retention period is the one the anonymisation task applies: that of the
    published workshops, each with its date, or the default for new workshops when there are none."""
    workshops = list(
        Workshop.objects.filter(is_published=True, anonymised_at__isnull=True).prefetch_related("sessions")
    )
    periods = {w.retention_months for w in workshops}
    context = {
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
        "retention_months": periods.pop() if len(periods) == 1 else settings.DEFAULT_RETENTION_MONTHS,
        "same_period": len({w.retention_months for w in workshops}) <= 1,
        "workshops": sorted(workshops, key=lambda w: w.anonymise_after),
    }
    return render(request, "registrations/privacy.html", context)
