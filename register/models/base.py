"""Declarative base with a naming convention, so Alembic names constraints predictably."""

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, DateTime, MetaData, Table, any_, literal
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, QueryableAttribute, Session
from sqlalchemy.types import TypeDecorator

# Values per SQL IN clause: SQLite's default limit is 999 parameters, so every batched look-up
# stays under it.
IN_BATCH = 900


def one_of(
    session: Session | Connection,
    column: ColumnElement[Any] | QueryableAttribute[Any],
    values: Collection[Any],
) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(array)`, one parameter. An IN list of
    hundreds of parameters is a new query text each time: psycopg parses it again (it caches
    no query of more than 50 parameters), about 3 ms each, several times per screening."""
    bind = session if isinstance(session, Connection) else session.get_bind()
    if bind.dialect.name == "postgresql":
        return column == any_(literal(list(values), ARRAY(column.type)))
    return column.in_(values)


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def core_table(model: type[Base]) -> Table:
    """A model's table, for Core bulk inserts (declarative models type `__table__` loosely)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


def insert_rows(session: Session | Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows (no conflict expected); on PostgreSQL with COPY, about five times as fast as
    executemany, which runs one INSERT per row on the server. Every row has the same keys; the
    columns' Python-side defaults and types' bind processing apply as with insert()."""
    if not rows:
        return
    bind = session if isinstance(session, Connection) else session.get_bind()
    dialect = bind.dialect
    if dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    given = list(rows[0])
    defaulted = [
        column
        for column in table.columns
        if column.name not in rows[0] and column.default is not None
    ]
    columns = [*given, *(column.name for column in defaulted)]
    processors = [table.columns[name].type.bind_processor(dialect) for name in columns]
    if isinstance(session, Connection):
        connection = session
    else:
        session.flush()
        connection = session.connection()
    driver = connection.connection.driver_connection
    names = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
    with (
        driver.cursor() as cursor,  # type: ignore[union-attr]
        cursor.copy(
            f"COPY {dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            values = [row[name] for name in given]
            values.extend(_default(column) for column in defaulted)
            copy.write_row(
                [
                    value if process is None or value is None else process(value)
                    for value, process in zip(values, processors, strict=True)
                ]
            )


def _default(column: Any) -> Any:
    """A column's Python-side default, as insert() would compute it for a row."""
    default = column.default
    return default.arg(None) if default.is_callable else default.arg
