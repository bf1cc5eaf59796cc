"""The JSON API for integrators (/api/v1): tickets listed, read and created, and its OpenAPI document."""
