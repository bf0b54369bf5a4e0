from . import (
    test_drs_concurrency,
    test_drs_flow,
    test_drs_procurement,
    test_drs_queue,
    test_drs_release,
    test_drs_security,
)
