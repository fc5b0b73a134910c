"""A scenario whose user burns the generator's CPU between requests: the load generator, not the
service, limits this run (gate must say so as an ERROR, not judge the service)."""

import hashlib

import gevent
from locust import FastHttpUser, constant, task


class BusyUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def hash_then_request(self) -> None:
        digest = b"x"
        for _ in range(20):  # ~20 ms of pure CPU per request; yields so locust's own greenlets still run
            for _ in range(2000):
                digest = hashlib.sha256(digest).digest()
            gevent.sleep(0)
        self.client.get("/books", name="busy")
