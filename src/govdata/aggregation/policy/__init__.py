"""Who may do what with aggregated data: one rule per service function, of the same name, in the module
named like the service module (``policy.push`` for ``service.push``…)."""

from govdata.aggregation.policy.push import dataset_published, get_record, push_records

__all__ = ["dataset_published", "get_record", "push_records"]
