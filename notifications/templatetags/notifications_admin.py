"""``{% mailings_awaiting_approval %}``: the scheduled mailings due within three days that nobody approved.

A template tag rather than an AdminSite subclass, so the default admin site stays as it is and any page
(today the admin home, templates/admin/index.html) can show the block.
"""

import datetime

from django import template
from django.utils import timezone

from notifications import selectors

register = template.Library()

# How far ahead the admin home warns about mailings not approved.
AWAITING_WITHIN = datetime.timedelta(days=3)


@register.inclusion_tag("admin/notifications/_awaiting_approval.html")
def mailings_awaiting_approval():
    return {"mailings": selectors.mailings_awaiting_approval(now=timezone.now(), within=AWAITING_WITHIN)}
