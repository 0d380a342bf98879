"""The demo catalog: a realistic set of entries that follow the standard, in every state the screens show."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from govdata import demo
from govdata.catalog import demo_catalog, rules, service
from govdata.catalog.models import Resource, ResourceVersion
from govdata.catalog.schemas import ResourceDraft, ResourceFilter
from govdata.catalog.standard import BASE_CLASS_CODES, CLASSIFICATION, METHODS_FOR_FORMAT, SHARE_TYPES
from govdata.core.actor import platform_actor
from govdata.org.demo_data import DEPARTMENTS_BY_KEY, QINGHE_CODE, SHIQIAO_CODE
from govdata.org.models import Department, User
from govdata.org.signin import actor_for
from govdata.workflow import service as workflow

TOPIC_CODES = {code for code, _, parent in CLASSIFICATION if parent == "2"}


def _versions(entry: demo_catalog.Entry) -> list[dict]:
    """Every version the loader registers for an entry: the first, the published revisions, a pending one."""
    bodies = [entry.draft()]
    for change in entry.revisions:
        bodies.append(demo_catalog._revised(bodies[-1], change))
    if entry.pending:
        bodies.append(demo_catalog._revised(bodies[-1], entry.pending))
    return bodies


# --- the data, without a database ------------------------------------------------------------------

def test_every_version_of_every_entry_follows_the_standard():
    for entry in demo_catalog.ENTRIES:
        for body in _versions(entry):
            draft = ResourceDraft.model_validate(body)
            assert rules.check(draft) == [], (entry.name, rules.check(draft))
            assert 3 <= len(draft.items) <= 12, entry.name
            assert draft.share_method in METHODS_FOR_FORMAT[draft.format]
            assert draft.classification_code in BASE_CLASS_CODES or draft.classification_code in TOPIC_CODES
            assert len(draft.summary) >= 10 and draft.summary.endswith("。"), entry.name
            if draft.share_type != "无条件共享":
                assert "《" in (draft.legal_basis or ""), f"{entry.name}: the legal basis must cite a law"


def test_entries_are_a_realistic_mix():
    entries = demo_catalog.ENTRIES
    assert len(entries) >= 150
    assert len({e.name for e in entries}) == len(entries), "entry names must be unique"
    assert {e.dept for e in entries} <= set(DEPARTMENTS_BY_KEY)
    assert len({e.dept for e in entries}) >= 15
    shares = Counter(e.share for e in entries)
    assert set(shares) == set(SHARE_TYPES)
    assert shares["无条件共享"] > len(entries) / 2, "sharing is the rule (SHR-1)"
    assert shares["有条件共享"] >= 30 and shares["暂不共享"] >= 5
    assert {e.classification for e in entries} >= set(BASE_CLASS_CODES)
    assert len({e.format for e in entries}) >= 5


def test_personal_items_carry_their_sensitivity():
    items = demo_catalog.ITEMS
    assert (items["id_number"]["sensitivity"], items["id_number"]["pii_kind"]) == ("L3", "身份证件号码")
    assert (items["name"]["sensitivity"], items["name"]["pii_kind"]) == ("L2", "姓名")
    assert (items["mobile"]["sensitivity"], items["mobile"]["pii_kind"]) == ("L3", "手机号码")
    assert (items["address"]["sensitivity"], items["address"]["pii_kind"]) == ("L3", "住址")
    assert items["bank_account"]["sensitivity"] == "L4"
    # a bank account is never handed to consumers, wherever it appears
    for entry in demo_catalog.ENTRIES:
        for item in entry.draft()["items"]:
            if item["pii_kind"] == "银行账户":
                assert not item["shared"], entry.name


# --- the loaded catalog -------------------------------------------------------------------------------

def test_demo_catalog_loads_in_every_state(db):
    with db.session() as session:
        demo.load(session, dataset_scale=0.05)
        loaded = session.scalar(select(func.count()).select_from(Resource))
        codes = demo_catalog.load(session) if not loaded else None  # once govdata.demo loads it, use that
        session.commit()

        platform = platform_actor("test")
        resources = {r.code: r for r in session.scalars(select(Resource))}
        assert len(resources) == len(demo_catalog.ENTRIES) >= 150
        assert codes is None or sorted(codes) == sorted(resources)

        # departments at city and county level
        departments = {d.id: d for d in session.scalars(select(Department))}
        owners = {r.department_id for r in resources.values()}
        assert len(owners) >= 15
        assert {QINGHE_CODE, SHIQIAO_CODE} <= {departments[i].region.code for i in owners}

        # every state of the life cycle is on show
        statuses = Counter(r.status for r in resources.values())
        for status in ("draft", "confidentiality_review", "center_review", "returned", "withdrawn"):
            assert statuses[status] >= 1, status
        assert statuses["published"] >= 140
        for r in resources.values():
            if r.status == "returned":
                item, steps = workflow.get_item(session, platform, workflow.item_for(
                    session, "catalog_resource", r.id).id)
                assert steps[-1].transition == "reject" and steps[-1].reason, r.code
        pending = [r for r in resources.values() if r.status == "published" and r.draft_version_id]
        assert pending, "a published entry with a new version in draft"

        # published content: all three share types, some open to the public, 暂不共享 up for yearly review
        published = {c: service.version(session, r.published_version_id) for c, r in resources.items()
                     if r.status == "published"}
        assert {v.share_type for v in published.values()} == set(SHARE_TYPES)
        assert sum(v.open_to_public for v in published.values()) >= 20
        for code, v in published.items():
            assert (resources[code].next_share_review_at is not None) == (v.share_type == "暂不共享")

        # several entries with a version history
        histories = {c: service.version_history(session, platform, c) for c in published}
        revised = {c: h for c, h in histories.items()
                   if sum(v.status in ("published", "superseded") for v in h) >= 2}
        assert len(revised) >= 3
        for history in revised.values():
            assert history[-1].status == "superseded" and history[0].change_reason

        # every stored version passes the rules, as the service would re-check it on submission
        for v in session.scalars(select(ResourceVersion)):
            draft = ResourceDraft.model_validate({**service.snapshot(v), "change_reason": v.change_reason})
            assert rules.check(draft) == [], v.name

        # another department's data user finds the published entries, never someone else's drafts
        mca_user = session.scalar(select(User).where(User.username == "mca_user"))
        found, total = service.list_resources(session, actor_for(mca_user, "api"), ResourceFilter(limit=200))
        assert total == sum(1 for r in resources.values() if r.published_version_id and r.status != "withdrawn")
        assert all(r.published_version_id for r in found)

        # the department reviewer has catalog work waiting; the demo managers' inboxes stay empty
        def person(username: str):
            return actor_for(session.scalar(select(User).where(User.username == username)), "ui")
        assert any(i.process == "catalog_review" for i in workflow.inbox(session, person("ps_reviewer")))
        assert not workflow.inbox(session, person("ps_manager"))
        assert not workflow.inbox(session, person("hr_manager"))
