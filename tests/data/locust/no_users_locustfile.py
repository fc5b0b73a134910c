"""A locustfile without any User class."""

VALUE = 1
