"""The floor: the least a Django view on this stack can do to store one submitted row, CSRF checked."""

from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.views.decorators.http import require_http_methods


@require_http_methods(["GET", "POST"])
def bare_insert(request):
    """GET: the CSRF cookie and token, as a form page would hand them out. POST: one INSERT."""
    if request.method == "GET":
        return HttpResponse(get_token(request), content_type="text/plain")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_row (payload) VALUES (%s)", [request.POST.get("payload", "")])
    return HttpResponse("ok", status=201)
