# The invitation kinds only (Mailing.Kind choices), in a migration of their own.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_approval_and_ledger'),
    ]

    operations = [
        migrations.AlterField(
            model_name='mailing',
            name='kind',
            field=models.CharField(choices=[('confirmation', 'confirmation'), ('material', 'preparatory material'), ('reminder', 'reminder'), ('session_change', 'session change'), ('cancellation', 'cancellation'), ('custom', 'message from the organisers'), ('invitation', 'invitation to register'), ('invitation_reminder', 'reminder to register')], max_length=20, verbose_name='kind'),
        ),
    ]
