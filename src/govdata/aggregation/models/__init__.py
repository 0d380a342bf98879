"""Control-plane tables of the aggregation context, one module per topic."""

from govdata.aggregation.models.datasets import Batch, Dataset, Finding

__all__ = ["Batch", "Dataset", "Finding"]
