"""Settings fail loudly: each case starts a fresh interpreter with its own environment."""

import os
from pathlib import Path
import subprocess
import sys

ROOT = Path(__file__).resolve().parent.parent


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def run_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run_manage(env, "check", *args)


def test_missing_secret_key_with_debug_off_stops_start_up():
    result = run_check({"DJANGO_DEBUG": "0"})
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_bad_database_url_stops_start_up():
    result = run_check({"DJANGO_DEBUG": "1", "DATABASE_URL": "oracle-ish://nope"})
    assert result.returncode == 1
    assert "DATABASE_URL could not be read" in result.stderr


def test_bad_boolean_stops_start_up():
    result = run_check({"DJANGO_DEBUG": "maybe"})
    assert "DJANGO_DEBUG='maybe' is not a boolean" in result.stderr


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = run_check(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-key-value",
            "DJANGO_ALLOWED_HOSTS": "factcheck.example.org",
            "DATABASE_URL": url,
            "FACTCHECK_ORGANIZATION_NAME": "Desk of Record",
            "FACTCHECK_ORGANIZATION_URL": "https://desk.example",
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_deploy_check_warns_when_the_publishing_organisation_is_missing(tmp_path):
    production = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-key-value",
        "DJANGO_ALLOWED_HOSTS": "factcheck.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    hint = (
        "\tHINT: Set the fact-checking organisation's name and web address (https://…): published "
        "ClaimReviews name it as their author."
    )
    neither = run_check(production, "--deploy", "--fail-level", "WARNING")
    assert neither.returncode == 1
    assert (
        "?: (factcheck.W001) FACTCHECK_ORGANIZATION_NAME and FACTCHECK_ORGANIZATION_URL are not set.\n" + hint
    ) in neither.stderr
    no_url = run_check(production | {"FACTCHECK_ORGANIZATION_NAME": "Desk"}, "--deploy", "--fail-level", "WARNING")
    assert "?: (factcheck.W001) FACTCHECK_ORGANIZATION_URL is not set.\n" + hint in no_url.stderr


def database_options(**env: str) -> str:
    """The default database's OPTIONS as settings.py builds them (nothing connects)."""
    script = "from django.conf import settings; print(sorted(settings.DATABASES['default']['OPTIONS'].items()))"
    result = run_manage({"DJANGO_DEBUG": "1", **env}, "shell", "--no-imports", "-c", script)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_postgresql_prepares_repeated_statements_unless_turned_off():
    url = "postgres://factcheck@127.0.0.1:5432/factcheck"
    trigram = "('options', '-c pg_trgm.word_similarity_threshold=0.4')"
    assert database_options(DATABASE_URL=url) == f"[{trigram}, ('prepare_threshold', 5), ('server_side_binding', True)]"
    assert database_options(DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="off") == f"[{trigram}]"
    refused = run_check({"DJANGO_DEBUG": "1", "DATABASE_URL": url, "DATABASE_PREPARED_STATEMENTS": "sometimes"})
    assert "DATABASE_PREPARED_STATEMENTS='sometimes' is not a boolean" in refused.stderr
    sqlite = database_options(DATABASE_URL="sqlite:///:memory:")
    assert "server_side_binding" not in sqlite
    assert "journal_mode=WAL" in sqlite


def settings_value(expression: str, **env: str) -> str:
    """repr() of a settings expression as settings.py builds it (DEBUG on, nothing connects)."""
    script = f"from django.conf import settings; print(repr(({expression})))"
    result = run_manage({"DJANGO_DEBUG": "1", **env}, "shell", "--no-imports", "-c", script)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_rates_cache_and_proxies_come_from_the_environment():
    expression = (
        "settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'], settings.REST_FRAMEWORK['NUM_PROXIES'], "
        "settings.CACHES['default']['BACKEND'], settings.AXES_FAILURE_LIMIT, "
        "settings.FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS, settings.AXES_COOLOFF_TIME, "
        "settings.FACTCHECK_TOKEN_TTL_HOURS"
    )
    assert settings_value(expression) == (
        "({'anon': '60/min', 'user': '600/min', 'token': '10/min'}, 0, "
        "'django.core.cache.backends.locmem.LocMemCache', 10, 30, datetime.timedelta(seconds=900), 720)"
    )
    changed = settings_value(
        expression,
        FACTCHECK_API_RATE_ANON="off",
        FACTCHECK_API_RATE_USER="5000/hour",
        DJANGO_HTTPS="1",  # served behind the TLS proxy: one proxy in front by default
        DJANGO_CACHE_URL="db://factcheck_cache",
        FACTCHECK_LOGIN_FAILURE_LIMIT="5",
        FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS="100",
        FACTCHECK_LOGIN_COOLOFF_MINUTES="0",
        FACTCHECK_TOKEN_TTL_HOURS="0",
    )
    assert changed == (
        "({'anon': None, 'user': '5000/hour', 'token': '10/min'}, 1, "
        "'django.core.cache.backends.db.DatabaseCache', 5, 100, None, 0)"
    )


