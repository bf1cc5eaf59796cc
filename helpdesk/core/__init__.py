"""Infrastructure every area stands on: extensions, configuration, signals, jobs, the sweep, storage, SMTP."""
