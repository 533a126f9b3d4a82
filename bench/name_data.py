"""Imported once by the benches' fork server (bench/screening_scale.py): rigour's name data
loaded before any measured process is forked from it, as gunicorn's master loads it before it
forks its workers (register/gunicorn_conf.py). Loading it takes about 8 s of CPU: each measured
process would otherwise pay it again."""

import time

from register.matching import load_name_data

_started = time.perf_counter()
load_name_data()
LOAD_S = time.perf_counter() - _started
