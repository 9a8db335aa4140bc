"""The conversation's own table: the database rate limiter's counts."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base


class RateBucket(Base):
    """Messages one user sent in one rate-limit window (database rate limiter)."""

    __tablename__ = "rate_limit_bucket"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
