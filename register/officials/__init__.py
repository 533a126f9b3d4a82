"""One page per official: their whole record, for compliance officers and auditors."""
