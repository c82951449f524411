import os

from notes_app.server import serve

serve(int(os.environ.get("PORT", "8090")))
