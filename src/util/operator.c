#include "redrive/operator.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Keeps only characters that are safe in a log line and in a terminal. */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

void operator_identity(char *out, size_t outlen)
{
	char login[256] = "";
	char from[128] = "";
	const char *over = getenv("REDRIVE_OPERATOR");

	if (!outlen)
		return;
	if (over && *over) {
		snprintf(out, outlen, "%s", over);
		clean(out);
		return;
	}
	const char *sudo_user = getenv("SUDO_USER");
	if (sudo_user && *sudo_user) {
		snprintf(login, sizeof login, "%s via sudo", sudo_user);
	} else if (getlogin_r(login, sizeof login) != 0 || !login[0]) {
		struct passwd *pw = getpwuid(getuid());
		snprintf(login, sizeof login, "%s", pw ? pw->pw_name : "uid-unknown");
	}
	const char *ssh = getenv("SSH_CONNECTION");
	if (!ssh || !*ssh)
		ssh = getenv("SSH_CLIENT");
	if (ssh && *ssh) {
		size_t n = strcspn(ssh, " ");
		if (n > sizeof from - 7) /* " from " and the NUL */
			n = sizeof from - 7;
		memcpy(from, " from ", 6);
		memcpy(from + 6, ssh, n);
		from[6 + n] = '\0';
	}
	snprintf(out, outlen, "%s%s", login, from);
	clean(out);
}
