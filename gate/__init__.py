"""gate: a quality gate for backend services."""

# Read by hatchling for the package metadata ([tool.hatch.version] in pyproject.toml).
__version__ = "0.1.0"
