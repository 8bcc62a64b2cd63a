"""The public pages for a lost link and for «we did not register this».

Both answer the same whether or not the municipality is registered: the same page, the same status, and
the same work in the request (see each view), so neither page tells a stranger who registered. Neither
page ever shows the contact person's address or a link with a secret: the emails carry the link.
Views only bind forms and call services (or queue the task that does).
"""

from functools import partial

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from registrations import services, tasks, throttle
from registrations.errors import RegistrationError
from registrations.forms_links import DisputeForm, LostLinkForm
from registrations.selectors import municipalities_valid_for, registration_active
from registrations.views import _contact_email, published_workshop_or_404
from workshops import audit


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def lost_link(request: HttpRequest, slug: str) -> HttpResponse:
    """Pick the municipality; its contact person gets the link again by email, if it is registered.

    The request itself never looks at whether the municipality is registered: it records the request and
    queues the same task either way, and the worker looks up the registration and writes the email to the
    outbox. So the answer, its status and its timing are the same for a registered and an unregistered
    municipality; and a request made while the broker is down is sent by the sweep, not lost.
    """
    workshop = published_workshop_or_404(slug)
    if request.method == "POST":
        wait = throttle.public_request_wait_seconds(request, group="registrations.lost_link")
        if wait is not None:
            return throttle.too_many_requests(request, wait)
        form = LostLinkForm(request.POST, workshop=workshop)
        if form.is_valid():
            municipality = form.cleaned_data["municipality"]
            wait = throttle.public_request_wait_seconds(
                request, group="registrations.lost_link", municipality_key=f"{workshop.pk}:{municipality.pk}"
            )
            if wait is not None:
                return throttle.too_many_requests(request, wait)
            asked = services.link_request_create(workshop=workshop, municipality=municipality, actor=audit.PUBLIC)
            transaction.on_commit(partial(tasks.link_request_queue, asked.pk))
            context = {"workshop": workshop, "municipality": municipality, "contact_email": _contact_email()}
            return render(request, "registrations/lost_link_sent.html", context)
    else:
        chosen = request.GET.get("municipality", "")
        form = LostLinkForm(workshop=workshop, initial={"municipality": chosen} if chosen.isdigit() else None)
    return render(request, "registrations/lost_link.html", {"workshop": workshop, "form": form})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def dispute(request: HttpRequest, slug: str, municipality_id: int) -> HttpResponse:
    """Someone says their municipality did not register the delegation registered in its name.

    The page and its answer are the same whether or not the municipality is registered; the dispute is
    recorded (and the contact person told) only when it is.
    """
    workshop = published_workshop_or_404(slug)
    municipality = get_object_or_404(municipalities_valid_for(workshop=workshop), pk=municipality_id)
    context = {"workshop": workshop, "municipality": municipality, "contact_email": _contact_email()}
    if request.method == "POST":
        wait = throttle.public_request_wait_seconds(request, group="registrations.dispute")
        if wait is not None:
            return throttle.too_many_requests(request, wait)
        form = DisputeForm(request.POST)
        if form.is_valid():
            wait = throttle.public_request_wait_seconds(
                request, group="registrations.dispute", municipality_key=f"{workshop.pk}:{municipality.pk}"
            )
            if wait is not None:
                return throttle.too_many_requests(request, wait)
            _dispute_create(workshop, municipality, form.cleaned_data)
            return render(request, "registrations/dispute_sent.html", context)
    else:
        form = DisputeForm()
    return render(request, "registrations/dispute.html", {**context, "form": form})


def _dispute_create(workshop, municipality, data: dict) -> None:
    registration = registration_active(workshop=workshop, municipality=municipality)
    if registration is None:
        return  # nothing to dispute; the answer is the same
    try:
        services.dispute_create(
            registration=registration, name=data["name"], email=data["email"], note=data["note"], actor=audit.PUBLIC
        )
    except RegistrationError:
        pass  # cancelled in the meantime: nothing to dispute any more
