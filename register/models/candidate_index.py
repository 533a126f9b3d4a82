"""The stored candidate index: the names of award suppliers and of declared organisations, the
blocks of company officers' names, and the keys that find them (register.candidate_index keeps
it; register.matching.index and register.matching.people define the keys, as the in-memory
engine uses them).

It lives in the database so that every worker and server screens against the same index the
moment a transaction commits: none holds one in memory.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from register.models.base import Base

SUPPLIER_SIDE = "supplier"  # names of award suppliers (of awards that are not another's copy)
DECLARED_SIDE = "declared"  # names of organisations in officials' latest submitted versions


class ScreeningName(Base):
    """One distinct raw name on one side of the index, as the engine compares it."""

    __tablename__ = "screening_name"
    __table_args__ = (UniqueConstraint("side", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    side: Mapped[str] = mapped_column(String(10))
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the name
    name: Mapped[str] = mapped_column(Text)
    # JSON: the outline of each of its names (register.matching.names.Outline), which rules
    # most candidates out without analysing them again.
    outlines: Mapped[str] = mapped_column(Text)


class ScreeningNameKey(Base):
    """A key ("c:" written alike, "t:" distinctive word) that finds a name."""

    __tablename__ = "screening_name_key"

    side: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(600), primary_key=True)
    name_id: Mapped[int] = mapped_column(
        ForeignKey("screening_name.id", ondelete="CASCADE"), primary_key=True
    )


class ScreeningWordKey(Base):
    """A key ("w:" itself, "d:" a deletion, "s:" a segment) that finds a distinctive word of
    an indexed name: the neighbourhoods of the vocabulary, shared by both sides."""

    __tablename__ = "screening_word_key"

    key: Mapped[str] = mapped_column(String(600), primary_key=True)
    word: Mapped[str] = mapped_column(String(600), primary_key=True)


class SupplierIdentifierKey(Base):
    """An award supplier's identifier in the register's one form ("GB-COH:01234567")."""

    __tablename__ = "supplier_identifier_key"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    award_supplier_id: Mapped[int] = mapped_column(
        ForeignKey("award_supplier.id", ondelete="CASCADE"), primary_key=True
    )


class DeclaredOrganisation(Base):
    """One organisation of an official's latest submitted version (an interest's own, or an
    associate's other one), as screening reads it."""

    __tablename__ = "declared_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("declaration_version.id"), index=True)
    interest_id: Mapped[int] = mapped_column(Integer)
    source_key: Mapped[str] = mapped_column(String(20))
    name_id: Mapped[int] = mapped_column(ForeignKey("screening_name.id"), index=True)


class DeclaredIdentifierKey(Base):
    """A declared organisation's identifier in the register's one form."""

    __tablename__ = "declared_identifier_key"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    declared_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("declared_organisation.id", ondelete="CASCADE"), primary_key=True
    )


class OfficerNameKey(Base):
    """A block a company officer's (or PSC's) name is found under by the officials who may be
    that person (register.matching.people.written_name_keys)."""

    __tablename__ = "officer_name_key"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    officer_id: Mapped[int] = mapped_column(
        ForeignKey("company_officer.id", ondelete="CASCADE"), primary_key=True
    )


Index("ix_officer_name_key_officer", OfficerNameKey.officer_id)
# The key too, so that a candidate's signature is read from the index alone (migration 0024).
Index("ix_screening_name_key_name_key", ScreeningNameKey.name_id, ScreeningNameKey.key)
Index("ix_supplier_identifier_key_supplier", SupplierIdentifierKey.award_supplier_id)
Index("ix_declared_identifier_key_organisation", DeclaredIdentifierKey.declared_organisation_id)
