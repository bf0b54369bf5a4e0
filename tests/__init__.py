from . import (
    test_drs_concurrency,
    test_drs_crons,
    test_drs_flow,
    test_drs_heijunka,
    test_drs_lead_time,  # issue 4
    test_drs_optimization,
    test_drs_procurement,
    test_drs_queue,
    test_drs_queue_planner,
    test_drs_quote,  # issue 6
    test_drs_recourse,  # issue 6
    test_drs_release,
    test_drs_security,
    test_drs_tour,  # issue 6
)
