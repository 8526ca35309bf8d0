from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tracing", "0010_case_vaccination_complete")]

    operations = [
        migrations.AlterField(
            model_name="person",
            name="language",
            field=models.CharField(
                choices=[("ko", "한국어"), ("en", "English"), ("zh-hans", "中文(简体)"), ("vi", "Tiếng Việt")],
                default="ko",
                max_length=8,
            ),
        ),
    ]
