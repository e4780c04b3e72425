"""Qt models over the services' read models."""
