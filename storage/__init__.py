"""SQL storage: models, engine factory, migrations and repository functions."""
