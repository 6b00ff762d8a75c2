import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
application = get_wsgi_application()

# What loading Django and the project made lives as long as the worker: the cyclic garbage
# collector need not walk it again (gc.freeze), and the thousands of short-lived containers of one
# request need not start a collection every 2,000 allocations (docs/performance.md).
gc.freeze()
gc.set_threshold(20_000, 10, 10)
