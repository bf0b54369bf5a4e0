# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The client action a DRS button answers with after changing data in place."""


def notify_and_reload(message, notification_type="info"):
    """Show ``message`` (translated by the caller) as a notification of
    ``notification_type`` (``success``, ``info``, ``warning`` or ``danger``),
    then reload the current view so that it shows the changed records."""
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "type": notification_type,
            "message": message,
            "next": {"type": "ir.actions.client", "tag": "soft_reload"},
        },
    }
