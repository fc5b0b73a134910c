"""A target's own scenario: lists items under a request name of its own."""

from locust import HttpUser, constant, task


class ItemsUser(HttpUser):
    wait_time = constant(0.05)

    @task
    def list_items(self) -> None:
        self.client.get("/items?limit=2", name="list via target locustfile")
