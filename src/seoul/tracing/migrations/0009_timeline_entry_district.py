import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tracing", "0008_mass_text_stop_token")]

    operations = [
        migrations.AddField(
            model_name="timelineentry",
            name="district",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="the place's district; empty outside Seoul",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(24),
                ],
            ),
        ),
    ]
