"""Storage: every table ols keeps (`tables`), the database they live in (`database`: SQLite
for one process, PostgreSQL where several replicas share state), the schema's migrations
(`migrate`, `migrations/`), its settings, and the conversation and feedback store. Every
query is scoped to a user."""
