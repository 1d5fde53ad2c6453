#!/usr/bin/env python3
"""vaktd fetching from the Instagram simulator (Graph API, professional
accounts): the shared fetch tests (fetchcase.PlatformCases) with
Instagram's media, comments and replies, its throttling codes (4 and
80002) and a caption edit."""
from fetchcase import QUESTION, FetchBase, PlatformCases
from vakttest import main

USER = "17841406338772941"
MEDIA = "17896622936197745"


class Instagram(PlatformCases, FetchBase):
    platform = "instagram"
    script = "sim_instagram.py"
    scenario = "instagram.json"
    external_id = USER
    token = "IGQ-token"
    api_path = "/v22.0"
    own_author = USER
    faults = [
        {"mode": "502"},
        {"mode": "throttle", "code": 80002, "regain_minutes": 2},
        {"mode": "429", "retry_after": 90},
        {"mode": "timeout", "hold_s": 0.2},
        {"mode": "malformed"},
    ]
    # The first poll is one request (media with comments and replies
    # embedded): the kill comes while it is held open.
    kill_skip = 0

    def expected(self, st):
        return {i: it["parent"] for i, it in st["items"].items() if not it.get("deleted")}

    def add_question(self, sim):
        return sim.ctl("POST", "/items", {"kind": "comment", "parent": MEDIA, "author": "u-lena",
                                          "text": QUESTION, "created": "now"})["ids"][0]

    def add_own_reply(self, sim, parent):
        return sim.ctl("POST", "/items", {"kind": "comment", "parent": parent, "author": USER,
                                          "text": "@lena Klockan nio!", "created": "now"})["ids"][0]

    def add_many(self, sim, n):
        # More than the 50 comments embedded with the media: /comments pages.
        sim.ctl("POST", "/items", {"items": [
            {"kind": "comment", "parent": MEDIA, "author": "u-bin", "text": "k%d" % i,
             "created": "-%dm" % (n + 10 - i)} for i in range(n)]})

    def add_edit(self, sim):
        sim.ctl("POST", "/items/" + MEDIA, {"text": "Luciatåget i stadshuset, kl. 18"})
        return MEDIA


if __name__ == "__main__":
    main()
