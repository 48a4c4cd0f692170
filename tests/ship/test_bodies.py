"""Request validation from the training schema: names, types, missing values only where training had them."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from tuneup.ship.bodies import Feedback, predict_model

SCHEMA = {"kind": "table", "columns": [
    {"name": "age", "type": "numeric", "nullable": True},
    {"name": "income", "type": "numeric", "nullable": False},
    {"name": "city", "type": "categorical", "nullable": False, "categories": ["oslo", "rome"], "encoding": "onehot"},
    {"name": "member", "type": "boolean", "nullable": False},
    {"name": "signup date", "type": "datetime", "nullable": False},
]}
GOOD = {"age": 31, "income": 5e4, "city": "paris", "member": True, "signup date": "2024-05-01"}
Request = predict_model(SCHEMA, max_rows=3)


def errors(row):
    with pytest.raises(ValidationError) as e:
        Request.model_validate({"rows": [row]})
    return {(tuple(err["loc"][2:]), err["type"]) for err in e.value.errors()}


def test_a_good_row_keeps_its_column_names():
    row = Request.model_validate({"rows": [GOOD]}).rows[0].model_dump(by_alias=True)
    assert row == {**GOOD, "age": 31.0}


def test_missing_values_only_where_training_had_them():
    row = Request.model_validate({"rows": [{**GOOD, "age": None}]}).rows[0].model_dump(by_alias=True)
    assert row["age"] is None
    absent = dict(GOOD)
    del absent["age"]
    assert Request.model_validate({"rows": [absent]}).rows[0].model_dump(by_alias=True)["age"] is None
    assert (("income",), "float_type") in errors({**GOOD, "income": None})
    no_income = {k: v for k, v in GOOD.items() if k != "income"}
    assert (("income",), "missing") in errors(no_income)


@pytest.mark.parametrize("column, value", [
    ("income", "50000"), ("income", True), ("income", float("inf")), ("income", 1e308), ("member", "yes"),
    ("member", 1),
    ("signup date", "not a date"), ("city", ["oslo"]), ("city", "x" * 2000),
])
def test_wrong_types_are_refused(column, value):
    assert any(loc[0] == column for loc, _ in errors({**GOOD, column: value}))


def test_unknown_columns_are_refused():
    assert (("tenure",), "extra_forbidden") in errors({**GOOD, "tenure": 3})


def test_row_count_is_bounded():
    with pytest.raises(ValidationError):
        Request.model_validate({"rows": []})
    with pytest.raises(ValidationError):
        Request.model_validate({"rows": [GOOD] * 4})


def test_feedback_needs_a_request_id_from_an_answer():
    assert Feedback.model_validate({"request_id": "0" * 32, "label": "yes"}).label == "yes"
    for bad in ["x" * 32, "0" * 31, "../../etc/passwd"]:
        with pytest.raises(ValidationError):
            Feedback.model_validate({"request_id": bad, "label": "yes"})
