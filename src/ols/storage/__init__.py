"""Storage: conversations and feedback in a SQL database (SQLite by default, PostgreSQL
where several replicas share state), through SQLAlchemy. Every query is scoped to a user."""
