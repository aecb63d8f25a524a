"""A local Slack: the Web API server and its state, Block Kit validation, signed requests.

`standin.web_api.SlackStandIn` answers the Web API methods Mentorbot calls (with Slack's ids,
rate limits, failure injection and Block Kit checks), `standin.driver.SlackDriver` plays
Slack's side of a conversation with the app (signed slash commands, clicks, view submissions
and events). The tests and the sandbox (`python app.py sandbox`) share them; nothing here
imports Mentorbot.
"""
