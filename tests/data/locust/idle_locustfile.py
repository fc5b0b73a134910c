"""A scenario that never calls the service."""

from locust import User, constant, task


class IdleUser(User):
    wait_time = constant(0.1)

    @task
    def nothing(self) -> None:
        pass
