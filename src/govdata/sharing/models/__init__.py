"""Control-plane tables of the sharing context (SHR, SEC-2): requests, grants, and the usage ledger."""

from govdata.sharing.models.grants import Grant
from govdata.sharing.models.requests import ShareRequest
from govdata.sharing.models.usage import Usage

__all__ = ["Grant", "ShareRequest", "Usage"]
