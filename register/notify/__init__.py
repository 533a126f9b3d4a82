"""Email notifications: a persistent outbox sent over SMTP."""
