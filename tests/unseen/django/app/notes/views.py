import datetime

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from .forms import NoteForm
from .models import Note

# Fixed dates keep the answers the same from one run to the next.
FIXED = datetime.datetime(2026, 3, 14, 15, 9, 26, tzinfo=datetime.timezone.utc)


def index(request):
    return render(request, "notes/index.html", {"notes": Note.objects.all(), "today": FIXED})


def about(request):
    return render(request, "notes/about.html", {"today": FIXED})


def detail(request, pk):
    return render(request, "notes/detail.html", {"note": get_object_or_404(Note, pk=pk)})


@csrf_exempt
def new_note(request):
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.save(commit=False)
        note.created = FIXED
        note.save()
        return JsonResponse({"id": note.pk, "title": note.title})
    return render(request, "notes/new.html", {"form": form}, status=400 if request.method == "POST" else 200)


def api_notes(request):
    notes = [{"id": n.pk, "title": n.title, "stars": n.stars, "created": n.created.isoformat()} for n in Note.objects.all()]
    return JsonResponse({"count": len(notes), "notes": notes})


def api_stats(request):
    from django.core import signing
    from django.db.models import Avg, Count, Max
    from django.utils.text import slugify

    agg = Note.objects.aggregate(n=Count("id"), avg=Avg("stars"), best=Max("stars"))
    return JsonResponse({
        "stats": agg,
        "slugs": [slugify(n.title) for n in Note.objects.all()],
        "signed": signing.Signer(salt="pare").sign(str(agg["n"])),
        "local": timezone.localtime(FIXED).isoformat(),
    })


def french(request):
    from django.utils import formats, translation
    from django.utils.translation import gettext

    with translation.override("fr"):
        return JsonResponse({
            "date": formats.date_format(FIXED, "l j F Y"),
            "number": formats.number_format(1234567.891, 2, use_l10n=True, force_grouping=True),
            "required": gettext("This field is required."),
            "login": gettext("Log in"),
        })
