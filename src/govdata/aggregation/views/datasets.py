"""HTML pages of the aggregation context: datasets."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
