"""The audit log: one function records every change; the hash chain and its verification."""
