"""The API fuzzed from its own OpenAPI schema: no 500s, and every answer fits the schema.

Bounded (a few examples per operation) so it runs in CI in well under two minutes.
"""

import json
import socket

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
import pytest
from rest_framework.authtoken.models import Token
import schemathesis
from schemathesis import checks as generic_checks
from schemathesis.specs.openapi import checks

from tests.conftest import SEED_TITLE

from .factories import ArticleFactory


def load_schema():
    """The schema exactly as /api/v1/schema/ serves it, generated in-process; requests go to the WSGI app."""
    from drf_spectacular.generators import SchemaGenerator

    from factcheck.wsgi import application

    spec = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(spec, default=str)))
    loaded.app = application
    return loaded


schema = load_schema()


@pytest.fixture
def keep_test_connection():
    """Calls go straight to the WSGI app, so do what Django's test client does: keep the test's
    database connection (and its transaction) open across requests instead of closing it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def no_network(monkeypatch):
    """`POST /api/v1/articles/` with a `url` alone fetches the page: with names resolving to
    nothing, every generated address is refused by the fetcher, and no test reaches the internet."""

    def resolve_nothing(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "no network in the fuzz test")

    monkeypatch.setattr(socket, "getaddrinfo", resolve_nothing)


@pytest.fixture
def editor_token(editor, seed_text, settings, keep_test_connection, no_network):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    ArticleFactory(title=SEED_TITLE, body=seed_text)
    return Token.objects.create(user=editor).key


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_input_without_server_errors(case, editor_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {editor_token}"},
        checks=[
            generic_checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
        ],
        excluded_checks=[
            checks.positive_data_acceptance,
            checks.negative_data_rejection,
            checks.missing_required_header,
            checks.unsupported_method,
            checks.ignored_auth,
            checks.use_after_free,
            checks.ensure_resource_availability,
            checks.object_level_authorization,
        ],
    )
