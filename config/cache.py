"""Django's Redis cache backend, with one redis-py client per connection pool instead of one per operation.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache operation. Building one
copies redis-py's response callbacks (about 170) into a case-insensitive dict: 0.25 ms of CPU, most of what
counting one POST against the rate limit costs (bench/registration_profile.py, docs/performance.md). A
client is thread-safe and holds no connection of its own (the pool does), so one per pool serves every
operation of the process; the pools, and so the clients, are built on first use, after gunicorn or Celery
has forked, and redis-py's pool resets itself in a forked child.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
