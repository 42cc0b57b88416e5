#include "redrive/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define RD_ERROR_MSG_MAX 2048

static _Thread_local char message[RD_ERROR_MSG_MAX];

static const struct {
	const char *name;
	int status;
	const char *text;
} errors[] = {
#define RD_ERROR_INFO(name, status, text) { #name, status, text },
	RD_ERROR_LIST(RD_ERROR_INFO)
#undef RD_ERROR_INFO
};

static int valid(int code)
{
	return code >= 0 && code < RD_E_COUNT_;
}

int rd_error(enum rd_err code, const char *fmt, ...)
{
	if (!fmt) {
		snprintf(message, sizeof message, "%s", valid((int)code) ? errors[code].text : "error");
		return (int)code;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	return (int)code;
}

int rd_error_wrap(enum rd_err code, const char *fmt, ...)
{
	char prefix[512];
	char old[RD_ERROR_MSG_MAX];
	va_list ap;

	memcpy(old, message, sizeof old);
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	/* a long prefix may cut the end of the old message; that is fine */
	if (snprintf(message, sizeof message, "%s: %s", prefix, old) < 0)
		message[0] = '\0';
	return (int)code;
}

const char *rd_error_message(void)
{
	return message[0] ? message : "unknown error";
}

void rd_error_set_message(const char *msg)
{
	snprintf(message, sizeof message, "%s", msg ? msg : "");
}

int rd_error_exit_status(int code)
{
	return valid(code) ? errors[code].status : 1;
}

const char *rd_error_name(int code)
{
	return valid(code) ? errors[code].name : "UNKNOWN";
}
