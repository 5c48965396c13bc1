"""An example of a team's own app: a model, its migration, reference rows (seeds.py), admin
and tests beside it (tests.py). Copy its shape for app/<name>/ (README "Your own apps")."""
