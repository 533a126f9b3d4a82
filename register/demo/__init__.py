"""The demonstration data set: departments, people, a cycle, real awards and a Morning Lane case."""
