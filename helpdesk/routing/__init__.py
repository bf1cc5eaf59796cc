"""Routing in the app: stored rule sets, routing jobs, hand-outs, requeues, presence and previews."""
