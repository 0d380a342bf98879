"""JSON routes of the aggregation context: pulls."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["aggregation"])
