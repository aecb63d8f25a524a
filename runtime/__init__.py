"""The runtime: assembles Mentorbot (Bolt app, listeners, dispatcher) and runs it.

The only package that builds Bolt apps and Slack clients; it sits above handlers/ (which it
registers) and never the other way round.
"""
