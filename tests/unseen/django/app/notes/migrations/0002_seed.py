import datetime

from django.db import migrations

SEED = [
    ("Einkaufsliste", "Milch, Brot, Käse und ein sehr langer Text über Äpfel und Birnen", 3, (2025, 12, 24, 18, 30)),
    ("Urlaub", "Nach Paris im Frühling", 5, (2026, 1, 2, 8, 0)),
    ("Rechnung", "Bis Freitag bezahlen", 1, (2026, 2, 28, 23, 59)),
]


def seed(apps, schema_editor):
    Note = apps.get_model("notes", "Note")
    for title, body, stars, when in SEED:
        Note.objects.create(title=title, body=body, stars=stars,
                            created=datetime.datetime(*when, tzinfo=datetime.timezone.utc))


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
