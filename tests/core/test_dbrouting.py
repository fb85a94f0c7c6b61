"""Reads inside reading_from_replica() go to the replica when one is configured; writes never do."""

from django.test import override_settings

from unionhub.core.dbrouting import ReplicaRouter, reading_from_replica
from zones.models import Zone

WITH_REPLICA = {"default": {}, "replica": {}}


@override_settings(DATABASES=WITH_REPLICA)
def test_reads_in_the_context_use_the_replica():
    router = ReplicaRouter()
    assert router.db_for_read(Zone) is None
    with reading_from_replica():
        assert router.db_for_read(Zone) == "replica"
        assert router.db_for_write(Zone) == "default"
    assert router.db_for_read(Zone) is None


def test_without_a_replica_nothing_changes():
    with reading_from_replica():
        assert ReplicaRouter().db_for_read(Zone) is None


def test_migrations_run_on_the_primary_only():
    assert ReplicaRouter().allow_migrate("default", "zones")
    assert not ReplicaRouter().allow_migrate("replica", "zones")
