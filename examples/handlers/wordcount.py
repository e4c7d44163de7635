#!/usr/bin/env python3
"""The "wordcount" handler of the example, in Python with the standard library only.

It answers exactly like WordCount.java, so handlers.toml can run either:

  request:  {"task_id":"...","task_type":"wordcount","task_data":{"text":"To be, or not to be"},"attempt":1}
  response: {"status":"success","result":{"words":6,"counts":{"to":2,"be":2,"or":1,"not":1}}}

A word is a run of ASCII letters, compared without case.
"""
import json
import os
import re
import sys

WORD = re.compile(r"[A-Za-z]+")


def count(text):
    counts = {}
    words = 0
    for match in WORD.finditer(text):
        word = match.group().lower()
        counts[word] = counts.get(word, 0) + 1
        words += 1
    return {"words": words, "counts": counts}


def handle(line):
    try:
        request = json.loads(line)
        text = request["task_data"]["text"]
        if not isinstance(text, str):
            raise ValueError("task_data.text must be a string")
        return {"status": "success", "result": count(text)}
    except (ValueError, KeyError, TypeError) as e:
        # Bad input stays bad on a retry: say so with retryable = false.
        return {"status": "error", "error": f"wordcount: {type(e).__name__}: {e}", "retryable": False}


def main():
    # The protocol is UTF-8 whatever the container's locale says.
    sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    print(f"wordcount (Python) ready, pid {os.getpid()}", file=sys.stderr, flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(handle(line), separators=(",", ":")) + "\n")
        sys.stdout.flush()
    # stdin closed: the daemon is shutting this instance down.


if __name__ == "__main__":
    main()
