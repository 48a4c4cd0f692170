"""Request and response bodies, built from the model's input schema so /docs and the OpenAPI schema
show the real columns, and validation names the column that is wrong.

Numbers must be finite JSON numbers, booleans JSON booleans, dates strings pandas can parse,
categories strings or numbers (unseen ones are treated as unknown). A missing value (null or an
absent key) is allowed only where training had missing values; unknown keys are refused.
"""
from __future__ import annotations

import re
from typing import Annotated, Any, Optional, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, create_model

from tuneup.exceptions import shown

MAX_TEXT = 1000
LIMIT = 1e30  # models compute in float32 (max 3.4e38); beyond this a standardized value overflows
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")

Number = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-LIMIT, le=LIMIT)]
Text = Annotated[StrictStr, Field(max_length=MAX_TEXT)]


def _parse_when(value: str) -> str:
    import warnings

    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pd.Timestamp(value)
        except (ValueError, TypeError, OverflowError):
            raise ValueError(f"{shown(value)} is not a date or time (e.g. 2024-05-01 or 2024-05-01T13:30)") from None
    return value


When = Annotated[Text, AfterValidator(_parse_when)]
TYPES: dict[str, Any] = {
    "numeric": Number,
    "boolean": StrictBool,
    "datetime": When,
    "categorical": Union[Text, StrictInt, Number],
}


def row_model(schema: dict[str, Any]) -> type[BaseModel]:
    """One table row: a field per feature column, under its own name (aliases keep any column name legal)."""
    fields: dict[str, Any] = {}
    for i, col in enumerate(schema["columns"]):
        kind = TYPES[col["type"]]
        example = col.get("categories", [None])[0] if col["type"] == "categorical" else None
        extra = {"examples": [example]} if example is not None else {}
        if col["nullable"]:
            fields[f"f{i}"] = (Optional[kind], Field(None, alias=col["name"], **extra))
        else:
            fields[f"f{i}"] = (kind, Field(..., alias=col["name"], **extra))
    return create_model("Row", __config__=ConfigDict(extra="forbid", populate_by_name=False), **fields)


def predict_model(schema: dict[str, Any], max_rows: int) -> type[BaseModel]:
    row = row_model(schema)
    return create_model("PredictRequest", __config__=ConfigDict(extra="forbid"),
                        rows=(list[row], Field(..., min_length=1, max_length=max_rows,
                                               description="The examples to predict, one object per row.")))


class Feedback(BaseModel):
    """Ground truth for an earlier prediction."""

    model_config = ConfigDict(extra="forbid")
    request_id: Annotated[StrictStr, Field(pattern=REQUEST_ID.pattern, description="From the prediction's answer.")]
    label: Union[Text, StrictInt, Number, StrictBool, list[Text]] = Field(
        ..., description="The true label (a class; a list of labels for multilabel; a number for regression).")


class Prediction(BaseModel):
    request_id: str
    prediction: Any
    probabilities: Optional[dict[str, float]]
    score: Optional[float] = Field(None, description="Binary: P(positive class).")
    threshold: Optional[float] = Field(None, description="Binary: the decision threshold applied to score.")
    notes: list[str] = []


class PredictResponse(BaseModel):
    model: str
    variant: str
    predictions: list[Prediction]
