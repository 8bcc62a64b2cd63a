"""The baseline: the least a Django view on this stack can do to store one submitted row."""

from django.db import connection
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def bare_insert(request):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_row (payload) VALUES (%s)", [request.POST.get("payload", "")])
    return HttpResponse("ok", status=201)
