import pytest

from tests.services import POSTGRESQL_URL, RABBITMQ_URL, require


@pytest.fixture
def postgresql_url() -> str:
    return require("PostgreSQL", POSTGRESQL_URL)


@pytest.fixture
def rabbitmq_url() -> str:
    return require("RabbitMQ", RABBITMQ_URL)
