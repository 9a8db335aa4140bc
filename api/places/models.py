"""Place tables: provinces and communes (xã, phường, đặc khu), loaded from seeds/places."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base


class Province(Base):
    """A province or centrally governed city ("Tỉnh Hà Tĩnh", "Thành phố Hà Nội")."""

    __tablename__ = "place_province"

    # Official two-digit code, e.g. "42".
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    # Short name without the kind, e.g. "Hà Tĩnh", "Hà Nội".
    name: Mapped[str] = mapped_column(String(80))
    # Name with the kind, e.g. "Tỉnh Hà Tĩnh", "Thành phố Hà Nội".
    full_name: Mapped[str] = mapped_column(String(120))
    # The short name folded (lower case, no diacritics), e.g. "ha tinh".
    folded: Mapped[str] = mapped_column(String(120))


class Commune(Base):
    """A commune-level unit: xã, phường or đặc khu."""

    __tablename__ = "place_commune"

    # Official five-digit code, e.g. "18073".
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    province_code: Mapped[str] = mapped_column(
        String(8), ForeignKey("place_province.code"), index=True
    )
    # Name with the kind, e.g. "Phường Thành Sen".
    name: Mapped[str] = mapped_column(String(120))
    # Name without the kind, e.g. "Thành Sen".
    short_name: Mapped[str] = mapped_column(String(120))
    # The short name folded, e.g. "thanh sen".
    folded: Mapped[str] = mapped_column(String(120))
