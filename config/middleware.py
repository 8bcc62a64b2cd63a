from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Bokmål unless the visitor chose another language with the switch (its cookie).

    Django's LocaleMiddleware would also follow the browser's Accept-Language header. A Norwegian public
    service speaks Norwegian first: an employee whose browser happens to be set to English still gets
    Bokmål, and English is one click away.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
