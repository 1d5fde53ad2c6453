#!/usr/bin/env python3
"""Moderation actions carried out by vaktd against the platform simulators
(tests/sim/), on the manual test clock: a threat hidden automatically, a
moderator's decision carried out, a 500 retried, a gone comment, a refused
action that falls back and is recorded (not_allowed), a dead token, kill -9
while an action is on the wire, per platform.

The action driver runs on the daemon's tick and after an API decision;
retries wait on the daemon's clock, so the tests move the manual clock and
wait for conditions in the store, never for wall time."""
import json
import os
import signal
import sys

from vakttest import PATIENCE, main, wait_for

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetchcase import FetchBase, real_now, rows  # noqa: E402

THREAT = "Jag ska döda dig"
FB_POST = "104857600123456_10158407654328553"
FB_OWN_REPLY = "10158407654328553_10158409984103553"  # the Page's own comment
FB_SPAM = "10158407654328553_10158408729028553"


class ActionsBase(FetchBase):
    def action_rows(self, item=None):
        sql = ("SELECT a.id, a.kind, a.state, a.requested_by, a.attempts, coalesce(a.answer,''), "
               "coalesce(a.error,''), i.platform_id, i.platform_state FROM actions a "
               "JOIN items i ON i.id = a.item_id")
        if item is None:
            return rows(self.db, sql + " ORDER BY a.id")
        return rows(self.db, sql + " WHERE i.platform_id = ? ORDER BY a.id", item)

    def item_id(self, platform_id):
        r = rows(self.db, "SELECT id FROM items WHERE platform_id = ?", platform_id)
        self.assertTrue(r, "%s is not stored" % platform_id)
        return r[0][0]

    def wait_state(self, d, platform_id, kind, states, advance=None, what=None, attempts=0):
        """Wait until the action kind on platform_id is in one of states
        (after at least `attempts` attempts), moving the manual clock by
        `advance` while it is not (retries and the tick wait on it)."""
        def check():
            for r in self.action_rows(platform_id):
                if r[1] == kind and r[2] in states and r[4] >= attempts:
                    return r
            if advance:
                d.advance(advance)
            return None
        return wait_for(check, what or "%s of %s to be %s" % (kind, platform_id, states),
                        timeout=30 * PATIENCE)

    def audit(self, action):
        return rows(self.db, "SELECT actor, subject, detail, caller_uid FROM audit_log "
                    "WHERE action = ? ORDER BY seq", action)

    def sim_action_log(self, sim):
        return [e["action"] for e in sim.log() if e.get("action")]

    def decide(self, d, platform_id, kind, reason=None):
        args = ["action", str(self.item_id(platform_id)), kind, "--json"]
        if reason:
            args += ["--reason", reason]
        out = json.loads(d.ctl(*args).stdout)
        self.assertEqual(kind, out["kind"])
        self.assertEqual("queued", out["state"])
        return out


