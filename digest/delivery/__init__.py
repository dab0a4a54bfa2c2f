"""Delivery: the SMTP connection pool, the exactly-once send loop and the local capture server."""
