"""Notifications to donors by e-mail and SMS (issue 19.6): `notify()` is the one entry point (docs/NOTIFICATIONS.md)."""
