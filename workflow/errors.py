"""Errors an operation raises; the pages and the API turn them into their status codes.

An error's message is translated when it is raised (gettext, in the language of the request)."""
from .i18n import N_


class OperationError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(OperationError):
    status = 404


class Forbidden(OperationError):
    status = 403


class Conflict(OperationError):
    status = 409


class Invalid(OperationError):
    status = 422


class TooLarge(OperationError):
    status = 413


class Unavailable(OperationError):
    """A part the system needs (the file storage) cannot be reached: nothing was saved, the user may try again."""
    status = 503
    retry_after = 30  # seconds, the Retry-After header


STORAGE_UNAVAILABLE = N_("Kho lưu trữ tệp tạm thời không truy cập được; không có thay đổi nào được lưu. "
                         "Vui lòng thử lại sau ít phút.")

# A msgid: translate it where it is used (gettext(STALE_MESSAGE)).
STALE_MESSAGE = N_("Hồ sơ vừa được người khác thay đổi. Vui lòng tải lại trang để xem trạng thái mới "
                   "trước khi thao tác tiếp.")
