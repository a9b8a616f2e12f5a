"""A module only the layer directory holds (it stands in for /opt/python)."""

GREETING = "from the layer"
