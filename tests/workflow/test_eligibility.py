from workflow.eligibility import failed_rules

RULES = [
    {"code": "degree", "field": "form.degree", "op": "in", "value": ["master"],
     "message_zh": "学历", "message_en": "degree"},
    {"code": "insured", "field": "form.months", "op": "min", "value": 1,
     "message_zh": "社保", "message_en": "insurance"},
    {"code": "young", "field": "applicant.age", "op": "max", "value": 45,
     "message_zh": "年龄", "message_en": "age"},
    {"code": "pledge", "field": "form.pledge", "op": "eq", "value": True,
     "message_zh": "承诺", "message_en": "pledge"},
]  # fmt: skip


def test_all_met():
    form = {"degree": "master", "months": 1, "pledge": True}
    assert failed_rules(RULES, form, {"age": 45}) == []


def test_every_failure_is_listed_at_once():
    problems = failed_rules(RULES, {"degree": "bachelor", "months": 0}, {"age": 46})
    assert [p["code"] for p in problems] == ["degree", "insured", "young", "pledge"]
    assert problems[0] == {
        "code": "degree", "field": "form.degree", "message_zh": "学历", "message_en": "degree",
    }  # fmt: skip


def test_an_unknown_fact_fails_the_rule_rather_than_passing_it():
    form = {"degree": "master", "months": 1, "pledge": True}
    assert [p["code"] for p in failed_rules(RULES, form, {"age": None})] == ["young"]
