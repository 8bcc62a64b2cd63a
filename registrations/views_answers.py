"""The delegation's answers to the reflection questions, behind its secret link.

/registration/<access_id>/answers/: for a visitor whose session holds the delegation (registrations/access.py).
«Save draft» keeps the answers for later; «Send in» submits them (required questions answered). Editable until
the workshop starts, then shown read-only. Every rule is in registrations.services.answers.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from registrations import access, services, throttle
from registrations.errors import RegistrationError
from registrations.models import ANSWER_MAX_LENGTH, AnswerSet, Registration
from registrations.views import _contact_email
from workshops import audit

REQUIRED = _("required before sending in")


class AnswersForm(forms.Form):
    """One optional text area per question: what is required is the service's rule, and only for sending in."""

    def __init__(self, *args, questions, given: dict[int, str], locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for number, question in enumerate(questions, start=1):
            label = f"{number}. {question.text}"
            if question.required_before_workshop:
                label = f"{label} ({REQUIRED})"
            self.fields[services.answers_field(question)] = forms.CharField(
                label=label,
                help_text=question.help_text,
                required=False,
                max_length=ANSWER_MAX_LENGTH,
                initial=given.get(question.pk, ""),
                disabled=locked,
                widget=forms.Textarea(attrs={"rows": 5}),
            )

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data[services.answers_field(q)] for q in self.questions}

    def add_problems(self, error: RegistrationError) -> None:
        for problem in error.problems:
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)

    def error_summary(self) -> list[tuple[str, str | None]]:
        items: list[tuple[str, str | None]] = [(str(m), None) for m in self.non_field_errors()]
        for bound in (self[name] for name in self.fields):
            items += [(f"{bound.label}: {message}", bound.id_for_label) for message in bound.errors]
        return items


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def registration_answers(request, access_id: str):
    if not access.is_granted(request, access_id):
        return render(request, "registrations/link_needed.html", {"contact_email": _contact_email()}, status=403)
    if request.method == "POST":
        wait = throttle.answers_wait_seconds(request)
        if wait is not None:
            return throttle.too_many_requests(request, wait)
    registration = get_object_or_404(
        Registration.objects.select_related("workshop", "municipality").exclude(status=Registration.Status.CANCELLED),
        access_id=access_id,
    )
    workshop = registration.workshop
    questions = services.answers_questions(workshop=workshop)
    answer_set = AnswerSet.objects.filter(registration=registration).prefetch_related("answers").first()
    given = {a.question_id: a.text for a in answer_set.answers.all()} if answer_set else {}
    is_open = services.answers_are_open(workshop=workshop)
    form = AnswersForm(
        request.POST if request.method == "POST" and is_open else None,
        questions=questions,
        given=given,
        locked=not is_open,
    )
    if form.is_bound and form.is_valid():
        submit = "submit" in request.POST
        try:
            services.answers_save(
                registration=registration, answers=form.answers(), submit=submit, actor=audit.SELF_SERVICE
            )
        except RegistrationError as refused:
            form.add_problems(refused)
        else:
            messages.success(request, _("Your answers are sent in. Thank you!") if submit else _("The draft is saved."))
            return redirect("registrations:answers", access_id=access_id)
    locks_at = services.answers_lock_time(workshop=workshop)
    context = {
        "registration": registration,
        "workshop": workshop,
        "answer_set": answer_set,
        "form": form,
        "errors": form.error_summary() if form.is_bound else [],
        "is_open": is_open,
        "locks_at": locks_at,
        "refused_post": request.method == "POST" and not is_open,
    }
    return render(request, "registrations/answers.html", context)
