"""Staff pages for mailings, deliveries and material files.

Other apps' admins import ``DeliveryInline`` (on a registration) and ``ParticipantDeliveryInline`` (on a
participant) for a person's delivery history, ``MaterialDownloadInline`` (on a registration) for the material
its participants opened, and ``MaterialFileInline`` for the workshop page.

Mailings and deliveries are history: nobody deletes them here. Every action that sends needs the
"send_mailing" permission (``permissions=["send"]``): a view-only user neither sees nor can post them.
"""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import admin_approval, admin_preview, selectors, services
from notifications.admin_filters import MailingGroupFilter
from notifications.models import Delivery, LedgerEntry, Mailing, MaterialDownload, MaterialFile
from notifications.placeholders import SAMPLE_VALUES, placeholders_help, placeholders_render, placeholders_validate
from workshops.audit import Actor
from workshops.formatting import title_cut


class _SendPermission:
    """``permissions=["send"]`` on an action: only staff allowed to send and approve mailings."""

    def has_send_permission(self, request) -> bool:
        return request.user.has_perm("notifications.send_mailing")

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what was sent to whom


def _material_sent(workshop_id) -> bool:
    """Whether the workshop's material went to anyone (the ledger outlives any row)."""
    return LedgerEntry.objects.filter(
        key=Mailing(kind=Mailing.Kind.MATERIAL, workshop_id=workshop_id).ledger_key
    ).exists()


_DELIVERY_FIELDS = ("mailing", "email", "status", "attempts", "sent_at", "last_error", "message_id")


class _DeliveryHistory(admin.TabularInline):
    model = Delivery
    fields = _DELIVERY_FIELDS
    readonly_fields = _DELIVERY_FIELDS
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ("-created_at", "-pk")
    verbose_name_plural = _("emails")

    def has_add_permission(self, request, obj=None):
        return False


class DeliveryInline(_DeliveryHistory):
    """The emails sent to a delegation (contact person and participants), for RegistrationAdmin."""

    fk_name = "registration"


class ParticipantDeliveryInline(_DeliveryHistory):
    """The emails sent to one participant, for ParticipantAdmin."""

    fk_name = "participant"


class MaterialDownloadInline(admin.TabularInline):
    """Which material files each participant of a delegation opened, and when (for RegistrationAdmin)."""

    model = MaterialDownload
    fk_name = "registration"
    fields = ("participant", "material_file", "downloaded_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("-downloaded_at", "-pk")
    verbose_name_plural = _("material opened")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("participant", "material_file")

    def has_add_permission(self, request, obj=None):
        return False


class _PlainFileInput(forms.ClearableFileInput):
    """The upload box without Django's «Currently: <link>»: that link is MEDIA_URL, which is not served.
    The staff's download link is the «download» column (notifications.views.material_file_staff)."""

    template_name = "django/forms/widgets/file.html"


_FILE_WIDGET = {models.FileField: {"widget": _PlainFileInput}}


@admin.display(description=_("download"))
def _staff_download(_model_admin, item: MaterialFile) -> str:
    if item is None or not item.pk:
        return "–"
    url = reverse("notifications:material_file_staff", args=[item.pk])
    return format_html('<a href="{}">{}</a>', url, item.filename)


class MaterialFileInline(admin.TabularInline):
    """Material files on the workshop page (WorkshopAdmin). Deletable until the material went to someone:
    from then on sent emails link to them."""

    model = MaterialFile
    fields = ("title", "file", "download", "position")
    readonly_fields = ("download",)
    formfield_overrides = _FILE_WIDGET
    extra = 1
    download = _staff_download

    def has_delete_permission(self, request, obj=None):
        if obj is not None and _material_sent(obj.pk):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(MaterialFile)
class MaterialFileAdmin(admin.ModelAdmin):
    list_display = ("title", "workshop", "filename", "uploaded_at", "opened_by")
    list_filter = ("workshop",)
    list_select_related = ("workshop",)
    fields = ("workshop", "title", "file", "download", "position", "opened_by")
    readonly_fields = ("download", "opened_by")
    formfield_overrides = _FILE_WIDGET
    download = _staff_download

    def get_queryset(self, request):
        # distinct=True: three counts through the same join would otherwise multiply each other.
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_downloads=Count("downloads", distinct=True),
                n_delegations=Count("downloads__registration", distinct=True),
                n_participants=Count("downloads__participant", distinct=True),
            )
        )

    @admin.display(description=_("opened by"), ordering="n_delegations")
    def opened_by(self, item: MaterialFile) -> str:
        if item is None or not item.pk or not getattr(item, "n_downloads", 0):
            return _("nobody yet")
        row = {"delegations": item.n_delegations, "participants": item.n_participants, "downloads": item.n_downloads}
        return _("%(delegations)d delegations, %(participants)d participants (%(downloads)d downloads)") % row

    def has_delete_permission(self, request, obj=None):
        # Sent emails link to the files (and the list's bulk delete cannot tell): deletable one by one only
        # while the workshop's material has gone to nobody.
        if obj is None or _material_sent(obj.workshop_id):
            return False
        return super().has_delete_permission(request, obj)


