"""callflow."""
