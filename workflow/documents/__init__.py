"""Uploaded documents: what a file really is (content), its display name (names), where it is
kept (storage)."""
