"""The two staff roles, as Django groups: Arrangør (organisers) and Observatør (observers).

Organisers run the event: they add, change and view workshops, sessions, registrations, participants,
mailings and material files, view deliveries, the log of who did what and the municipalities, and hold every
custom permission of our apps (sending or approving a mailing, for instance). Observers view everything and
change nothing; exports ask for ``view_registration``, so observers may export. Nobody is given delete: the
admin cancels instead (the one exception: organisers may delete a reflection question nobody has answered).
Superusers are for set-up only.

The definition here is the truth: :func:`staff_groups_ensure` sets each group's permissions to exactly this,
after every ``migrate`` (a post_migrate receiver) and from ``manage.py ensure_staff_groups``, so a permission
added later by another app's migration is picked up, and a hand-made change to these two groups is undone.
"""

from django.apps import apps as global_apps

ORGANISERS = "Arrangør"
OBSERVERS = "Observatør"

OUR_APPS = ("workshops", "registrations", "notifications")
ORGANISERS_MANAGE = (
    ("workshops", "workshop"),
    ("workshops", "session"),
    ("workshops", "reflectionquestion"),
    ("registrations", "registration"),
    ("registrations", "participant"),
    ("notifications", "mailing"),
    ("notifications", "materialfile"),
    ("registrations", "municipalcontact"),
)
ORGANISERS_VIEW = (
    ("workshops", "actionlog"),
    ("registrations", "municipality"),
    ("notifications", "delivery"),
    ("notifications", "materialdownload"),
    ("registrations", "answerset"),
    ("registrations", "answer"),
)
# The one delete organisers have: a question nobody has answered yet (answered ones are protected).
ORGANISERS_DELETE = (("workshops", "reflectionquestion"),)
DEFAULT_ACTIONS = ("add", "change", "delete", "view")


def _is_custom(codename: str) -> bool:
    return not codename.startswith(tuple(f"{action}_" for action in DEFAULT_ACTIONS))


def staff_groups_permissions(*, apps=global_apps) -> dict[str, list]:
    """{group name: [Permission, …]} as the roles define them, from the permissions that exist now."""
    permission_model = apps.get_model("auth", "Permission")
    ours = list(permission_model.objects.filter(content_type__app_label__in=OUR_APPS).select_related("content_type"))

    def key(permission) -> tuple[str, str]:
        return (permission.content_type.app_label, permission.content_type.model)

    organisers = [
        p
        for p in ours
        if (key(p) in ORGANISERS_MANAGE and not p.codename.startswith("delete_"))
        or (key(p) in ORGANISERS_DELETE and p.codename.startswith("delete_"))
        or (key(p) in ORGANISERS_VIEW and p.codename.startswith("view_"))
        or _is_custom(p.codename)
    ]
    observers = [p for p in ours if p.codename.startswith("view_")]
    return {ORGANISERS: organisers, OBSERVERS: observers}


def staff_groups_ensure(*, apps=global_apps) -> None:
    """Create the two groups if missing and set their permissions to the definition above (idempotent).

    Side effects: Group rows created; the groups' permission rows replaced where they differ.
    """
    group_model = apps.get_model("auth", "Group")
    for name, permissions in staff_groups_permissions(apps=apps).items():
        group, _created = group_model.objects.get_or_create(name=name)
        group.permissions.set(permissions)


def staff_groups_after_migrate(sender, apps=global_apps, **kwargs) -> None:
    """post_migrate receiver: once the last app's permissions exist (they are created per app, in order)."""
    with_models = [config for config in global_apps.get_app_configs() if config.models_module is not None]
    if sender.label == with_models[-1].label:
        staff_groups_ensure(apps=apps)