class MailingForm(forms.ModelForm):
    class Meta:
        model = Mailing
        fields = ("workshop", "session", "subject", "body", "scheduled_for")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "body" in self.fields:
            self.fields["body"].help_text = _("Placeholders: %(list)s.") % {"list": placeholders_help()}

    def clean_subject(self):
        subject = self.cleaned_data.get("subject", "")
        placeholders_validate(subject)
        return subject

    def clean_body(self):
        body = self.cleaned_data.get("body", "")
        placeholders_validate(body)
        return body

    def clean(self):
        data = super().clean()
        kind = self.instance.kind or Mailing.Kind.CUSTOM
        session, workshop = data.get("session"), data.get("workshop") or getattr(self.instance, "workshop", None)
        if session and workshop and session.workshop_id != workshop.pk:
            self.add_error("session", _("The session belongs to another workshop."))
        if kind == Mailing.Kind.CUSTOM:
            for name in ("subject", "body"):
                if name in self.fields and not data.get(name):
                    self.add_error(name, _("A message from the organisers needs a subject and a message."))
        return data


@admin.register(Mailing)
class MailingAdmin(_SendPermission, admin.ModelAdmin):
    form = MailingForm
    list_display = (
        "__str__",
        "workshop_title",
        "kind",
        "scheduled_for",
        "approval",
        "released_at",
        "pending",
        "sent",
        "failed",
    )
    # Workshop mailings by default; a delegation's own emails one click away (MailingGroupFilter).
    list_filter = (MailingGroupFilter, "workshop", "kind")
    list_select_related = ("workshop", "session", "registration__municipality", "approved_by")
    date_hierarchy = "scheduled_for"
    actions = ["approve", "withdraw_approval", "send_now", "send_test_to_me", "retry_failed"]
    search_fields = ("subject", "registration__municipality__name")

    def get_queryset(self, request):
        counts = {
            f"n_{status}": Count("deliveries", filter=Q(deliveries__status=status))
            for status in (Delivery.Status.PENDING, Delivery.Status.SENT, Delivery.Status.FAILED)
        }
        return super().get_queryset(request).annotate(**counts)

    @admin.display(description=_("workshop"), ordering="workshop__title")
    def workshop_title(self, mailing):
        return title_cut(mailing.workshop.title)

    @admin.display(description=_("pending"), ordering="n_pending")
    def pending(self, mailing):
        return mailing.n_pending

    @admin.display(description=_("sent"), ordering="n_sent")
    def sent(self, mailing):
        return mailing.n_sent

    @admin.display(description=_("failed"), ordering="n_failed")
    def failed(self, mailing):
        return mailing.n_failed

    @admin.display(description=_("approval"), ordering="approved_at")
    def approval(self, mailing):
        if not mailing.is_scheduled_kind:
            return "–"
        if mailing.approved_at is None:
            return _("awaiting approval")
        return _("approved by %(user)s") % {"user": mailing.approved_by or "–"}

    def get_urls(self):
        approve = self.admin_site.admin_view(self.approval_view)
        return [path("<path:object_id>/approve/", approve, name="notifications_mailing_approve"), *super().get_urls()]

    def approval_view(self, request, object_id):
        return admin_approval.approval_view(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        mailing = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if mailing is not None and mailing.is_scheduled_kind and self.has_send_permission(request):
            extra_context["approval_url"] = reverse("admin:notifications_mailing_approve", args=[mailing.pk])
        try:
            return super().change_view(request, object_id, form_url, extra_context)
        except services.MailingError as exc:  # it went out while staff were editing it
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.path)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("workshop", "session", "subject", "body", "placeholder_preview")
        return (
            "workshop",
            "kind",
            "session",
            "registration",
            "days_before",
            "subject",
            "body",
            "scheduled_for",
            "approved_at",
            "approved_by",
            "checklist",
            "released_at",
            "delivery_counts",
            "placeholder_preview",
            "preview",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("placeholder_preview",)
        locked = [
            "workshop",
            "kind",
            "session",
            "registration",
            "days_before",
            "scheduled_for",
            "approved_at",
            "approved_by",
            "checklist",
            "released_at",
            "delivery_counts",
            "placeholder_preview",
            "preview",
        ]
        if obj.is_about_registration or obj.released_at is not None:
            locked += ["subject", "body"]  # sent already: what was sent stays on record
        elif obj.kind != Mailing.Kind.CUSTOM:
            locked += ["subject"]  # the material and reminders have their own subject; staff add a message
        return locked

    def save_model(self, request, obj, form, change):
        if change:
            # Only the text of a mailing not sent yet is editable (get_readonly_fields); the service records
            # the edit with the values before and after.
            services.mailing_update(
                mailing=obj,
                actor=Actor.staff(request.user),
                subject=form.cleaned_data["subject"] if "subject" in form.fields else None,
                body=form.cleaned_data["body"] if "body" in form.fields else None,
            )
            return
        created = services.mailing_create_custom(
            workshop=obj.workshop,
            session=obj.session,
            subject=obj.subject,
            body=obj.body,
            actor=Actor.staff(request.user),
        )
        # The admin goes on with `obj` (its log entry, the redirect): make it the row the service wrote.
        for field in Mailing._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False

    @admin.display(description=_("deliveries"))
    def delivery_counts(self, mailing):
        url = reverse("admin:notifications_delivery_changelist") + f"?mailing__id__exact={mailing.pk}"
        counts = selectors.mailing_counts(mailing=mailing)
        text = ", ".join(f"{Delivery.Status(status).label}: {n}" for status, n in counts.items() if n) or "–"
        return format_html('<a href="{}">{}</a>', url, text)

    @admin.display(description=_("checklist"))
    def checklist(self, mailing):
        if not mailing.is_scheduled_kind:
            return "–"
        gaps = selectors.mailing_checklist(mailing=mailing)
        if not gaps:
            return _("Complete.")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((gap.message,) for gap in gaps)))

    @admin.display(description=_("text with sample values"))
    def placeholder_preview(self, mailing):
        if mailing is None or not (mailing.subject or mailing.body):
            return _("Save to see the text with sample values: %(values)s") % {
                "values": ", ".join(f"{{{k}}} = {v}" for k, v in SAMPLE_VALUES.items())
            }
        return format_html(
            "<strong>{}</strong><pre style='white-space:pre-wrap'>{}</pre>",
            placeholders_render(mailing.subject, SAMPLE_VALUES),
            placeholders_render(mailing.body, SAMPLE_VALUES),
        )

    @admin.display(description=_("preview"))
    def preview(self, mailing):
        return admin_preview.preview_html(mailing)

    # --- Actions ------------------------------------------------------------------------------

    @admin.action(description=_("Approve (shows what is missing)…"), permissions=["send"])
    def approve(self, request, queryset):
        return admin_approval.approval_page(self, request, list(queryset), action="approve")

    @admin.action(description=_("Withdraw approval"), permissions=["send"])
    def withdraw_approval(self, request, queryset):
        for mailing in queryset.filter(approved_at__isnull=False, kind__in=Mailing.SCHEDULED_KINDS):
            try:
                services.mailing_approval_withdraw(mailing=mailing, actor=Actor.staff(request.user))
            except services.MailingError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, _("Approval of «%(mailing)s» withdrawn.") % {"mailing": mailing})

    @admin.action(description=_("Send now to every recipient"), permissions=["send"])
    def send_now(self, request, queryset):
        total = 0
        for mailing in queryset:
            if mailing.is_about_registration:
                continue
            try:
                ids = services.mailing_send_now(mailing=mailing, actor=Actor.staff(request.user), now=timezone.now())
            except services.MailingError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            total += len(ids)
        self.message_user(request, ngettext("%d email queued.", "%d emails queued.", total) % total)

    @admin.action(description=_("Send a test to me"), permissions=["send"])
    def send_test_to_me(self, request, queryset):
        if not request.user.email:
            self.message_user(request, _("Your user has no email address."), messages.ERROR)
            return
        for mailing in queryset:
            error = admin_preview.send_test(
                mailing=mailing,
                email=request.user.email,
                name=request.user.get_full_name() or request.user.get_username(),
            )
            if error:
                self.message_user(request, f"{mailing}: {error}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Test of «%(mailing)s» sent to %(email)s.") % {"mailing": mailing, "email": request.user.email},
                )

    @admin.action(description=_("Retry failed deliveries"), permissions=["send"])
    def retry_failed(self, request, queryset):
        ids = services.deliveries_retry(
            deliveries=Delivery.objects.filter(mailing__in=queryset), actor=Actor.staff(request.user)
        )
        self.message_user(
            request, ngettext("%d delivery queued again.", "%d deliveries queued again.", len(ids)) % len(ids)
        )


