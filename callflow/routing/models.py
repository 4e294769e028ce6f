"""SQL tables of routing: the destination sets admins save."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


class DestinationSet(SQLModel, table=True):
    """One saved version of the whole destinations document; the highest is in force."""

    __tablename__ = "destination_set"

    version: int | None = Field(default=None, primary_key=True)
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    saved_by: str = Field(max_length=128)
    saved_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
