"""careplans."""
