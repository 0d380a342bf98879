"""HTML pages of the aggregation context: files."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
