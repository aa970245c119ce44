from reinhardt.web.http import HttpResponse


def plain(request):
    return HttpResponse("Hello, World!")


def routed(request, **kwargs):
    return HttpResponse("routed")
