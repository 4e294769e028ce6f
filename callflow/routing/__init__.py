"""Routing: destinations (and, later, queues and priority policy)."""
