"""The delegations' answers to the reflection questions, for staff: a page per workshop and its exports.

Per question, every municipality's answer, with the county (as on the workshop's date: the registration's
municipality row is the one valid then) and the size of its delegation; filterable by county and by the
state of the answers. Observers may view and export (the view permission on registrations, like every
export). A fixed number of queries whatever the number of delegations.
"""

import dataclasses
import datetime

from django import forms
from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registrations.backoffice.exports import ExportFile, _stem, _write
from registrations.backoffice.spreadsheets import Table
from registrations.backoffice.views import download, staff_export_view
from registrations.models import Answer, AnswerSet, Municipality, Participant, Registration
from workshops.models import ReflectionQuestion, Workshop

# The state of a delegation's answers: those of AnswerSet, and none at all.
NOT_STARTED = "none"
STATE_LABELS = {
    AnswerSet.Status.SUBMITTED: gettext_lazy("submitted"),
    AnswerSet.Status.DRAFT: gettext_lazy("draft"),
    NOT_STARTED: gettext_lazy("no answers yet"),
}


@dataclasses.dataclass(frozen=True)
class DelegationAnswers:
    registration_id: int
    municipality_number: str
    municipality: str
    county: str
    size: int
    state: str  # AnswerSet.Status or NOT_STARTED
    submitted_at: datetime.datetime | None
    answers: dict[int, str]  # question id → text

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


@dataclasses.dataclass(frozen=True)
class QuestionAnswers:
    number: int
    question: ReflectionQuestion
    answered: list[tuple[DelegationAnswers, str]]
    unanswered: int


@dataclasses.dataclass(frozen=True)
class AnswersOverview:
    workshop: Workshop
    questions: list[ReflectionQuestion]
    delegations: list[DelegationAnswers]

    def per_question(self) -> list[QuestionAnswers]:
        result = []
        for number, question in enumerate(self.questions, start=1):
            answered = [(d, d.answers[question.pk]) for d in self.delegations if question.pk in d.answers]
            result.append(QuestionAnswers(number, question, answered, len(self.delegations) - len(answered)))
        return result


def answers_counties(*, workshop: Workshop) -> list[tuple[str, str]]:
    """(number, name) of the counties on the workshop's date, for the filter."""
    day = workshop.event_date
    rows = Municipality.objects.valid_on(day) if day else Municipality.objects.filter(valid_to__isnull=True)
    return list(rows.order_by("county_number").values_list("county_number", "county").distinct())


def answers_overview(*, workshop: Workshop, county: str = "", state: str = "") -> AnswersOverview:
    """The workshop's questions (drafts too) and the answers of its delegations that are not cancelled.

    ``county``: a county number; ``state``: submitted, draft or none. Three queries.
    """
    size = (
        Participant.objects.filter(registration=OuterRef("pk"))
        .order_by()
        .values("registration")
        .annotate(count=Count("pk"))
        .values("count")
    )
    registrations = Registration.objects.filter(workshop=workshop).exclude(status=Registration.Status.CANCELLED)
    if county:
        registrations = registrations.filter(municipality__county_number=county)
    if state == NOT_STARTED:
        registrations = registrations.filter(answer_set__isnull=True)
    elif state in AnswerSet.Status.values:
        registrations = registrations.filter(answer_set__status=state)
    rows = (
        registrations.annotate(size=Coalesce(Subquery(size, output_field=IntegerField()), 0))
        .order_by("municipality__county_number", "municipality__name", "pk")
        .values_list(
            "pk",
            "municipality__number",
            "municipality__name",
            "municipality__county",
            "size",
            "answer_set__status",
            "answer_set__submitted_at",
        )
    )
    texts: dict[int, dict[int, str]] = {}
    answers = Answer.objects.filter(answer_set__registration__in=registrations).values_list(
        "answer_set__registration_id", "question_id", "text"
    )
    for registration_id, question_id, text in answers:
        texts.setdefault(registration_id, {})[question_id] = text
    delegations = [
        DelegationAnswers(pk, number, name, county_name, size_n, status or NOT_STARTED, submitted, texts.get(pk, {}))
        for pk, number, name, county_name, size_n, status, submitted in rows
    ]
    questions = list(ReflectionQuestion.objects.filter(workshop=workshop).order_by("position", "pk"))
    return AnswersOverview(workshop=workshop, questions=questions, delegations=delegations)