def test_bad_rate_cache_or_limit_stops_start_up():
    rate = run_check({"DJANGO_DEBUG": "1", "FACTCHECK_API_RATE_USER": "lots"})
    assert "FACTCHECK_API_RATE_USER='lots' is not a rate: use requests/period, e.g. 60/min, or off." in rate.stderr
    cache = run_check({"DJANGO_DEBUG": "1", "DJANGO_CACHE_URL": "redis://127.0.0.1:6379"})
    assert "DJANGO_CACHE_URL='redis://127.0.0.1:6379' is not understood" in cache.stderr
    limit = run_check({"DJANGO_DEBUG": "1", "FACTCHECK_LOGIN_FAILURE_LIMIT": "0"})
    assert "FACTCHECK_LOGIN_FAILURE_LIMIT and FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS must be at least 1." in (
        limit.stderr
    )


def test_a_fetch_time_out_that_is_not_a_positive_number_stops_start_up():
    result = run_check({"DJANGO_DEBUG": "1", "FACTCHECK_FETCH_READ_TIMEOUT": "soon"})
    assert "FACTCHECK_FETCH_READ_TIMEOUT='soon' is not a number of seconds." in result.stderr
    result = run_check({"DJANGO_DEBUG": "1", "FACTCHECK_FETCH_DEADLINE": "0"})
    assert "FACTCHECK_FETCH_DEADLINE must be more than 0 seconds." in result.stderr


def test_search_languages_must_be_language_codes():
    assert settings_value("settings.FACTCHECK_SEARCH_LANGUAGES") == "['en']"
    assert settings_value("settings.FACTCHECK_SEARCH_LANGUAGES", FACTCHECK_SEARCH_LANGUAGES="fr, en") == "['fr', 'en']"
    refused = run_check({"DJANGO_DEBUG": "1", "FACTCHECK_SEARCH_LANGUAGES": "french"})
    assert "FACTCHECK_SEARCH_LANGUAGES=['french'] must be language codes such as en,fr." in refused.stderr


def test_observability_settings_fail_loudly():
    refusals = {
        name: run_check({"DJANGO_DEBUG": "1", name: value}).stderr.strip().splitlines()[-1]
        for name, value in [
            ("FACTCHECK_METRICS_ADDRESSES", "10.0.0.0/8,intranet"),
            ("FACTCHECK_METRICS_TOKEN", "short"),
            ("FACTCHECK_WORKER_STALE_SECONDS", "5"),
        ]
    }
    assert refusals == {
        "FACTCHECK_METRICS_ADDRESSES": (
            "django.core.exceptions.ImproperlyConfigured: FACTCHECK_METRICS_ADDRESSES='10.0.0.0/8,intranet': "
            "'intranet' does not appear to be an IPv4 or IPv6 network. Use addresses or networks, "
            "comma-separated (10.0.0.0/8,::1), or leave it empty for none."
        ),
        "FACTCHECK_METRICS_TOKEN": (
            "django.core.exceptions.ImproperlyConfigured: FACTCHECK_METRICS_TOKEN is shorter than 24 characters: "
            "use a long random one (python -c 'import secrets; print(secrets.token_urlsafe(32))'), or leave it empty."
        ),
        "FACTCHECK_WORKER_STALE_SECONDS": (
            "django.core.exceptions.ImproperlyConfigured: FACTCHECK_WORKER_STALE_SECONDS must be 0 (not checked) "
            "or at least 10 seconds."
        ),
    }
    assert (
        settings_value("settings.FACTCHECK_METRICS_NETWORKS", FACTCHECK_METRICS_ADDRESSES="10.1.2.3/8, ::1")
        == "(IPv4Network('10.0.0.0/8'), IPv6Network('::1/128'))"
    )


def test_a_replica_url_adds_the_replica_its_router_and_read_your_writes():
    primary, replica = "postgres://factcheck@db1:5432/factcheck", "postgres://factcheck@db2:5432/factcheck"
    assert (
        settings_value("sorted(settings.DATABASES), settings.DATABASE_ROUTERS", DATABASE_URL=primary)
        == "(['default'], [])"
    )
    expression = (
        "settings.DATABASES['replica']['HOST'], settings.DATABASES['replica']['TEST']['MIRROR'], "
        "settings.DATABASES['replica']['OPTIONS']['connect_timeout'], settings.DATABASE_ROUTERS, "
        "settings.MIDDLEWARE[settings.MIDDLEWARE.index('annotations.replicas.read_your_writes') - 1]"
    )
    assert settings_value(expression, DATABASE_URL=primary, DATABASE_REPLICA_URL=replica) == (
        "('db2', 'default', 2, ['annotations.replicas.ReplicaRouter'], "
        "'django.contrib.auth.middleware.AuthenticationMiddleware')"
    )


def test_a_replica_needs_postgresql_and_sensible_bounds():
    replica = "postgres://factcheck@db2:5432/factcheck"
    refused = run_check({"DJANGO_DEBUG": "1", "DATABASE_URL": "sqlite:///:memory:", "DATABASE_REPLICA_URL": replica})
    assert "DATABASE_REPLICA_URL needs PostgreSQL for both" in refused.stderr
    refused = run_check({"DJANGO_DEBUG": "1", "FACTCHECK_REPLICA_MAX_LAG_SECONDS": "0"})
    assert "FACTCHECK_REPLICA_MAX_LAG_SECONDS must be more than 0 seconds." in refused.stderr
    refused = run_check({"DJANGO_DEBUG": "1", "FACTCHECK_READ_YOUR_WRITES_SECONDS": "0"})
    assert "FACTCHECK_READ_YOUR_WRITES_SECONDS must be at least 1." in refused.stderr
