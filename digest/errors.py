"""One exception root. Children also inherit the built-in type that fits."""


class DigestError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigError(DigestError, ValueError):
    """The configuration is missing, malformed or names a bad value."""


class SourceError(DigestError):
    """A source could not be read; the message is a one-line reason."""


class FetchError(SourceError, ConnectionError):
    """A URL could not be fetched (DNS, timeout, HTTP status, size limit)."""


class FeedError(SourceError, ValueError):
    """A feed document could not be parsed into entries."""


class ExtractError(DigestError, ValueError):
    """A page could not be turned into an article (undecodable, not HTML or text)."""


class UnknownAlgorithm(DigestError, LookupError):
    """A summariser algorithm name that is not registered."""


class StoreError(DigestError, RuntimeError):
    """The store could not be opened, read or written.

    `transient` is true when trying again may work: the connection was lost, the
    server restarted, or a lock was held past the busy timeout."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class SubscriberError(DigestError, ValueError):
    """A subscriber address or import row that cannot be accepted."""


class TokenError(DigestError, ValueError):
    """An unsubscribe token that is forged, altered, truncated or for another list."""


class DeliveryError(DigestError, ConnectionError):
    """Delivery could not start (no SMTP server reachable, bad SMTP settings)."""


class ServerUnavailable(DeliveryError):
    """The SMTP server as a whole cannot be used (refused, DNS, TLS, login): no message
    was tried, and trying again at once will not help."""


class NoReaders(DigestError, LookupError):
    """A list has news but no active subscriber: nothing is composed, the news waits."""