class Facebook(ActionsBase):
    def setUp(self):
        super().setUp()
        self.fb = self.sim()
        self.fb.ctl("POST", "/items", {"items": [
            {"id": "10158407654328553_990001", "kind": "comment", "parent": FB_POST,
             "author": "u-omar", "text": THREAT},
        ]})
        self.account("fb", self.fb)
        self.d = self.start()
        self.to_present(self.d)
        self.need_connector(self.poll(self.d, "fb"))

    def test_a_threat_is_hidden_automatically(self):
        d, cid = self.d, "10158407654328553_990001"
        row = self.wait_state(d, cid, "hide", ("done",), advance="1m")
        self.assertEqual("vakt", row[3])
        self.assertEqual("ok", row[5])
        self.assertEqual("hidden", row[8])
        self.assertTrue(self.fb.state()["items"][cid]["hidden"])
        queued = [a for a in self.audit("action.queued") if '"kind":"hide"' in a[2]]
        self.assertTrue(queued and queued[0][0] == "vakt" and "sv.threat" in queued[0][2], queued)
        self.assertTrue(self.audit("action.done"))
        # Hiding it is vakt's own first step, not a moderator's decision:
        # the on-call page about the threat stays open until acknowledged.
        item = self.item_id(cid)
        esc = [e for e in json.loads(d.ctl("escalations", "--json").stdout)["escalations"]
               if e["item"] == item]
        self.assertTrue(esc, "no escalation for the threat")
        self.assertFalse(esc[0]["cancelled_at"], esc[0])
        # Evaluated again (a moderator's re-evaluation, or the next poll):
        # nothing is queued twice.
        d.ctl("item", str(self.item_id(cid)), "--evaluate")
        self.poll(d, "fb")
        d.advance("1m")
        self.assertEqual(1, len([r for r in self.action_rows(cid) if r[1] == "hide"]))
        hides = [a for a in self.sim_action_log(self.fb) if a["op"] == "hide" and a["id"] == cid]
        self.assertEqual(1, len(hides), hides)

    def test_a_hide_a_page_cannot_do_is_recorded_not_allowed(self):
        # A Page cannot hide posts (only comments), and Facebook has
        # nothing weaker (no report): refused before anything is sent.
        d = self.d
        self.decide(d, FB_POST, "hide")
        row = self.wait_state(d, FB_POST, "hide", ("not_allowed",))
        self.assertIn("facebook does not allow hide on a post", row[6])
        self.assertEqual(0, row[4])
        self.assertTrue(self.audit("action.not_allowed"))
        self.assertFalse([a for a in self.sim_action_log(self.fb) if a["id"] == FB_POST])
        self.assertEqual(1, len(self.action_rows(FB_POST)))  # nothing weaker proposed

    def test_a_moderators_delete_is_carried_out_and_audited_with_the_caller(self):
        d = self.d
        self.decide(d, FB_SPAM, "delete", reason="spam")
        row = self.wait_state(d, FB_SPAM, "delete", ("done",))  # no clock move: at once
        self.assertEqual("deleted", row[8])
        self.assertTrue(self.fb.state()["items"][FB_SPAM]["deleted"])
        q = [a for a in self.audit("action.queued") if '"kind":"delete"' in a[2]]
        self.assertTrue(q[0][0].startswith("api:"), q)
        self.assertEqual(os.getuid(), q[0][3])
        self.assertIn("spam", q[0][2])
        out = json.loads(d.ctl("actions", "--json").stdout)["actions"]
        self.assertIn("delete", [a["kind"] for a in out])
        pending = json.loads(d.ctl("actions", "--pending", "--json").stdout)["actions"]
        self.assertNotIn(FB_SPAM, [a["platform_id"] for a in pending])
        text = d.ctl("actions", "--item", str(self.item_id(FB_SPAM))).stdout
        self.assertIn("delete  done", text)
        self.assertIn("reason: spam", text)

    def test_a_500_then_ok_is_retried(self):
        d, cid = self.d, "10158407654328553_10158407903973553"
        self.fb.fault(mode="500", path=cid, method="POST", count=1)
        self.decide(d, cid, "hide")
        row = self.wait_state(d, cid, "hide", ("queued",), attempts=1,
                              what="the 500 to be retried later")
        self.assertEqual(1, row[4])
        self.assertEqual("retry", row[5])
        # Status counts the hide waiting for its retry (a kept counter, the
        # same number as the rows).
        def counted():
            n = rows(self.db, "SELECT count(*) FROM actions WHERE state IN ('queued','running')")
            return n[0][0] if d.status()["pending"]["actions"] == n[0][0] else None
        self.assertGreaterEqual(wait_for(counted, "status to count the waiting actions"), 1)
        self.assertIn("queued or running", d.ctl("status").stdout)
        row = self.wait_state(d, cid, "hide", ("done",), advance="1m")
        self.assertEqual(2, row[4])
        self.assertTrue(self.fb.state()["items"][cid]["hidden"])
        self.assertTrue(self.audit("action.retry"))

    def test_kill_9_while_an_action_is_on_the_wire_carries_it_out_after_restart(self):
        d, cid = self.d, "10158407654328553_10158407903973553"
        self.fb.fault(mode="slow", delay_ms=30000, path=cid, method="POST", count=1)
        self.decide(d, cid, "hide")
        self.wait_state(d, cid, "hide", ("running",), attempts=1)
        d.signal(signal.SIGKILL)
        d.wait_exit()
        self.fb.ctl("DELETE", "/faults")
        d2 = self.vaktd("--test-clock", real_now() + ",manual").start()
        row = self.wait_state(d2, cid, "hide", ("done",), advance="1m")
        self.assertEqual(2, row[4])
        self.assertEqual(1, len(self.action_rows(cid)))
        self.assertTrue(self.fb.state()["items"][cid]["hidden"])
        self.assertTrue(self.audit("action.recover"))

    def test_a_gone_comment_is_done_and_gone(self):
        d, cid = self.d, "10158407654328553_10158408043788553"
        self.fb.ctl("DELETE", "/items/" + cid)
        self.decide(d, cid, "hide")
        row = self.wait_state(d, cid, "hide", ("done",))
        self.assertEqual("gone", row[5])
        self.assertEqual("gone", row[8])

    def test_a_refusal_by_the_platform_is_not_allowed(self):
        # The Page's own comment: Graph refuses to hide it (code 100).
        d = self.d
        self.decide(d, FB_OWN_REPLY, "hide")
        row = self.wait_state(d, FB_OWN_REPLY, "hide", ("not_allowed",))
        self.assertEqual("not_allowed", row[5])
        self.assertIn("Graph error 100", row[6])
        self.assertTrue(self.audit("action.not_allowed"))
        # A second decision while none is queued is fine; two at once not.
        r = d.ctl("action", str(self.item_id(FB_SPAM)), "hide", check=False)
        self.assertEqual(0, r.returncode, r.stderr)
        r2 = d.ctl("action", str(self.item_id(FB_SPAM)), "hide", check=False)
        self.assertTrue(r2.returncode == 0 or "already" in r2.stderr, r2.stderr)

    def test_a_dead_token_fails_the_action_and_turns_the_account_red(self):
        d, cid = self.d, "10158407654328553_10158407903973553"
        self.fb.fault(mode="token", kind="expired", path=cid, method="POST", count=1)
        self.decide(d, cid, "hide")
        row = self.wait_state(d, cid, "hide", ("failed",))
        self.assertEqual("token", row[5])
        h = rows(self.db, "SELECT state, token_state FROM account_health WHERE account_id='fb'")
        self.assertEqual([("red", "invalid")], h)


