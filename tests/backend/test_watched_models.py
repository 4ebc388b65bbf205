"""The nine watched types of the seed, each registered for its model (DESIGN.md 2.1)."""

from django.apps import apps

from taiga.events.registry import type_name_for


def test_the_seeds_nine_types_are_watched() -> None:
    assert {
        f"{app}.{model}": type_name_for(apps.get_model(app, model))
        for app, model in [
            ("userstories", "UserStory"),
            ("tasks", "Task"),
            ("issues", "Issue"),
            ("epics", "Epic"),
            ("milestones", "Milestone"),
            ("wiki", "WikiPage"),
            ("projects", "UserStoryStatus"),
            ("projects", "Swimlane"),
            ("projects", "SwimlaneUserStoryStatus"),
        ]
    } == {
        "userstories.UserStory": "userstories.userstory",
        "tasks.Task": "tasks.task",
        "issues.Issue": "issues.issue",
        "epics.Epic": "epics.epic",
        "milestones.Milestone": "milestones.milestone",
        "wiki.WikiPage": "wiki.wiki_page",
        "projects.UserStoryStatus": "projects.userstorystatus",
        "projects.Swimlane": "projects.swimlane",
        "projects.SwimlaneUserStoryStatus": "projects.swimlaneuserstorystatus",
    }
