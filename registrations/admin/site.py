"""The admin speaks for the organisers, in Bokmål: site titles, and Django's own admin strings that Django's
Bokmål catalogue lacks or gets wrong.

Our catalogue (LOCALE_PATHS) wins over Django's, so a msgid listed here and translated in
locale/nb/LC_MESSAGES/django.po replaces Django's text. They are listed in code, not only in the .po, so that
``makemessages --no-obsolete`` keeps them. The JavaScript strings of the admin (calendar, filter widget) are in
locale/nb/LC_MESSAGES/djangojs.po, written by hand: makemessages only scans our own code for the django domain.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext_lazy

admin.site.site_header = _("Workshop registration – KS and Norsk kulturskoleråd")
admin.site.site_title = _("Workshop registration")
admin.site.index_title = _("Back office")
# No navigation sidebar: at 1280-1400 px it took a quarter of the width from every list (whose columns were
# then squeezed or cut off); the home page lists every model, and the breadcrumbs lead back to it.
admin.site.enable_nav_sidebar = False

# Django 5.2 admin templates and code whose msgids the nb catalogue does not have (English on screen), and
# «Add …» whose nb translation says «ny» (wrong for neuter nouns: «ny verksted»). Looked up at run time by
# Django's templates; listed here only so that makemessages extracts them.
DJANGO_ADMIN_MESSAGES = (
    ngettext_lazy("Please correct the error below.", "Please correct the errors below.", 1),
    ngettext_lazy("entry", "entries", 1),
    gettext_noop("Add %(name)s"),
    gettext_noop("Add %s"),
    gettext_noop("Add another %(verbose_name)s"),
    gettext_noop("Add another %(model)s"),
    gettext_noop("Show counts"),
    gettext_noop("Hide counts"),
    gettext_noop("Start typing to filter…"),
    gettext_noop("Filter navigation items"),
    gettext_noop("Sidebar"),
    gettext_noop("Skip to main content"),
    gettext_noop("Breadcrumbs"),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Toggle theme (current theme: auto)"),
    gettext_noop("Toggle theme (current theme: light)"),
    gettext_noop("Toggle theme (current theme: dark)"),
    gettext_noop("Added:"),
    gettext_noop("Changed:"),
    gettext_noop("Deleted:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("View selected %(model)s"),
    gettext_noop("Select this object for an action - {}"),
    gettext_noop("Select all objects on this page for an action"),
    gettext_noop("Thanks for spending some quality time with the web site today."),
    gettext_noop("Error:"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("This action will <strong>enable</strong> password-based authentication for this user."),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("Enable password-based authentication"),
    gettext_noop("In case you’ve forgotten, you are:"),
    gettext_noop("Set password"),
    gettext_noop("Reset password"),
    gettext_noop("Enabled"),
    gettext_noop("Disabled"),
    gettext_noop("Password-based authentication"),
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop("Enter a valid domain name."),
)

# django-axes (the admin's login lock-out) ships no Norwegian catalogue: its pages in the admin, in Bokmål.
AXES_MESSAGES = (
    gettext_noop("Axes"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
)
