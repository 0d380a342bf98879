"""HTML pages of the aggregation context: pulls."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
