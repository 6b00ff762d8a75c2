from django.urls import path

from . import views

app_name = "annotations"

urlpatterns = [
    path("", views.article_list, name="article-list"),
    path("articles/new/", views.article_create, name="article-create"),
    path("articles/<int:pk>/", views.article_detail, name="article-detail"),
]
