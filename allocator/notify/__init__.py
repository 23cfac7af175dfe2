"""Notifications: meeting links to PICs, host details and agendas to operators, by e-mail with calendar invites
(and optionally chat channels through apprise), recorded in the store so each is sent exactly once.

See docs/notifications.md.
"""
