"""The demo: data that makes the product look like a working contact centre."""
