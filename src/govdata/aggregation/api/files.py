"""JSON routes of the aggregation context: files."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["aggregation"])
BODY_LIMITS: dict[str, int] = {}
