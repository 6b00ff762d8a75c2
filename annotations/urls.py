from django.urls import path

from . import views

app_name = "annotations"

urlpatterns = [
    path("", views.article_list, name="article-list"),
    path("articles/new/", views.article_create, name="article-create"),
    path("articles/<int:pk>/", views.article_detail, name="article-detail"),
    path("articles/<int:pk>/annotations/new/", views.annotation_new, name="annotation-new"),
    path("articles/<int:pk>/annotations/", views.annotation_create, name="annotation-create"),
    path("annotations/<int:pk>/edit/", views.annotation_edit, name="annotation-edit"),
    path("annotations/<int:pk>/delete/", views.annotation_delete, name="annotation-delete"),
    path("annotations/<int:pk>/restore/", views.annotation_restore, name="annotation-restore"),
    path("sources/search/", views.source_search, name="source-search"),
    path("sources/new/", views.source_create, name="source-create"),
    path("sources/<int:pk>/row/", views.source_row, name="source-row"),
]
