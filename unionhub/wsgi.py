import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionhub.settings")
application = get_wsgi_application()

# Load now what the first request would otherwise pay for: jieba's dictionary with the union
# vocabulary, about 1.3 s of CPU, which a visit or grievance sent to a new worker waited for
# (and every request queued behind it). gunicorn runs with --preload, so this happens once in
# the master and the workers share it.
from unionhub.core.text.segment import tokenizer  # noqa: E402 - after Django is set up

tokenizer()
# Everything loaded so far lives as long as the process: kept out of the garbage collector's
# full passes, which walked it all every few hundred requests (a 130-170 ms stall each), and
# out of the copy-on-write the workers would otherwise do by touching it.
gc.freeze()
