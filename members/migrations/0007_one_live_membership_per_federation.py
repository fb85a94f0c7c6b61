"""The member table is large (millions of rows): its new indexes are built CONCURRENTLY, without locking writes.

If the unique index cannot be built, some federation has the same ID number live twice: merge
those records (admin → members → Duplicates) and run the migration again.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

UNIQUE = "members_one_live_membership_per_federation"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("members", "0006_transfers_and_merged_records"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="member",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="members_member_merged_into",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "{UNIQUE}" '
                    'ON "members_member" ("federation_path", "id_number_hash") '
                    # Written as PostgreSQL prints it back (pg_get_indexdef), so that an index rebuilt
                    # from its printed definition (the scale seeder does) is the same index.
                    "WHERE (((status)::text = ANY ((ARRAY['applied'::character varying, "
                    "'active'::character varying, 'lapsed'::character varying])::text[])) "
                    "AND (NOT ((id_number_hash)::text = ''::text)))",
                    reverse_sql=f'DROP INDEX CONCURRENTLY IF EXISTS "{UNIQUE}"',
                )
            ],
            state_operations=[
                migrations.AddConstraint(
                    model_name="member",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(
                            ("status__in", ["applied", "active", "lapsed"]),
                            models.Q(("id_number_hash", ""), _negated=True),
                        ),
                        fields=("federation_path", "id_number_hash"),
                        name=UNIQUE,
                        violation_error_message="This ID number is already a member in this federation.",
                    ),
                )
            ],
        ),
    ]
