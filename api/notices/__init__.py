"""Notices to citizens who asked for them ("Nhận thông báo"), e.g. a new scam warning.

Citizens on Telegram and Zalo opt in by typing "nhận thông báo" and out by typing "hủy
nhận thông báo" (at once: a notice being sent checks again before each message). An
admin previews a notice (how many would get it, per channel; Zalo followers outside
the 48-hour consultation window are not sent anything, by Zalo's rules), then sends
it with the preview's key. Every notice is logged with each recipient's outcome.

``models`` (the tables), ``wording`` (what citizens read and type), ``dialogue`` (opting
in and out, in the turn pipeline), ``service`` (recipients, preview, the logged notice
and its deliveries: claimed, recorded, finished) and ``sending`` (the paced loop that
sends a notice).
"""
