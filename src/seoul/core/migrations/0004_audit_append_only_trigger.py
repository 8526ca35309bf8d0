"""The audit table refuses UPDATE and DELETE in the database itself (ADR 3).

The model already refuses both; this closes the paths around it (raw SQL, another client,
a bug in a migration). PostgreSQL only: the embedded SQLite database of ``make run`` is a
single-user demo, and Django's test flush on SQLite deletes rows. Rows past the retention
period are purged, when that day comes, by the table's owner with the trigger disabled in a
maintenance window; TRUNCATE (the test flush on PostgreSQL) is not a row operation and is
left to ordinary privileges.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION seoul_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'core_auditevent is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION seoul_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS seoul_audit_append_only();
"""


def _on_postgresql(sql: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # the % in RAISE is no placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0003_service_choices")]

    operations = [migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD))]