class PlatformActions(ActionsBase):
    """One platform's simulator and account, polled once, with extra
    items (self.extra) added on the platform first."""
    platform = script = scenario = external_id = token = None
    api_path = ""
    extra = []

    def setUp(self):
        super().setUp()
        self.s = self.sim(self.script, self.scenario)
        if self.extra:
            self.s.ctl("POST", "/items", {"items": self.extra})
        self.account("acct", self.s)
        self.d = self.start()
        self.to_present(self.d)
        self.need_connector(self.poll(self.d, "acct"))


class YouTube(PlatformActions):
    """YouTube hides by holding for review (the only reversible hide) and
    deletes by rejecting."""
    platform, script, scenario = "youtube", "sim_youtube.py", "youtube.json"
    external_id, token = "UCa-vrCLQHviTOVnEKDOdetQ", "ya29-owner"
    extra = [{"id": "UgzThreatVaktTest1", "author": "kun", "video": "JE8xdDp5B8Q",
              "text": THREAT, "created": "now"}]

    def test_a_threat_is_held_for_review(self):
        row = self.wait_state(self.d, "UgzThreatVaktTest1", "hide", ("done",), advance="1m")
        self.assertEqual(("vakt", "hidden"), (row[3], row[8]))
        self.assertEqual("heldForReview", self.s.state()["items"]["UgzThreatVaktTest1"]["moderation"])

    def test_a_delete_rejects(self):
        cid = "UgwSRpgkjCe6OHHe3IJ4AaABAg"
        self.decide(self.d, cid, "delete")
        row = self.wait_state(self.d, cid, "delete", ("done",))
        self.assertEqual("deleted", row[8])
        self.assertEqual("rejected", self.s.state()["items"][cid]["moderation"])


