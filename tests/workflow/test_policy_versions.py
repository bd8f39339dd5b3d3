"""A policy's route is versioned data: seeding adds a version only when the route or days change."""

import pytest
from sqlalchemy import func, select

from config import SEED_DIR
from tests.factories import changed_policy_seed
from workflow.db import Session
from workflow.models import Policy, PolicyVersion
from workflow.policies import Stage, policy_terms, route_of
from workflow.services.seeding import seed_reference_data


def _versions(code: str | None = None) -> list[tuple[str, int]]:
    query = select(PolicyVersion.policy_code, PolicyVersion.version)
    if code is not None:
        query = query.where(PolicyVersion.policy_code == code)
    return [tuple(row) for row in Session().execute(query.order_by(PolicyVersion.id))]


@pytest.fixture
def changed_transport(app, clean, tmp_path):
    """Seed files where transport's route takes a day less; the real versions come back after."""

    def one_day_less(transport: dict) -> None:
        transport["route"][0]["working_days"] -= 1

    with changed_policy_seed(tmp_path, "transport", one_day_less) as changed:
        yield changed


def test_every_policy_has_its_current_version_and_reseeding_adds_none(app, clean):
    versions = _versions()
    seed_reference_data(SEED_DIR)
    assert _versions() == versions
    session = Session()
    for policy in session.scalars(select(Policy)):
        latest = session.scalar(
            select(func.max(PolicyVersion.version)).where(PolicyVersion.policy_code == policy.code)
        )
        assert policy.current_version == latest
        assert policy.route and policy.route[0]["position"] == 0


def test_the_route_as_stages_and_the_departments_in_order(app, clean):
    terms = policy_terms(Session(), "housing")
    assert terms.route == (
        Stage(0, "housing_review", ("housing",), "one", 5),
        Stage(1, "joint_review", ("talent_office", "finance"), "all", 3),
    )
    assert terms.review_departments == ["housing", "talent_office", "finance"]
    assert (terms.promised_working_days, terms.statutory_working_days) == (10, 20)
    assert [d["code"] for d in terms.required_documents][0] == "identity_card"
    assert route_of(Session(), "housing", terms.version) == terms.route
    assert policy_terms(Session(), "position_rank").route[0].sign == "any"


def test_a_changed_route_makes_a_new_version_and_the_old_one_stays(client, changed_transport):
    seed_dir, before = changed_transport
    old_route = route_of(Session(), "transport", before)
    others = [v for v in _versions() if v[0] != "transport"]

    seed_reference_data(seed_dir)
    assert _versions("transport")[-1] == ("transport", before + 1)
    assert [v for v in _versions() if v[0] != "transport"] == others
    seed_reference_data(seed_dir)  # the same files again: nothing new
    assert _versions("transport")[-1] == ("transport", before + 1)

    terms = policy_terms(Session(), "transport")
    assert terms.version == before + 1
    assert terms.route[0].working_days == old_route[0].working_days - 1
    assert route_of(Session(), "transport", before) == old_route
    assert route_of(Session(), "transport", before + 1) == terms.route
    shown = client.get("/api/v1/policies/transport").json
    assert shown["version"] == before + 1
    assert shown["route"][0]["working_days"] == terms.route[0].working_days


def test_an_unknown_version_is_a_lookup_error(app, clean):
    with pytest.raises(LookupError, match="no version 99"):
        route_of(Session(), "housing", 99)
