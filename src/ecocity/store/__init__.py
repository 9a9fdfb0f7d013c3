"""Storage: SQLAlchemy models, migrations, queries and the data version."""
