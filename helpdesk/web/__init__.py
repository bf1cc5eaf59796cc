"""The shared web layer: staff login and roles, error pages, template helpers and labels, the id converter."""
