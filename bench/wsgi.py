"""The app for wrk (bench/stations.py): the project's URLs plus the floors, as bench/main.py sets them up.

Never deployed. BENCH_DATABASE_URL names the bench database; BENCH_CLOCK (HH:MM) pins the
clock to that time of today in Asia/Shanghai, so the finder's "open now" is the same in every
worker; PUBLIC_RATE is set by the bench (bench/stations.py BENCH_PUBLIC_RATE).
"""

from __future__ import annotations

import gc
import os

from .main import database_url, setup_django
from .stations import pin_public_rate, pinned_clock

pin_public_rate()
setup_django(database_url())

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after the settings above

if clock := os.environ.get("BENCH_CLOCK"):
    pinned_clock(clock).__enter__()  # for the life of the worker

application = get_wsgi_application()

# As unionhub/wsgi.py: jieba loaded before the fork (--preload), then kept out of the collector.
from unionhub.core.text.segment import tokenizer  # noqa: E402

tokenizer()
gc.freeze()
