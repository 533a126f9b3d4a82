"""Review of flags: the queue, decisions, management plans and the declaration search."""
