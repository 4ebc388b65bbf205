from taiga.base import apps as base_apps


class WikiConfig(base_apps.WatchingAppConfig):
    name = "taiga.projects.wiki"
    label = "wiki"
    verbose_name = "Wiki"
    watched = {"WikiPage": "wiki.wiki_page"}
