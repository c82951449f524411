from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Note",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=80)),
                ("body", models.TextField()),
                ("stars", models.PositiveIntegerField(default=0)),
                ("created", models.DateTimeField()),
            ],
            options={"ordering": ["created"]},
        ),
    ]
