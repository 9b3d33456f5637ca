"""One shared HTTP session (urllib3 pools, thread-safe), retries with backoff, timeouts, TLS
settings, proxies, authentication, and the one function that redacts credentials from URLs.

May import `bale.errors` and `bale.core`; nothing above it.
"""
