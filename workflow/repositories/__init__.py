"""Queries and adds. Repositories never commit: the calling service owns the transaction."""
