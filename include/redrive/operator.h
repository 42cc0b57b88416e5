/* operator.h — who is at the keyboard, for the audit log and requeue batches. */
#ifndef REDRIVE_OPERATOR_H
#define REDRIVE_OPERATOR_H

#include <stddef.h>

/* Writes e.g. "hanako via sudo from 203.0.113.5" into out: the login name
 * (the terminal's login, else the user of the process), "via sudo" when
 * SUDO_USER names the person, and the SSH client address when
 * SSH_CONNECTION/SSH_CLIENT is set.  $REDRIVE_OPERATOR overrides it all
 * (for tests and for wrappers that know better). */
void operator_identity(char *out, size_t outlen);

#endif
