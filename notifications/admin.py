"""Staff pages for mailings, deliveries and material files.

Other apps' admins import ``DeliveryInline`` (on a registration) and ``ParticipantDeliveryInline`` (on a
participant) for a person's delivery history, and ``MaterialFileInline`` for the workshop page.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import admin_preview, services
from notifications.models import Delivery, Mailing, MaterialFile
from notifications.placeholders import SAMPLE_VALUES, placeholders_help, placeholders_render, placeholders_validate

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


class MaterialFileInline(admin.TabularInline):
    """Material files on the workshop page (WorkshopAdmin)."""

    model = MaterialFile
    fields = ("title", "file", "position")
    extra = 1


@admin.register(MaterialFile)
class MaterialFileAdmin(admin.ModelAdmin):
    list_display = ("title", "workshop", "filename", "uploaded_at")
    list_filter = ("workshop",)
    fields = ("workshop", "title", "file", "position")


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
class MailingAdmin(admin.ModelAdmin):
    form = MailingForm
    list_display = ("__str__", "workshop", "kind", "scheduled_for", "released_at", "pending", "sent", "failed")
    list_filter = ("workshop", "kind")
    list_select_related = ("workshop", "session", "registration__municipality")
    date_hierarchy = "scheduled_for"
    actions = ["send_now", "send_test_to_me", "retry_failed"]
    search_fields = ("subject", "registration__municipality__name")

    def get_queryset(self, request):
        counts = {
            f"n_{status}": Count("deliveries", filter=Q(deliveries__status=status))
            for status in (Delivery.Status.PENDING, Delivery.Status.SENT, Delivery.Status.FAILED)
        }
        return super().get_queryset(request).annotate(**counts)

    @admin.display(description=_("pending"), ordering="n_pending")
    def pending(self, mailing):
        return mailing.n_pending

    @admin.display(description=_("sent"), ordering="n_sent")
    def sent(self, mailing):
        return mailing.n_sent

    @admin.display(description=_("failed"), ordering="n_failed")
    def failed(self, mailing):
        return mailing.n_failed

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
        if not change:
            obj.kind = Mailing.Kind.CUSTOM
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("deliveries"))
    def delivery_counts(self, mailing):
        url = reverse("admin:notifications_delivery_changelist") + f"?mailing__id__exact={mailing.pk}"
        counts = mailing.deliveries.values("status").order_by().annotate(n=Count("pk"))
        text = ", ".join(f"{Delivery.Status(row['status']).label}: {row['n']}" for row in counts) or "–"
        return format_html('<a href="{}">{}</a>', url, text)

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

    @admin.action(description=_("Send now to every recipient"))
    def send_now(self, request, queryset):
        total = 0
        for mailing in queryset:
            if mailing.is_about_registration:
                continue
            total += len(services.mailing_send_now(mailing=mailing, now=timezone.now()))
        self.message_user(request, ngettext("%d email queued.", "%d emails queued.", total) % total)

    @admin.action(description=_("Send a test to me"))
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

    @admin.action(description=_("Retry failed deliveries"))
    def retry_failed(self, request, queryset):
        ids = services.deliveries_retry(deliveries=Delivery.objects.filter(mailing__in=queryset))
        self.message_user(
            request, ngettext("%d delivery queued again.", "%d deliveries queued again.", len(ids)) % len(ids)
        )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("email", "mailing", "status", "attempts", "sent_at", "next_attempt_at", "short_error")
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

    @admin.display(description=_("last error"))
    def short_error(self, delivery):
        return (delivery.last_error[:80] + "…") if len(delivery.last_error) > 80 else delivery.last_error

    @admin.action(description=_("Retry (failed or not sent)"))
    def retry(self, request, queryset):
        ids = services.deliveries_retry(deliveries=queryset)
        self.message_user(
            request, ngettext("%d delivery queued again.", "%d deliveries queued again.", len(ids)) % len(ids)
        )
