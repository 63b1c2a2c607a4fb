#!/usr/bin/env python3
"""A phone-app server for the end-to-end tests, written as Digium's sample app server is: it speaks
AMI through a third-party library (panoramisk), registers methods with DPMAMessageRegister, and
answers each DPMAMessage event with DPMAMessageResponse.

Usage: app_server.py PORT USER SECRET MODE METHOD...
  MODE echo    answers {"echo": <the request's parameters>, "requestid": ..., "method": ...}
  MODE silent  never answers

Every line it prints on stdout is one fact, for the test to read:
  ready                                 logged in, every METHOD registered
  registered METHOD Success|Error MESSAGE
  event-fields PRIVILEGE FORMAT         then
  request REQUESTID METHOD PARAMETERS   a DPMAMessage event
  answered REQUESTID Success|Error MESSAGE
  reply Success|Error MESSAGE           the response to an action sent from stdin
Commands on stdin, one per line:
  action {"Action": ..., ...}           send any action (JSON object of headers), print its reply
  quit (or end of input)                log off and exit
"""

import asyncio
import json
import sys

from panoramisk import Manager


def say(*words):
    print(" ".join(str(w) for w in words), flush=True)


def outcome(message):
    return "%s %s" % (message.get("Response", "?"), message.get("Message", ""))


async def main():
    port, user, secret, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    methods = sys.argv[5:]
    loop = asyncio.get_running_loop()
    manager = Manager(loop=loop, host="127.0.0.1", port=int(port), username=user,
                      secret=secret, ping_delay=3600, ping_interval=3600,
                      reconnect_timeout=3600)
    answered = []

    async def answer(event):
        response = {
            "echo": json.loads(event["Parameters"]),
            "requestid": event["RequestID"],
            "method": event["Method"],
        }
        reply = await manager.send_action({
            "Action": "DPMAMessageResponse",
            "RequestID": event["RequestID"],
            "Format": "JSON",
            "Response": json.dumps(response),
        })
        say("answered", event["RequestID"], outcome(reply))

    def on_message(_, event):
        say("event-fields", event.get("Privilege"), event.get("Format"))
        say("request", event["RequestID"], event["Method"], event["Parameters"])
        if mode == "echo":
            answered.append(asyncio.ensure_future(answer(event)))

    manager.register_event("DPMAMessage", on_message)
    await manager.connect()
    for _ in range(200):
        if manager.authenticated:
            break
        await asyncio.sleep(0.05)
    else:
        say("error", "login failed")
        return 2
    for method in methods:
        reply = await manager.send_action({"Action": "DPMAMessageRegister", "Method": method})
        say("registered", method, outcome(reply))
    say("ready")

    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().strip()
        if not line or line == "quit":
            break
        if line.startswith("action "):
            reply = await manager.send_action(json.loads(line[len("action "):]))
            say("reply", outcome(reply))
    if answered:
        await asyncio.gather(*answered)
    manager.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
