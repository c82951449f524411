"""notes_app: the fat-dev sample's small web app."""
