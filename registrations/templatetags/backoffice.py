"""Template tags of the back office: the upcoming workshops on the admin home."""

from django import template

from registrations.backoffice.overview import workshops_upcoming

register = template.Library()


@register.inclusion_tag("admin/backoffice/overview_upcoming.html", takes_context=True)
def upcoming_workshops(context):
    request = context["request"]
    allowed = request.user.has_perm("workshops.view_workshop")
    return {"workshops": workshops_upcoming() if allowed else [], "allowed": allowed}
