"""JSON routes of the aggregation context: schedules."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["aggregation"])
