"""Sharing (Art. 15–18): requests and grants by share type, the data service API, masking, usage records."""
