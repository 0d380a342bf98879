"""Collection catalogs (采集目录) of the province, city and county (CAT-3): models being written."""
