"""Where state lives: SQL (SQLite or PostgreSQL) and Redis (real or fakeredis)."""

from callflow.storage.db import Database
from callflow.storage.redis import RedisStore

__all__ = ["Database", "RedisStore"]