def answers_table(*, overview: AnswersOverview) -> Table:
    """One row per delegation, one column per question."""
    headers = [
        _("Municipality number"),
        _("Municipality"),
        _("County"),
        _("Participants"),
        _("Answers"),
        _("Submitted"),
        *(f"{number}. {q.text}" for number, q in enumerate(overview.questions, start=1)),
    ]
    rows = (
        [
            d.municipality_number,
            d.municipality,
            d.county,
            d.size,
            capfirst(d.state_label),
            d.submitted_at,
            *(d.answers.get(q.pk, "") for q in overview.questions),
        ]
        for d in overview.delegations
    )
    widths = (12, 20, 20, 10, 14, 16, *(60 for _q in overview.questions))
    return Table(title=_("Answers"), headers=headers, rows=rows, widths=widths)


def answers_export(*, overview: AnswersOverview, fmt: str, today: datetime.date | None = None) -> ExportFile:
    """The answers as XLSX or `;` CSV, through the formula-safe writers. Reads only."""
    return _write(answers_table(overview=overview), stem=_stem("svar", overview.workshop, today=today), fmt=fmt)


class AnswersFilter(forms.Form):
    county = forms.ChoiceField(label=gettext_lazy("County"), required=False)
    state = forms.ChoiceField(
        label=gettext_lazy("Answers"),
        required=False,
        choices=[("", gettext_lazy("All")), *((value, capfirst(label)) for value, label in STATE_LABELS.items())],
    )

    def __init__(self, *args, counties: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [("", _("All counties")), *counties]

    def values(self) -> dict[str, str]:
        """The chosen county and state; an unknown value counts as no filter."""
        if not self.is_valid():
            return {"county": "", "state": ""}
        return {"county": self.cleaned_data["county"], "state": self.cleaned_data["state"]}


def _filtered(request: HttpRequest, workshop: Workshop) -> tuple[AnswersFilter, AnswersOverview]:
    form = AnswersFilter(request.GET or None, counties=answers_counties(workshop=workshop))
    return form, answers_overview(workshop=workshop, **form.values())


@staff_export_view
def answers_page(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_object_or_404(Workshop, pk=workshop_id)
    form, overview = _filtered(request, workshop)
    context = {
        **admin.site.each_context(request),
        "title": _("Answers to the reflection questions"),
        "subtitle": workshop.title,
        "workshop": workshop,
        "filter": form,
        "overview": overview,
        "per_question": overview.per_question(),
        "query": request.GET.urlencode(),
    }
    return render(request, "admin/backoffice/answers.html", context)


@staff_export_view
def answers_download(request: HttpRequest, workshop_id: int, fmt: str) -> HttpResponse:
    """The export of what the page shows: the same filters, from the query string."""
    workshop = get_object_or_404(Workshop, pk=workshop_id)
    _form, overview = _filtered(request, workshop)
    return download(answers_export(overview=overview, fmt=fmt))


def answers_panel(registration: Registration) -> str:
    """One delegation's answers on its admin page, read-only (the delegation writes them through its link)."""
    answer_set = AnswerSet.objects.filter(registration=registration).first()
    given = {a.question_id: a.text for a in answer_set.answers.all()} if answer_set else {}
    questions = ReflectionQuestion.objects.filter(workshop_id=registration.workshop_id).order_by("position", "pk")
    state = answer_set.status if answer_set else NOT_STARTED
    return render_to_string(
        "admin/backoffice/answers_panel.html",
        {
            "state": capfirst(STATE_LABELS[state]),
            "answer_set": answer_set,
            "rows": [(q, given.get(q.pk, "")) for q in questions],
        },
    )
