"""Default settings, with Django's names and values; a project's settings override these."""

DEBUG = False
DEBUG_PROPAGATE_EXCEPTIONS = False
ADMINS = []
MANAGERS = ADMINS
INTERNAL_IPS = []
ALLOWED_HOSTS = []

TIME_ZONE = "America/Chicago"
USE_TZ = True
LANGUAGE_CODE = "en-us"
LANGUAGES = [("en", "English")]
LANGUAGES_BIDI = ["he", "ar", "ar-dz", "ckb", "fa", "ug", "ur"]
USE_I18N = True
LOCALE_PATHS = []
LANGUAGE_COOKIE_NAME = "django_language"
LANGUAGE_COOKIE_AGE = None
LANGUAGE_COOKIE_DOMAIN = None
LANGUAGE_COOKIE_PATH = "/"
LANGUAGE_COOKIE_SECURE = False
LANGUAGE_COOKIE_HTTPONLY = False
LANGUAGE_COOKIE_SAMESITE = None

DEFAULT_CHARSET = "utf-8"
SERVER_EMAIL = "root@localhost"
DEFAULT_FROM_EMAIL = "webmaster@localhost"
EMAIL_SUBJECT_PREFIX = "[Reinhardt] "
EMAIL_BACKEND = "reinhardt.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "localhost"
EMAIL_PORT = 25

DATABASES = {}
DATABASE_ROUTERS = []
DEFAULT_AUTO_FIELD = "reinhardt.orm.models.AutoField"

INSTALLED_APPS = []
TEMPLATES = []
FORM_RENDERER = "reinhardt.web.forms.renderers.DjangoTemplates"

PREPEND_WWW = False
APPEND_SLASH = True
DISALLOWED_USER_AGENTS = []
IGNORABLE_404_URLS = []
FORCE_SCRIPT_NAME = None
ROOT_URLCONF = None
WSGI_APPLICATION = None
ASGI_APPLICATION = None

SECRET_KEY = ""
SECRET_KEY_FALLBACKS = []

MEDIA_ROOT = ""
MEDIA_URL = ""
STATIC_ROOT = None
STATIC_URL = None
STATICFILES_DIRS = []
STATICFILES_FINDERS = [
    "reinhardt.contrib.staticfiles.finders.FileSystemFinder",
    "reinhardt.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STORAGES = {
    "default": {"BACKEND": "reinhardt.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "reinhardt.contrib.staticfiles.storage.StaticFilesStorage"},
}

FILE_UPLOAD_HANDLERS = [
    "reinhardt.core.files.uploadhandler.MemoryFileUploadHandler",
    "reinhardt.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440  # 2.5 MB
DATA_UPLOAD_MAX_MEMORY_SIZE = 2621440  # 2.5 MB
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 100
FILE_UPLOAD_TEMP_DIR = None
FILE_UPLOAD_PERMISSIONS = 0o644
FILE_UPLOAD_DIRECTORY_PERMISSIONS = None

DATE_FORMAT = "N j, Y"
DATETIME_FORMAT = "N j, Y, P"
TIME_FORMAT = "P"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "F j"
SHORT_DATE_FORMAT = "m/d/Y"
SHORT_DATETIME_FORMAT = "m/d/Y P"
DATE_INPUT_FORMATS = [
    "%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%b %d %Y", "%b %d, %Y", "%d %b %Y",
    "%d %b, %Y", "%B %d %Y", "%B %d, %Y", "%d %B %Y", "%d %B, %Y",
]
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M:%S.%f", "%H:%M"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S.%f", "%m/%d/%Y %H:%M",
    "%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M:%S.%f", "%m/%d/%y %H:%M",
]
FIRST_DAY_OF_WEEK = 0
DECIMAL_SEPARATOR = "."
USE_THOUSAND_SEPARATOR = False
NUMBER_GROUPING = 0
THOUSAND_SEPARATOR = ","

DEFAULT_TABLESPACE = ""
DEFAULT_INDEX_TABLESPACE = ""

X_FRAME_OPTIONS = "DENY"
USE_X_FORWARDED_HOST = False
USE_X_FORWARDED_PORT = False
SECURE_PROXY_SSL_HEADER = None

MIDDLEWARE = []

CACHES = {"default": {"BACKEND": "reinhardt.core.cache.backends.locmem.LocMemCache"}}
CACHE_MIDDLEWARE_KEY_PREFIX = ""
CACHE_MIDDLEWARE_SECONDS = 600
CACHE_MIDDLEWARE_ALIAS = "default"

SESSION_CACHE_ALIAS = "default"
SESSION_COOKIE_NAME = "sessionid"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 7 * 2
SESSION_COOKIE_DOMAIN = None
SESSION_COOKIE_SECURE = False
SESSION_COOKIE_PATH = "/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_ENGINE = "reinhardt.contrib.sessions.backends.db"
SESSION_FILE_PATH = None
SESSION_SERIALIZER = "reinhardt.contrib.sessions.serializers.JSONSerializer"

AUTH_USER_MODEL = "auth.User"
AUTHENTICATION_BACKENDS = ["reinhardt.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/accounts/profile/"
LOGOUT_REDIRECT_URL = None
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
PASSWORD_HASHERS = [
    "reinhardt.contrib.auth.hashers.PBKDF2PasswordHasher",
    "reinhardt.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "reinhardt.contrib.auth.hashers.Argon2PasswordHasher",
    "reinhardt.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "reinhardt.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = []

SIGNING_BACKEND = "reinhardt.core.signing.TimestampSigner"

CSRF_FAILURE_VIEW = "reinhardt.web.views.csrf.csrf_failure"
CSRF_COOKIE_NAME = "csrftoken"
CSRF_COOKIE_AGE = 60 * 60 * 24 * 7 * 52
CSRF_COOKIE_DOMAIN = None
CSRF_COOKIE_PATH = "/"
CSRF_COOKIE_SECURE = False
CSRF_COOKIE_HTTPONLY = False
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_HEADER_NAME = "HTTP_X_CSRFTOKEN"
CSRF_TRUSTED_ORIGINS = []
CSRF_USE_SESSIONS = False

MESSAGE_STORAGE = "reinhardt.contrib.messages.storage.fallback.FallbackStorage"

LOGGING_CONFIG = "logging.config.dictConfig"
LOGGING = {}
DEFAULT_EXCEPTION_REPORTER = "reinhardt.web.views.debug.ExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "reinhardt.web.views.debug.SafeExceptionReporterFilter"

TEST_RUNNER = "reinhardt.test.runner.DiscoverRunner"
TEST_NON_SERIALIZED_APPS = []

FIXTURE_DIRS = []
MIGRATION_MODULES = {}
SILENCED_SYSTEM_CHECKS = []

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_HSTS_PRELOAD = False
SECURE_HSTS_SECONDS = 0
SECURE_REDIRECT_EXEMPT = []
SECURE_REFERRER_POLICY = "same-origin"
SECURE_SSL_HOST = None
SECURE_SSL_REDIRECT = False
