"""A target's own scenario on locust's FastHttpUser (geventhttpclient, not requests)."""

from locust import FastHttpUser, constant, task


class FastItemsUser(FastHttpUser):
    wait_time = constant(0.05)

    @task
    def list_items(self) -> None:
        self.client.get("/items?limit=2", name="list via target locustfile")
