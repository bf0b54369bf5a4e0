from . import (
    test_drs_concurrency,
    test_drs_flow,
    test_drs_heijunka,
    test_drs_lead_time,
    test_drs_optimization,
    test_drs_procurement,
    test_drs_queue,
    test_drs_quote,
    test_drs_recourse,
    test_drs_release,
    test_drs_security,
    test_drs_tour,
)