class X(PlatformActions):
    """X hides replies only in the account's own conversations, and
    deletes nothing of others'."""
    platform, script, scenario = "x", "sim_x.py", "x.json"
    external_id, token = "1234000000000000001", "x-user-token"
    OWN_CONV = "1865000000000000901"  # a reply under the account's own post
    ELSEWHERE = "1865000000000000902"  # a mention in someone else's thread
    extra = [{"id": OWN_CONV, "parent": "1865000000000000101", "author": "troll",
              "text": "@exempelby " + THREAT, "created": "now"},
             {"id": ELSEWHERE, "parent": "1865000000000000106", "author": "omar",
              "text": "@exempelby " + THREAT, "created": "now"}]

    def test_a_threat_in_the_accounts_conversation_is_hidden(self):
        row = self.wait_state(self.d, self.OWN_CONV, "hide", ("done",), advance="1m")
        self.assertEqual("hidden", row[8])
        self.assertTrue(self.s.state()["items"][self.OWN_CONV]["hidden"])

    def test_a_threat_elsewhere_is_refused_by_x_and_recorded(self):
        row = self.wait_state(self.d, self.ELSEWHERE, "hide", ("not_allowed",), advance="1m")
        self.assertEqual("not_allowed", row[5])
        self.assertIn("403", row[6])
        self.assertFalse(self.s.state()["items"][self.ELSEWHERE]["hidden"])
        # Nothing weaker on X: no report proposed; the review clock stays.
        self.assertEqual(["hide"], [r[1] for r in self.action_rows(self.ELSEWHERE)])

    def test_a_delete_falls_back_to_a_proposed_hide(self):
        cid = "1865000000000000104"
        self.decide(self.d, cid, "delete")
        self.wait_state(self.d, cid, "delete", ("not_allowed",))
        r = {x[1]: x for x in self.action_rows(cid)}
        self.assertIn("x does not allow delete", r["delete"][6])
        self.assertEqual(("proposed", "vakt"), r["hide"][2:4])
        pending = json.loads(self.d.ctl("actions", "--pending", "--json").stdout)["actions"]
        self.assertIn(("hide", "proposed"), [(a["kind"], a["state"]) for a in pending
                                             if a["platform_id"] == cid])
        # The moderator takes the proposal: the hide is carried out.
        self.decide(self.d, cid, "hide")
        self.wait_state(self.d, cid, "hide", ("done",))
        states = sorted((x[1], x[2], x[3]) for x in self.action_rows(cid))
        self.assertIn(("hide", "cancelled", "vakt"), states)


class Mastodon(PlatformActions):
    """An account cannot hide or delete what others write on Mastodon: a
    threat's hide is not allowed, a report is proposed; the moderator's
    report is carried out."""
    platform, script, scenario = "mastodon", "sim_mastodon.py", "mastodon.json"
    external_id, token = "117020565966271181", "masto-token"
    THREAT_ID = "117020577157690901"
    extra = [{"id": THREAT_ID, "author": "per", "text": "@exempelby " + THREAT,
              "created": "now"}]

    def test_a_threat_is_not_hidden_and_a_report_is_proposed(self):
        r = {x[1]: x for x in self.action_rows(self.THREAT_ID)}
        self.assertEqual("not_allowed", r["hide"][2])
        self.assertIn("mastodon does not allow hide on a", r["hide"][6])
        self.assertEqual("proposed", r["report"][2])
        self.d.advance("1m")
        self.assertFalse(self.sim_action_log(self.s))  # nothing sent without a human
        self.decide(self.d, self.THREAT_ID, "report", reason="threat against staff")
        self.wait_state(self.d, self.THREAT_ID, "report", ("done",))
        reports = self.s.state()["extra"]["reports"]
        self.assertEqual([[self.THREAT_ID]], [rep["status_ids"] for rep in reports])


class Instagram(PlatformActions):
    """Instagram hides and deletes comments, never the account's media."""
    platform, script, scenario = "instagram", "sim_instagram.py", "instagram.json"
    external_id, token, api_path = "17841406338772941", "IGQ-token", "/v22.0"
    MEDIA = "17896622936197745"
    THREAT_ID = "17999999990000001"
    extra = [{"id": THREAT_ID, "kind": "comment", "parent": MEDIA, "author": "u-ik",
              "text": THREAT, "created": "now"}]

    def test_a_threat_is_hidden(self):
        row = self.wait_state(self.d, self.THREAT_ID, "hide", ("done",), advance="1m")
        self.assertEqual("hidden", row[8])
        self.assertTrue(self.s.state()["items"][self.THREAT_ID]["hidden"])

    def test_media_cannot_be_hidden(self):
        self.decide(self.d, self.MEDIA, "hide")
        row = self.wait_state(self.d, self.MEDIA, "hide", ("not_allowed",))
        self.assertIn("instagram does not allow hide on a", row[6])


