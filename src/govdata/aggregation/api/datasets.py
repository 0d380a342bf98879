"""JSON routes of the aggregation context: datasets."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["aggregation"])