@admin.register(Delivery)
class DeliveryAdmin(_SendPermission, admin.ModelAdmin):
    list_display = ("email", "mailing", "status", "attempts", "sent_at", "next_attempt", "short_error")
    list_filter = ("status", "mailing__kind", "mailing__workshop")
    list_select_related = ("mailing__workshop", "mailing__session", "mailing__registration__municipality")
    search_fields = ("email", "name", "message_id", "registration__municipality__name")
    readonly_fields = (
        "mailing",
        "email",
        "name",
        "registration",
        "participant",
        "language",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "message_id",
        "created_at",
    )
    fields = readonly_fields
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("next attempt"), ordering="next_attempt_at")
    def next_attempt(self, delivery):
        # Only a waiting email has one: on a sent row the time it was due only looked like a retry to come.
        return delivery.next_attempt_at if delivery.status == Delivery.Status.PENDING else "–"

    @admin.display(description=_("last error"))
    def short_error(self, delivery):
        return (delivery.last_error[:80] + "…") if len(delivery.last_error) > 80 else delivery.last_error

    @admin.action(description=_("Retry (failed or not sent)"), permissions=["send"])
    def retry(self, request, queryset):
        ids = services.deliveries_retry(deliveries=queryset, actor=Actor.staff(request.user))
        self.message_user(
            request, ngettext("%d delivery queued again.", "%d deliveries queued again.", len(ids)) % len(ids)
        )