class LinkedIn(PlatformActions):
    """LinkedIn (Community Management API, synthetic like its simulator):
    nothing can be hidden; the organisation deletes comments on its own
    posts (DELETE socialActions/{activity}/comments/{id}?actor=ORG).  A
    threat's hide is not allowed and the delete is proposed to a
    moderator, never carried out without one."""
    platform, script, scenario = "linkedin", "sim_linkedin.py", "linkedin.json"
    external_id, token = "urn:li:organization:2414183", "li-token"
    ACTIVITY = "urn:li:activity:6844785524083892224"
    THREAT_ID = "6844790000000000901"
    MEMBER = "6844790000000000004"  # maria's question on the organisation's post
    extra = [{"id": THREAT_ID, "kind": "comment", "parent": "urn:li:share:6844785523593134080",
              "author": "jonas", "text": THREAT, "created": "now"}]

    def urn(self, cid):
        return "urn:li:comment:(%s,%s)" % (self.ACTIVITY, cid)

    def pending(self):
        return self.d.status()["pending"]

    def test_a_threat_is_not_hidden_and_a_delete_is_proposed(self):
        d, urn = self.d, self.urn(self.THREAT_ID)
        r = {x[1]: x for x in self.action_rows(urn)}
        self.assertEqual("not_allowed", r["hide"][2])
        self.assertIn("linkedin does not allow hide on a comment", r["hide"][6])
        self.assertIn("delete proposed to a moderator", r["hide"][6])
        self.assertEqual(("proposed", "vakt"), r["delete"][2:4])
        self.assertEqual((0, 1), (self.pending()["actions"], self.pending()["actions_proposed"]))
        d.advance("1m")
        self.assertFalse(self.sim_action_log(self.s))  # nothing sent without a human
        self.assertFalse(self.s.state()["items"][self.THREAT_ID].get("deleted"))
        # The moderator takes the proposal: LinkedIn deletes the comment.
        self.decide(d, urn, "delete", reason="threat")
        row = self.wait_state(d, urn, "delete", ("done",))
        self.assertEqual(("ok", "deleted"), (row[5], row[8]))
        self.assertTrue(self.s.state()["items"][self.THREAT_ID]["deleted"])
        sent = [a for a in self.sim_action_log(self.s) if a["op"] == "delete"]
        self.assertEqual([(self.THREAT_ID, "ok")], [(a["id"], a["result"]) for a in sent])
        self.assertEqual((0, 0), (self.pending()["actions"], self.pending()["actions_proposed"]))

    def test_a_members_comment_on_the_organisations_post_is_deleted(self):
        urn = self.urn(self.MEMBER)
        self.decide(self.d, urn, "delete", reason="spam")
        row = self.wait_state(self.d, urn, "delete", ("done",))
        self.assertEqual("deleted", row[8])
        self.assertTrue(self.s.state()["items"][self.MEMBER]["deleted"])
        # Gone from the next read of the post's comments too.
        st = self.s.state()["items"]
        self.assertNotIn(self.MEMBER, [i for i, it in st.items() if not it.get("deleted")])

    def test_a_refused_delete_is_recorded_not_allowed(self):
        # A platform that refuses the organisation (403 ACCESS_DENIED):
        # not_allowed with LinkedIn's words, nothing weaker to propose.
        self.s.ctl("POST", "/config", {"org_deletes_on_own_posts": False})
        urn = self.urn(self.MEMBER)
        self.decide(self.d, urn, "delete")
        row = self.wait_state(self.d, urn, "delete", ("not_allowed",))
        self.assertEqual("not_allowed", row[5])
        self.assertIn("403", row[6])
        self.assertFalse(self.s.state()["items"][self.MEMBER].get("deleted"))
        self.assertEqual(["delete"], [r[1] for r in self.action_rows(urn)])
        h = rows(self.db, "SELECT state FROM account_health WHERE account_id='acct'")
        self.assertNotEqual([("red",)], h)  # a refusal is not a dead token

    def test_a_gone_comment_is_done_and_gone(self):
        urn = self.urn(self.MEMBER)
        self.s.ctl("DELETE", "/items/" + self.MEMBER)
        self.decide(self.d, urn, "delete")
        row = self.wait_state(self.d, urn, "delete", ("done",))
        self.assertEqual(("gone", "gone"), (row[5], row[8]))


if __name__ == "__main__":
    main()
