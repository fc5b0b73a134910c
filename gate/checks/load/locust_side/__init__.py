"""Files that run inside locust's own process. gate copies them into the load check's work folder
and passes them to locust with -f; gate itself must never import them (locust monkey-patches gevent)."""
