"""`Authorization: Token …` read in one query: the user, their role groups and the token's age.

DRF's TokenAuthentication needs one query for the token and its user, and the role checks in
services.py another for the user's groups. Every API request authenticates, so this class reads
both at once with one SQL statement, built once per process (identifiers from the models'
metadata, values as parameters), and loads the user from that row as the ORM would (`from_db`),
at half the cost of a raw queryset. The answers are DRF's: 401 for an unknown key or an inactive user,
and 401 "Token has expired." for a token older than FACTCHECK_TOKEN_TTL_HOURS (services.token_is_expired).
"""

from datetime import datetime
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, models
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from .. import services

ROLE_GROUPS = (services.REVIEWERS_GROUP, services.EDITORS_GROUP)


@cache
def _user_with_roles_sql() -> str:
    """The token's user, one boolean column `in_group_<n>` per group in ROLE_GROUPS, the token's `created`.

    Only identifiers, quoted by the database backend from the models' metadata, are put into the
    text; the group names and the key are parameters.
    """
    quote = connection.ops.quote_name
    user_model = get_user_model()
    membership = user_model.groups.through._meta
    names = {
        "membership": quote(membership.db_table),
        "member_user": quote(membership.get_field("user").column),
        "member_group": quote(membership.get_field("group").column),
        "group": quote(Group._meta.db_table),
        "group_pk": quote(Group._meta.pk.column),
        "group_name": quote(Group._meta.get_field("name").column),
        "user": quote(user_model._meta.db_table),
        "user_pk": quote(user_model._meta.pk.column),
        "token": quote(Token._meta.db_table),
        "token_key": quote(Token._meta.get_field("key").column),
        "token_user": quote(Token._meta.get_field("user").column),
        "token_created": quote(Token._meta.get_field("created").column),
    }
    flag = (
        "EXISTS (SELECT 1 FROM {membership} m INNER JOIN {group} g ON g.{group_pk} = m.{member_group} "
        "WHERE m.{member_user} = u.{user_pk} AND g.{group_name} = %s) AS in_group_{number}"
    )
    flags = ", ".join(flag.format(number=number, **names) for number in range(len(ROLE_GROUPS)))
    columns = ", ".join(f"u.{quote(field.column)}" for field in user_model._meta.concrete_fields)
    query = (
        "SELECT {columns}, {flags}, t.{token_created} "
        "FROM {token} t INNER JOIN {user} u ON u.{user_pk} = t.{token_user} WHERE t.{token_key} = %s"
    )
    return query.format(columns=columns, flags=flags, **names)


def _datetime_from_db(value: object, field: models.DateTimeField) -> datetime:
    """A datetime column's raw value as the ORM would give it (SQLite returns it naive, in UTC)."""
    column = field.get_col(field.model._meta.db_table)
    for converter in [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]:
        value = converter(value, column, connection)
    return value


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, answering the same, with the user's role groups in the same query,
    and refusing expired tokens."""

    def authenticate_credentials(self, key):
        with connection.cursor() as cursor:
            cursor.execute(_user_with_roles_sql(), [*ROLE_GROUPS, key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        # The user's columns, then one flag per role group (Model.from_db: as the ORM loads a row).
        user_model = get_user_model()
        fields = user_model._meta.concrete_fields
        user = user_model.from_db(connection.alias, [field.attname for field in fields], row[: len(fields)])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        created = _datetime_from_db(row[-1], Token._meta.get_field("created"))
        if services.token_is_expired(created=created):
            raise exceptions.AuthenticationFailed(_("Token has expired."))
        services.remember_groups(
            user, {name for name, member in zip(ROLE_GROUPS, row[len(fields) : -1], strict=True) if member}
        )
        return (user, Token(key=key, user=user, created=created))
