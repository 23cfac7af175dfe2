"""The PIC is told when their unit's own trained operator runs the meeting on the office's host."""

from __future__ import annotations

from allocator.notify import messages as m
from allocator.notify.planned import event_info

from .test_workflow_messages import JOIN, OFFICE, POLICY, STAMP, assert_no_host_secrets, flexible, pic_of, planned


def test_pic_mail_says_the_unit_runs_it_itself_in_both_languages() -> None:
    for lang, says in (
        ("id", "operator terlatih dari unit Anda sendiri menjalankan acara ini"),
        ("en", "your unit's own trained operator runs this event"),
    ):
        req = flexible(lang)
        own = event_info(req, planned(operators=[], self_operated=True), POLICY)
        assert own.self_operated
        msg = m.pic_scheduled(own, pic_of(req), office=OFFICE, join=JOIN, sequence=0, stamp=STAMP)
        assert says in msg.text and says[-35:] in msg.html, (lang, msg.text)
        assert_no_host_secrets(msg)
        ours = event_info(req, planned(), POLICY)
        plain = m.pic_scheduled(ours, pic_of(req), office=OFFICE, join=JOIN, sequence=0, stamp=STAMP)
        assert says not in plain.text
