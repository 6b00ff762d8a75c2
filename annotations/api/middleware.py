"""Free an API response's data when the response is done, not at the next garbage collection."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


def release_api_view(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Break the reference cycles between a DRF view, its request and its response.

    DRF's view keeps its request and response (`view.request`, `view.response`, the paginator's
    page), and they keep the view (`request.parser_context`, `response.renderer_context`, which
    also holds the response itself). Reference counting cannot free such a cycle: the cyclic
    garbage collector does, later, after walking everything in it, which for a page of 500
    verdicts is thousands of containers per request (docs/performance.md has the figure). Once
    the response is rendered (Django renders it before the middleware sees it), nothing needs
    the view any more, so this empties it and the response's context: the data
    then goes as soon as the server has sent the response.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        context = getattr(response, "renderer_context", None)
        if context is not None and getattr(response, "is_rendered", False):
            view = context.get("view")
            if view is not None:
                view.__dict__.clear()
            context.clear()
        return response

    return middleware
