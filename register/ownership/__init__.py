"""Screening officials against company-officer and beneficial-ownership records (issue 8)."""
