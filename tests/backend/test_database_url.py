import pytest
from django.core.exceptions import ImproperlyConfigured

from taiga.base.database_url import parse_database_url


def test_sqlite_absolute_path():
    config = parse_database_url("sqlite:////srv/taiga/db.sqlite3")
    assert (config["ENGINE"], config["NAME"]) == (
        "django.db.backends.sqlite3",
        "/srv/taiga/db.sqlite3",
    )


def test_sqlite_relative_path():
    assert parse_database_url("sqlite:///db.sqlite3")["NAME"] == "db.sqlite3"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite://:memory:"])
def test_sqlite_in_memory(url):
    assert parse_database_url(url)["NAME"] == ":memory:"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_postgres(scheme):
    config = parse_database_url(f"{scheme}://taiga:p%40ss@db.example.com:5433/taiga")
    expected = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "taiga",
        "USER": "taiga",
        "PASSWORD": "p@ss",
        "HOST": "db.example.com",
        "PORT": 5433,
    }
    # dj-database-url gives the port as a number (Django takes either) and adds Django's
    # own defaults (CONN_MAX_AGE 0 …).
    assert config.items() >= expected.items()


def test_postgres_defaults_and_options():
    config = parse_database_url("postgresql://localhost/taiga?sslmode=require")
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "",
        "",
        "localhost",
        "",
    )
    assert config["OPTIONS"] == {"sslmode": "require"}


def test_unsupported_scheme_is_named_without_the_password():
    with pytest.raises(
        ImproperlyConfigured, match="Unsupported DATABASE_URL scheme 'mysql'"
    ) as exc:
        parse_database_url("mysql://user:hunter2@localhost/taiga")
    assert "hunter2" not in str(exc.value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgres://u:hunter2@localhost", "must name one database"),
        ("postgres://u:hunter2@localhost/", "must name one database"),
        ("postgres://u:hunter2@localhost/a/b", "must name one database"),
        ("postgres://u:hunter2@localhost:port/taiga", "port a number"),
        ("postgres://u:hunter2@[::1/taiga", "not a valid URL"),
    ],
)
def test_malformed_postgres_url_is_named_without_the_password(url, message):
    with pytest.raises(ImproperlyConfigured, match=message) as exc:
        parse_database_url(url)
    assert "hunter2" not in str(exc.value)


def test_sqlite_with_a_host_is_rejected():
    with pytest.raises(ImproperlyConfigured, match="no host"):
        parse_database_url("sqlite://localhost/db.sqlite3")
