"""Sign-in, sign-out, password change and sign-in throttling."""
