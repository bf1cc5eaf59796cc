"""The phone channel in the app: the CTI webhook, the call log, callbacks, the caller on the agent's screen."""
