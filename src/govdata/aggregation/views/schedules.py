"""HTML pages of the aggregation context: schedules."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
