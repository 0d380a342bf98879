"""Migrations: one head; upgrade → downgrade → upgrade works with data present, on both databases."""

from __future__ import annotations


from sqlalchemy import inspect, text

from govdata.core import migrate
from govdata.core.db import Base, make_engine
from govdata.models import load_all


def test_single_head():
    assert len(migrate.heads()) == 1


def test_upgrade_downgrade_upgrade_with_data(blank_url):
    from govdata import demo
    from govdata.core.db import make_session_factory

    migrate.upgrade(blank_url)
    engine = make_engine(blank_url)
    with make_session_factory(engine)() as session:
        demo.load(session, dataset_scale=0.05)
        session.commit()
    migrate.downgrade(blank_url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(blank_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT seq FROM audit_head")).scalar() == 0
    engine.dispose()


def test_migrations_match_the_models(blank_url):
    """Autogenerate finds nothing to do after migrating: no model change was left without its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    load_all()
    migrate.upgrade(blank_url)
    engine = make_engine(blank_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_object": migrate.include_object})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()
