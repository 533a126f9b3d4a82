"""Administration: departments, users and roster import, declaration cycles."""
