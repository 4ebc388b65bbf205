"""The pure rules of notifications: mentions, who is newly involved, who gets what."""

import pytest

from taiga.projects.notifications.choices import NotifyLevel
from taiga.projects.notifications.involvement import Involvement, newly_involved
from taiga.projects.notifications.mentions import mentioned_usernames
from taiga.projects.notifications.recipients import live_recipients, others

MEMBERS = ["alice", "bob", "bob.smith", "Carol", "d-e_f"]


@pytest.mark.parametrize(
    ("text", "mentioned"),
    [
        ("@alice, can you look?", ["alice"]),
        ("thanks @bob.", ["bob"]),
        ("ask @bob.smith and @bob", ["bob.smith", "bob"]),
        ("@carol and @CAROL", ["Carol"]),
        ("(@d-e_f) @alice @alice", ["d-e_f", "alice"]),
        ("mail alice@example.com or bob@x", []),
        ("@nobody here, @ alice, @", []),
        ("", []),
    ],
)
def test_mentions_are_members_named_after_an_at(text, mentioned):
    assert mentioned_usernames(text, MEMBERS) == mentioned


def test_an_exact_name_wins_over_one_differing_in_case():
    assert mentioned_usernames("@Bob and @bob", ["bob", "Bob"]) == ["Bob", "bob"]


def test_involved_people_are_owner_assignees_watchers_and_mentioned():
    involvement = Involvement(
        owner=1, assigned=frozenset({2}), watchers=frozenset({3}), mentioned=frozenset({4})
    )
    assert involvement.people == {1, 2, 3, 4}
    assert Involvement().people == frozenset()


def test_newly_involved_is_what_a_change_added():
    before = Involvement(
        owner=1, assigned=frozenset({2}), watchers=frozenset({3}), mentioned=frozenset({4})
    )
    after = Involvement(
        owner=1,
        assigned=frozenset({2, 5}),
        watchers=frozenset({6}),
        mentioned=frozenset({4, 7}),
    )
    assert newly_involved(before, after) == {
        "assigned": {5},
        "added_as_watcher": {6},
        "mentioned": {7},
    }
    assert newly_involved(None, before) == {
        "assigned": {2},
        "added_as_watcher": {3},
        "mentioned": {4},
    }


ALL, INVOLVED, NONE = NotifyLevel.ALL, NotifyLevel.INVOLVED, NotifyLevel.NONE


@pytest.mark.parametrize(
    ("levels", "involved", "actor", "recipients"),
    [
        # all: every change; involved (also without a policy): their items; none: nothing.
        ({1: ALL, 2: INVOLVED, 3: NONE}, {2, 3, 4}, None, [1, 2, 4]),
        ({1: ALL, 2: INVOLVED}, set(), None, [1]),
        ({}, {5, 4}, None, [4, 5]),
        # Never the one who made the change, whatever their policy.
        ({1: ALL, 2: ALL}, {2}, 2, [1]),
        ({}, {1, 2}, 1, [2]),
        ({1: NONE}, {1}, None, []),
    ],
)
def test_live_recipients_by_policy(levels, involved, actor, recipients):
    assert live_recipients(levels, involved, actor_id=actor) == recipients


def test_others_are_the_people_but_the_actor_once_each():
    assert others([3, 1, 3, 2], actor_id=2) == [1, 3]
    assert others([3, 1], actor_id=None) == [1, 3]
