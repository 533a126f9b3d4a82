"""Contract award records: parsing OCDS and CSV award files."""
