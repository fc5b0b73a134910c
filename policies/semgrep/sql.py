# Examples for sql.yaml: lines marked ruleid must match, lines marked ok must not (semgrep --test).
import sqlite3

from django.db import connection

import sqlalchemy
from sqlalchemy import text

TABLE = "users"


def fstring(conn: sqlite3.Connection, name: str):
    # ruleid: gate.sql-built-from-strings
    return conn.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall()


def fstring_variable(conn, name):
    query = f"SELECT name, email FROM users WHERE name = '{name}'"
    # ruleid: gate.sql-built-from-strings
    return conn.execute(query).fetchall()


def format_call(cursor, user_id):
    # ruleid: gate.sql-built-from-strings
    cursor.execute("SELECT * FROM users WHERE id = {}".format(user_id))


def percent(cursor, user_id):
    # ruleid: gate.sql-built-from-strings
    cursor.executemany("DELETE FROM users WHERE id = %s" % user_id, [])


def concatenation(cursor, email):
    sql = "SELECT * FROM users WHERE email = '" + email + "'"
    # ruleid: gate.sql-built-from-strings
    cursor.execute(sql)


def augmented(cursor, order):
    sql = "SELECT * FROM users"
    sql += " ORDER BY " + order
    # ruleid: gate.sql-built-from-strings
    cursor.execute(sql)


def keyword_argument(session, name):
    # ruleid: gate.sql-built-from-strings
    session.exec_driver_sql(statement=f"DELETE FROM t WHERE n = '{name}'")


async def asyncpg_fetch(pool, name):
    # ruleid: gate.sql-built-from-strings
    return await pool.fetch(f"SELECT * FROM users WHERE name = '{name}'")


def text_fstring(session, name):
    # ruleid: gate.sql-text-built-from-strings
    return session.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))


def text_module(session, user_id):
    stmt = "SELECT * FROM users WHERE id = " + str(user_id)
    # ruleid: gate.sql-text-built-from-strings
    return session.execute(sqlalchemy.text(stmt))


def parameterised(conn, name):
    # ok: gate.sql-built-from-strings
    return conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchall()


def parameterised_like(conn, name):
    # ok: gate.sql-built-from-strings
    return conn.execute("SELECT * FROM users WHERE name LIKE ?", (f"%{name}%",)).fetchall()


def parameterised_text(session, name):
    # ok: gate.sql-text-built-from-strings
    return session.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})


def optional_filter(conn, author):
    sql = "SELECT * FROM books"
    params = []
    if author is not None:
        sql += " WHERE author = ?"
        params.append(author)
    # ok: gate.sql-built-from-strings
    return conn.execute(sql + " ORDER BY id", params).fetchall()


def constant_pieces(cursor):
    # ok: gate.sql-built-from-strings
    cursor.execute("SELECT * FROM users " + "ORDER BY id")


def constant_table(cursor):
    # ok: gate.sql-built-from-strings
    cursor.execute(f"SELECT * FROM {TABLE}")


def in_list(conn, ids):
    marks = ",".join(["?"] * len(ids))
    # ok: gate.sql-built-from-strings
    return conn.execute(f"SELECT * FROM users WHERE id IN ({marks})", ids).fetchall()


def in_list_concatenated(conn, ids):
    marks = ", ".join("?" for _ in ids)
    # ok: gate.sql-built-from-strings
    return conn.execute("SELECT * FROM users WHERE id IN (" + marks + ")", ids).fetchall()


def in_list_with_column(conn, ids, column):
    marks = ",".join(["?"] * len(ids))
    # ruleid: gate.sql-built-from-strings
    return conn.execute(f"SELECT {column} FROM users WHERE id IN ({marks})", ids).fetchall()


def not_a_query(logger, name):
    message = f"looking up {name}"
    # ok: gate.sql-built-from-strings
    logger.info(message)


def migration_ddl(cursor):
    # Names from literals only: nothing a caller chooses reaches the query.
    for table in ("a_tags", "a_items"):
        # ok: gate.sql-built-from-strings
        cursor.execute(f"DROP TABLE {table}")


def migration_ddl_from_a_parameter(cursor, table):
    # ruleid: gate.sql-built-from-strings
    cursor.execute(f"DROP TABLE {table}")


def flask_view():
    import flask

    name = flask.request.args["name"]
    cursor = flask.g.db.cursor()
    # ruleid: gate.sql-built-from-strings
    cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")


def django_view(request):
    order = request.GET.get("order", "id")
    with connection.cursor() as cursor:
        # ruleid: gate.sql-built-from-strings
        cursor.execute("SELECT * FROM books ORDER BY %s" % order)


def placeholders_percent(cursor, user_id):
    # ok: gate.sql-built-from-strings
    cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))


def placeholders_named(cursor, user_id):
    # ok: gate.sql-built-from-strings
    cursor.execute("SELECT * FROM users WHERE id = %(id)s", {"id": user_id})


def passes_a_whole_query_through(cursor, sql, params):
    # ok: gate.sql-built-from-strings
    return cursor.execute(sql, params)


def number_from_a_parameter(cursor, limit):
    # ok: gate.sql-built-from-strings
    cursor.execute(f"SELECT * FROM users LIMIT {int(limit)}")


def quoted_identifier(cursor, connection, table):
    # ok: gate.sql-built-from-strings
    cursor.execute(f"TRUNCATE {connection.ops.quote_name(table)}")


def built_from_attributes_of_self(self, cursor):
    # ok: gate.sql-built-from-strings
    cursor.execute(f"SELECT * FROM {self.table_name}")


def text_bound(session, name):
    stmt = text("SELECT * FROM users WHERE name = :name").bindparams(name=name)
    # ok: gate.sql-text-built-from-strings
    return session.execute(stmt)


def text_constant_pieces(session):
    columns = ", ".join(["id", "name"])
    # ok: gate.sql-text-built-from-strings
    return session.execute(text(f"SELECT {columns} FROM users"))


def not_a_query_call(logger, name):
    # ok: gate.sql-built-from-strings
    logger.execute_later(f"looking up {name}")
