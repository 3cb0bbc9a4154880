/* The service manager's readiness protocol (sd_notify(3)), written to
 * $NOTIFY_SOCKET directly: one datagram of "KEY=value" lines on an AF_UNIX
 * socket, a path or, starting with '@', an abstract name.  Without
 * NOTIFY_SOCKET (not run by systemd with Type=notify) it does nothing.
 * kpjdd says READY=1 once it listens (after migrations at start),
 * STOPPING=1 at SIGTERM, and STATUS= lines an operator reads in
 * `systemctl status kpjdd`. */
#ifndef KP_SDNOTIFY_H
#define KP_SDNOTIFY_H

#include <stdbool.h>

/* Sends `state` ("READY=1\nSTATUS=serving"); false when NOTIFY_SOCKET is
 * set and the message could not be sent (logged once by the caller, if it
 * cares), true otherwise. */
bool kp_sd_notify(const char *state);

/* The same with a printf-formatted state. */
bool kp_sd_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
