"""Bookshelf: a small books API used as gate's bundled example service."""
