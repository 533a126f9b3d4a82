"""Conflicts assessments for procurements (Procurement Act 2023, Part 5, sections 81 to 83)."""
