from benchsite.settings import *  # noqa: F403

MIDDLEWARE = [
    "reinhardt.web.middleware.security.SecurityMiddleware",
    "reinhardt.web.middleware.common.CommonMiddleware",
    "reinhardt.web.middleware.csrf.CsrfViewMiddleware",
    "reinhardt.web.middleware.clickjacking.XFrameOptionsMiddleware",
]
