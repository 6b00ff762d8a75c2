"""A desk under load, for locust (`make loadtest`, bench/loadtest.py): reviewers read articles,
select and save verdicts and submit them, search, read their notifications; editors work the queue,
approve, look at the dashboard and export an article now and then.

Accounts and articles come from bench/loadtest.py's seed: LOAD_REVIEWERS reviewers named
load-reviewer-N and LOAD_EDITORS editors load-editor-N, password LOAD_PASSWORD, and the article
ids in LOAD_ARTICLES (comma-separated). Requests are named by kind (page, API, or login: a log-in
hashes the password on purpose, PBKDF2 at Django's cost, and is measured apart), so the figures
come out per kind."""

import itertools
import os
import random

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "load-only-password")
ARTICLES = [int(pk) for pk in os.environ.get("LOAD_ARTICLES", "1").split(",")]
REVIEWERS = int(os.environ.get("LOAD_REVIEWERS", "40"))
EDITORS = int(os.environ.get("LOAD_EDITORS", "10"))
STATUSES = ["alleged", "unverified"]
WORDS = ["huawei", "pakistan", "lawsuit", "safe city", "wi-fi", "report", "court", "denied"]
_reviewer_numbers = itertools.count()
_editor_numbers = itertools.count()


class DeskUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = ""

    def on_start(self) -> None:
        """Log in on the page (the session, for pages) and by the API (a token, for the API)."""
        self.client.get("/accounts/login/", name="login: page")
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(
            "/accounts/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login: page",
        )
        answer = self.client.post(
            "/api/v1/auth/token/", json={"username": self.username, "password": PASSWORD}, name="login: token"
        )
        self.api = {"Authorization": f"Token {answer.json()['token']}"}

    def article(self) -> int:
        return random.choice(ARTICLES)


class Reviewer(DeskUser):
    weight = REVIEWERS

    def on_start(self) -> None:
        self.username = f"load-reviewer-{next(_reviewer_numbers) % REVIEWERS}"
        super().on_start()
        self.spans = {}

    def spans_of(self, article: int) -> list[tuple[int, int, str]]:
        if article not in self.spans:
            found = self.client.get(f"/api/v1/articles/{article}/", headers=self.api, name="api: article").json()
            body = found["body"]
            self.spans[article] = [(s["start"], s["end"], body[s["start"] : s["end"]]) for s in found["sentences"]]
        return self.spans[article]

    @task(6)
    def read_article(self) -> None:
        self.client.get(f"/articles/{self.article()}/", name="page: article")

    @task(2)
    def list_verdicts(self) -> None:
        self.client.get(f"/api/v1/annotations/?article={self.article()}", headers=self.api, name="api: verdicts")

    @task(3)
    def save_and_submit(self) -> None:
        article = self.article()
        start, end, quote = random.choice(self.spans_of(article))
        payload = {"article": article, "start": start, "end": end, "quote": quote, "status": random.choice(STATUSES)}
        created = self.client.post("/api/v1/annotations/", json=payload, headers=self.api, name="api: create verdict")
        if created.status_code == 201:
            verdict = created.json()
            self.client.post(
                f"/api/v1/annotations/{verdict['id']}/submit/",
                json={"version": verdict["version"]},
                headers=self.api,
                name="api: submit verdict",
            )

    @task(2)
    def search(self) -> None:
        self.client.get(f"/search/?q={random.choice(WORDS)}", name="page: search")

    @task(1)
    def notifications(self) -> None:
        self.client.get("/notifications/", name="page: notifications")

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="page: articles")


class Editor(DeskUser):
    weight = EDITORS

    def on_start(self) -> None:
        self.username = f"load-editor-{next(_editor_numbers) % EDITORS}"
        super().on_start()

    @task(3)
    def queue(self) -> None:
        self.client.get("/review/", name="page: review queue")

    @task(4)
    def approve_one(self) -> None:
        waiting = self.client.get(
            "/api/v1/annotations/?state=submitted&page_size=20", headers=self.api, name="api: queue"
        ).json()["results"]
        if not waiting:
            return
        verdict = random.choice(waiting)
        # Two editors may reach for the same verdict: the second is told it changed (409), as designed.
        with self.client.post(
            f"/api/v1/annotations/{verdict['id']}/approve/",
            json={"version": verdict["version"]},
            headers=self.api,
            name="api: approve",
            catch_response=True,
        ) as answer:
            if answer.status_code in (200, 409):
                answer.success()

    @task(1)
    def dashboard(self) -> None:
        self.client.get("/desk/", name="page: desk")

    @task(1)
    def export(self) -> None:
        self.client.get(f"/api/v1/export/?article={self.article()}", headers=self.api, name="api: export")
