"""One module per Kit resource; each endpoint is a few declarative lines."""
