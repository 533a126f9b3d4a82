"""Compliance cases: one per official and organisation, holding every flag about them.

`filing` puts each flag in its case as screening raises it (the one place that decides which
case a flag belongs to); `services` runs the workflow (assignment, questions to the official,
escalation, one decision and one plan for the whole case, internal notes, evidence); `queries`
builds what the queue and the case page show. Services flush and audit; the door commits.
"""
