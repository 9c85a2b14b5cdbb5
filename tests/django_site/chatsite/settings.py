"""A minimal Django Channels 4 site for wsviews' interop tests (tests/channels_redis_django.rs).

REDIS_URL names the redis-server the test started; LAYER_CAPACITY and
LAYER_EXPIRY are channels_redis' capacity and expiry.
"""

import os

SECRET_KEY = "wsviews-interop-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["channels"]
ROOT_URLCONF = "chatsite.urls"
ASGI_APPLICATION = "chatsite.asgi.application"
DATABASES = {}
USE_TZ = True

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [os.environ["REDIS_URL"]],
            "capacity": int(os.environ.get("LAYER_CAPACITY", "100")),
            "expiry": int(os.environ.get("LAYER_EXPIRY", "60")),
        },
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
