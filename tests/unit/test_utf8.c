/* test_utf8.c — decoding, widths, sanitising and fitting, as tables.
 *
 * Strings are written as byte escapes where the bytes matter; B() keeps the
 * length so cases can hold NUL bytes and truncated sequences. */
#include "redrive/utf8.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "redrive/buf.h"
#include "redrive/error.h"

struct bytes {
	const char *s;
	size_t n;
};

#define B(lit) { lit, sizeof(lit) - 1 }
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define ELL "\xE2\x80\xA6"	/* … */

/* Fails the test when out does not hold exactly want, naming the case. */
static void expect_buf(const struct buf *out, const char *want, size_t i, const char *what)
{
	const char *got = buf_str(out);
	if (out->len != strlen(want) || strcmp(got, want) != 0)
		fail_msg("%s case %zu: got \"%s\" (%zu bytes), want \"%s\"", what, i, got,
			 out->len, want);
}

/* --- NULL and empty ------------------------------------------------------ */

static void test_null_and_empty(void **state)
{
	(void)state;
	uint32_t cp = 42;
	assert_int_equal(utf8_decode(NULL, 4, &cp), 0);
	assert_int_equal(cp, 0);
	cp = 42;
	assert_int_equal(utf8_decode("", 0, &cp), 0);
	assert_int_equal(cp, 0);
	assert_int_equal(utf8_decode("abc", 0, NULL), 0);
	assert_int_equal(utf8_decode("a", 1, NULL), 1);

	assert_int_equal(utf8_valid(NULL, 0), 1);
	assert_int_equal(utf8_valid(NULL, 10), 1);
	assert_int_equal(utf8_valid("", 0), 1);

	assert_int_equal(utf8_width(NULL), 0);
	assert_int_equal(utf8_width(""), 0);
	assert_int_equal(utf8_width_n(NULL, 10), 0);
	assert_int_equal(utf8_width_n("abc", 0), 0);

	struct buf out = BUF_INIT;
	assert_int_equal(utf8_sanitize(&out, NULL, 10), RD_OK);
	expect_buf(&out, "", 0, "sanitize NULL");
	assert_int_equal(utf8_sanitize(&out, "", 0), RD_OK);
	expect_buf(&out, "", 1, "sanitize empty");
	assert_non_null(out.p);	/* an empty append still NUL terminates */

	assert_int_equal(utf8_fit(&out, NULL, 3, UTF8_LEFT), RD_OK);
	expect_buf(&out, "   ", 2, "fit NULL");
	buf_reset(&out);
	assert_int_equal(utf8_fit(&out, "", 2, UTF8_RIGHT), RD_OK);
	expect_buf(&out, "  ", 3, "fit empty");
	buf_reset(&out);
	assert_int_equal(utf8_fit(&out, NULL, 0, UTF8_LEFT), RD_OK);
	expect_buf(&out, "", 4, "fit NULL width 0");
	assert_int_equal(utf8_fit_n(&out, NULL, 5, 1, UTF8_LEFT), RD_OK);
	expect_buf(&out, " ", 5, "fit_n NULL");
	buf_free(&out);
}

/* --- decoding ------------------------------------------------------------ */

static const struct {
	struct bytes in;
	int len;
	uint32_t cp;
} decode_ok[] = {
	{ B("A"), 1, 0x41 },
	{ B("\x00"), 1, 0x00 },
	{ B("\x7F"), 1, 0x7F },
	{ B("\xC2\x80"), 2, 0x80 },			/* smallest 2-byte */
	{ B("\xC3\xA9"), 2, 0xE9 },			/* é */
	{ B("\xDF\xBF"), 2, 0x7FF },
	{ B("\xE0\xA0\x80"), 3, 0x800 },		/* smallest 3-byte */
	{ B("\xE3\x81\x82"), 3, 0x3042 },		/* あ */
	{ B("\xED\x9F\xBF"), 3, 0xD7FF },		/* just below the surrogates */
	{ B("\xEE\x80\x80"), 3, 0xE000 },		/* just above them */
	{ B("\xEF\xBF\xBF"), 3, 0xFFFF },
	{ B("\xF0\x90\x80\x80"), 4, 0x10000 },		/* smallest 4-byte */
	{ B("\xF0\x9F\x98\x80"), 4, 0x1F600 },		/* 😀 */
	{ B("\xF4\x8F\xBF\xBF"), 4, 0x10FFFF },		/* largest */
	{ B("\xE3\x81\x82\xE3\x81\x84"), 3, 0x3042 },	/* decodes only the first */
	{ B("a\xFF"), 1, 0x61 },
};

static void test_decode_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(decode_ok); i++) {
		uint32_t cp = 0;
		int len = utf8_decode(decode_ok[i].in.s, decode_ok[i].in.n, &cp);
		if (len != decode_ok[i].len || cp != decode_ok[i].cp)
			fail_msg("decode case %zu: got len %d U+%04X, want len %d U+%04X", i, len,
				 (unsigned)cp, decode_ok[i].len, (unsigned)decode_ok[i].cp);
	}
}

static const struct bytes decode_bad[] = {
	B("\xC0\x80"),			/* overlong NUL */
	B("\xC1\xBF"),			/* overlong 2-byte */
	B("\xE0\x80\x80"),		/* overlong 3-byte */
	B("\xE0\x9F\xBF"),		/* overlong U+07FF */
	B("\xF0\x80\x80\x80"),		/* overlong 4-byte */
	B("\xF0\x8F\xBF\xBF"),		/* overlong U+FFFF */
	B("\xED\xA0\x80"),		/* surrogate U+D800 */
	B("\xED\xBF\xBF"),		/* surrogate U+DFFF */
	B("\xF4\x90\x80\x80"),		/* U+110000 */
	B("\xF5\x80\x80\x80"),
	B("\xF8\x88\x80\x80\x80"),	/* old 5-byte form */
	B("\xFE"),
	B("\xFF"),
	B("\x80"),			/* lone continuation bytes */
	B("\xBF"),
	B("\xC3"),			/* truncated */
	B("\xE3\x81"),
	B("\xF0\x9F\x98"),
	B("\xC3\x41"),			/* bad continuation */
	B("\xE3\x41\x82"),
	B("\xE3\x81\xC3"),
	B("\xF0\x9F\x98\x41"),
};

static void test_decode_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(decode_bad); i++) {
		uint32_t cp = 0;
		int len = utf8_decode(decode_bad[i].s, decode_bad[i].n, &cp);
		if (len != -1 || cp != 0xFFFD)
			fail_msg("decode_bad case %zu: got len %d U+%04X, want -1 U+FFFD", i, len,
				 (unsigned)cp);
	}
	/* n is respected: a complete sequence cut short by n is truncated. */
	assert_int_equal(utf8_decode("\xE3\x81\x82", 2, NULL), -1);
	assert_int_equal(utf8_decode("\xF0\x9F\x98\x80", 3, NULL), -1);
}

static const struct {
	struct bytes in;
	int valid;
} valid_cases[] = {
	{ B("plain ascii"), 1 },
	{ B("\xE4\xBA\x88\xE7\xB4\x84\xE5\xAE\x8C\xE4\xBA\x86"), 1 },	/* 予約完了 */
	{ B("Gr\xC3\xBC\xC3\x9F" "e"), 1 },				/* Grüße */
	{ B("nul\x00inside"), 1 },
	{ B("\xF0\x9F\x98\x80!"), 1 },
	{ B("ok\xC0\x80"), 0 },
	{ B("ok\xED\xA0\x80"), 0 },
	{ B("\xE4\xBA\x88\xE7\xB4"), 0 },				/* truncated at the end */
	{ B("\xF4\x90\x80\x80"), 0 },
	{ B("latin1 caf\xE9"), 0 },
};

static void test_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(valid_cases); i++) {
		int got = utf8_valid(valid_cases[i].in.s, valid_cases[i].in.n);
		if (got != valid_cases[i].valid)
			fail_msg("valid case %zu: got %d, want %d", i, got, valid_cases[i].valid);
	}
}

/* --- code points ----------------------------------------------------------- */

static const struct {
	uint32_t cp;
	int width;
} cpwidth_cases[] = {
	{ 0x00, -1 }, { 0x09, -1 }, { 0x1B, -1 }, { 0x1F, -1 },		/* C0 */
	{ 0x20, 1 }, { 0x41, 1 }, { 0x5C, 1 }, { 0x7E, 1 },
	{ 0x7F, -1 }, { 0x80, -1 }, { 0x9B, -1 }, { 0x9F, -1 },		/* DEL, C1 */
	{ 0xA0, 1 }, { 0xAD, 1 }, { 0xE9, 1 }, { 0xFC, 1 },
	{ 0x0300, 0 }, { 0x0301, 0 }, { 0x036F, 0 }, { 0x0370, 1 },	/* combining */
	{ 0x0391, 1 }, { 0x0416, 1 }, { 0x0488, 0 },			/* Α Ж, Me */
	{ 0x05D0, 1 }, { 0x05B4, 0 }, { 0x064E, 0 }, { 0x0E31, 0 },
	{ 0x1100, 2 }, { 0x1160, 0 }, { 0x11FF, 0 },			/* Hangul jamo */
	{ 0x1AB0, 0 }, { 0x1DC0, 0 }, { 0x20D0, 0 }, { 0x20DD, 0 },
	{ 0x200B, 0 }, { 0x2026, 1 }, { 0x203B, 1 }, { 0x25CB, 1 },	/* …, ※, ○: ambiguous = 1 */
	{ 0x2615, 2 }, { 0x2764, 1 }, { 0x2E80, 2 },
	{ 0x3000, 2 }, { 0x3001, 2 }, { 0x3002, 2 }, { 0x300C, 2 },	/* 　、。「 */
	{ 0x300D, 2 }, { 0x303E, 2 }, { 0x303F, 1 },
	{ 0x3041, 2 }, { 0x3042, 2 }, { 0x3093, 2 }, { 0x3099, 0 },	/* ぁ あ ん, voiced mark */
	{ 0x309A, 0 }, { 0x309B, 2 }, { 0x30A2, 2 }, { 0x30FC, 2 },	/* ゛ ア ー */
	{ 0x30FF, 2 }, { 0x3400, 2 }, { 0x4E00, 2 }, { 0x4E88, 2 },	/* 予 */
	{ 0x9FFF, 2 }, { 0xAC00, 2 }, { 0xD7A3, 2 }, { 0xD7A4, 1 },
	{ 0xF900, 2 }, { 0xFE0E, 0 }, { 0xFE0F, 0 }, { 0xFE00, 0 },
	{ 0xFE10, 2 }, { 0xFE30, 2 }, { 0xFEFF, 0 },
	{ 0xFF01, 2 }, { 0xFF10, 2 }, { 0xFF21, 2 }, { 0xFF60, 2 },	/* ！ ０ Ａ */
	{ 0xFF61, 1 }, { 0xFF76, 1 }, { 0xFF9E, 1 }, { 0xFF9F, 1 },	/* halfwidth kana */
	{ 0xFFE0, 2 }, { 0xFFE5, 2 }, { 0xFFE6, 2 }, { 0xFFE7, 1 },	/* ￥ */
	{ 0xFFFD, 1 },
	{ 0x1B000, 2 }, { 0x1F004, 2 }, { 0x1F1E6, 1 },
	{ 0x1F300, 2 }, { 0x1F321, 1 }, { 0x1F389, 2 }, { 0x1F44D, 2 },	/* 🌀, 🌡, 🎉, 👍 */
	{ 0x1F600, 2 }, { 0x1F64F, 2 }, { 0x1F650, 1 }, { 0x1F680, 2 },
	{ 0x1F90C, 2 }, { 0x1F914, 2 }, { 0x1F9FF, 2 }, { 0x1FA70, 2 },
	{ 0x20000, 2 }, { 0x2A6DF, 2 }, { 0x30000, 2 },
	{ 0xE0041, 0 }, { 0xE0100, 0 }, { 0xE01EF, 0 }, { 0xF0000, 1 },
	{ 0x10FFFF, 1 },
	{ 0xD800, -1 }, { 0xDFFF, -1 }, { 0x110000, -1 }, { 0xFFFFFFFF, -1 },
};

static void test_cpwidth(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(cpwidth_cases); i++) {
		int got = utf8_cpwidth(cpwidth_cases[i].cp);
		if (got != cpwidth_cases[i].width)
			fail_msg("cpwidth U+%04X: got %d, want %d", (unsigned)cpwidth_cases[i].cp,
				 got, cpwidth_cases[i].width);
	}
}

static const struct {
	uint32_t cp;
	int unsafe;
} unsafe_cases[] = {
	{ 0x00, 1 }, { 0x07, 1 }, { 0x0A, 1 }, { 0x1B, 1 }, { 0x1F, 1 },
	{ 0x20, 0 }, { 0x5C, 0 }, { 0x7E, 0 }, { 0x7F, 1 },
	{ 0x80, 1 }, { 0x85, 1 }, { 0x9B, 1 }, { 0x9F, 1 }, { 0xA0, 0 }, { 0xAD, 0 },
	{ 0x0301, 0 }, { 0x061C, 1 }, { 0x180E, 1 },
	{ 0x200A, 0 }, { 0x200B, 1 }, { 0x200D, 1 }, { 0x200F, 1 }, { 0x2010, 0 },
	{ 0x2026, 0 }, { 0x2027, 0 }, { 0x2028, 1 }, { 0x2029, 1 },
	{ 0x202A, 1 }, { 0x202E, 1 }, { 0x202F, 0 },
	{ 0x2060, 1 }, { 0x2064, 1 }, { 0x2065, 0 }, { 0x2066, 1 }, { 0x2069, 1 },
	{ 0x3042, 0 }, { 0xFDCF, 0 }, { 0xFDD0, 1 }, { 0xFDEF, 1 }, { 0xFDF0, 0 },
	{ 0xFE0F, 0 }, { 0xFEFF, 1 }, { 0xFFF9, 1 }, { 0xFFFC, 0 }, { 0xFFFD, 0 },
	{ 0xFFFE, 1 }, { 0xFFFF, 1 }, { 0x1FFFE, 1 }, { 0x1F600, 0 },
	{ 0xE0001, 1 }, { 0xE0041, 1 }, { 0xE007F, 1 }, { 0xE0100, 0 },
	{ 0x10FFFD, 0 }, { 0x10FFFF, 1 },
	{ 0xD800, 1 }, { 0x110000, 1 },
};

static void test_is_unsafe(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(unsafe_cases); i++) {
		int got = utf8_is_unsafe(unsafe_cases[i].cp);
		if (got != unsafe_cases[i].unsafe)
			fail_msg("is_unsafe U+%04X: got %d, want %d", (unsigned)unsafe_cases[i].cp,
				 got, unsafe_cases[i].unsafe);
	}
}

/* --- width ------------------------------------------------------------------ */

static const struct {
	struct bytes in;
	size_t width;
} width_cases[] = {
	{ B("abc"), 3 },
	{ B("a\\b"), 3 },					/* backslash is a character */
	{ B("Gr\xC3\xBC\xC3\x9F" "e"), 5 },			/* Grüße */
	{ B("na\xC3\xAFve caf\xC3\xA9"), 10 },			/* naïve café */
	{ B("cafe\xCC\x81"), 4 },				/* café, decomposed */
	{ B("\xCE\x95\xCE\xBB\xCE\xBB\xCE\xAC\xCE\xB4\xCE\xB1"), 6 },	/* Ελλάδα */
	{ B("\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"), 6 },	/* Привет */
	/* 予約完了のお知らせ */
	{ B("\xE4\xBA\x88\xE7\xB4\x84\xE5\xAE\x8C\xE4\xBA\x86\xE3\x81\xAE"
	    "\xE3\x81\x8A\xE7\x9F\xA5\xE3\x82\x89\xE3\x81\x9B"), 18 },
	{ B("\xEF\xBD\xB6\xEF\xBE\x80\xEF\xBD\xB6\xEF\xBE\x85"), 4 },	/* ｶﾀｶﾅ */
	{ B("\xEF\xBD\xB6\xEF\xBE\x9E"), 2 },				/* ｶﾞ */
	{ B("\xE3\x81\x8B\xE3\x82\x99"), 2 },				/* か + voiced mark */
	/* 「予約」、完了。 */
	{ B("\xE3\x80\x8C\xE4\xBA\x88\xE7\xB4\x84\xE3\x80\x8D\xE3\x80\x81"
	    "\xE5\xAE\x8C\xE4\xBA\x86\xE3\x80\x82"), 16 },
	{ B("\xE3\x83\xA1\xE3\x83\xBC\xE3\x83\xAB"), 6 },		/* メール */
	{ B("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\x91\xEF\xBC\x92"), 8 },	/* ＡＢ１２ */
	{ B("\xE3\x80\x80x"), 3 },					/* ideographic space */
	{ B("\xF0\x9F\x98\x80"), 2 },					/* 😀 */
	{ B("\xF0\x9F\x8E\x89 sale"), 7 },				/* 🎉 sale */
	{ B("\xE2\x98\x95\xEF\xB8\x8F"), 2 },				/* ☕ + VS16 */
	{ B("\xE2\x9D\xA4\xEF\xB8\x8F"), 1 },				/* ❤ + VS16: text default */
	{ B("\x1B"), 2 },						/* \e */
	{ B("\t\n\r"), 6 },
	{ B("\x07"), 4 },						/* \x07 */
	{ B("\xC2\x9B"), 4 },						/* \x9B */
	{ B("\xFF"), 4 },
	{ B("\xE3\x81"), 8 },						/* \xE3\x81 */
	{ B("\xE2\x80\xAE"), 8 },					/* \u{202E} */
	{ B("\xF3\xA0\x81\x81"), 9 },					/* \u{E0041} */
	{ B("\xF4\x8F\xBF\xBF"), 10 },					/* \u{10FFFF} */
	{ B("a\x00" "b"), 6 },						/* a\x00b */
};

static void test_width(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(width_cases); i++) {
		size_t got = utf8_width_n(width_cases[i].in.s, width_cases[i].in.n);
		if (got != width_cases[i].width)
			fail_msg("width case %zu: got %zu, want %zu", i, got, width_cases[i].width);
		if (!memchr(width_cases[i].in.s, '\0', width_cases[i].in.n) &&
		    utf8_width(width_cases[i].in.s) != got)
			fail_msg("width case %zu: utf8_width and utf8_width_n differ", i);
	}
}

/* --- sanitising --------------------------------------------------------------- */

static const struct {
	struct bytes in;
	const char *want;
} sanitize_cases[] = {
	{ B("plain"), "plain" },
	{ B("\x1B[2J\x1B]0;pwned\x07"), "\\e[2J\\e]0;pwned\\x07" },	/* clear, retitle */
	{ B("\x1B[31mred\x1B[0m"), "\\e[31mred\\e[0m" },
	{ B("\xC2\x9B" "2J"), "\\x9B2J" },				/* C1 CSI */
	{ B("\xC2\x85\xC2\x9D"), "\\x85\\x9D" },			/* NEL, OSC */
	{ B("\x7F\x01\x00"), "\\x7F\\x01\\x00" },
	{ B("a\tb\nc\rd"), "a\\tb\\nc\\rd" },
	{ B("C:\\temp\\new"), "C:\\temp\\new" },			/* backslash kept */
	{ B("abc\xE2\x80\xAE" "fdp.exe"), "abc\\u{202E}fdp.exe" },	/* RLO */
	{ B("\xE2\x81\xA6x\xE2\x81\xA9"), "\\u{2066}x\\u{2069}" },	/* isolates */
	{ B("\xE2\x80\xA8"), "\\u{2028}" },
	{ B("pay\xE2\x80\x8Bpal"), "pay\\u{200B}pal" },		/* zero width space */
	{ B("\xEF\xBB\xBFhi"), "\\u{FEFF}hi" },			/* BOM */
	{ B("\xEF\xBF\xBE"), "\\u{FFFE}" },				/* non-character */
	{ B("\xEF\xB7\x90"), "\\u{FDD0}" },
	{ B("\xF3\xA0\x81\x81"), "\\u{E0041}" },			/* tag A */
	{ B("\xF4\x8F\xBF\xBF"), "\\u{10FFFF}" },
	{ B("\xFF"), "\\xFF" },
	{ B("caf\xE9!"), "caf\\xE9!" },					/* Latin-1 */
	{ B("\xC0\x80"), "\\xC0\\x80" },				/* overlong */
	{ B("\xE0\x80\x80"), "\\xE0\\x80\\x80" },
	{ B("\xED\xA0\x80"), "\\xED\\xA0\\x80" },			/* surrogate */
	{ B("\xF4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80" },		/* > U+10FFFF */
	{ B("x\xE3\x81"), "x\\xE3\\x81" },				/* truncated */
	{ B("\xE3\x81" "A"), "\\xE3\\x81" "A" },			/* bad continuation */
	{ B("\xE4\xBA\x88\xE7\xB4\x84"), "\xE4\xBA\x88\xE7\xB4\x84" },	/* 予約 kept */
	{ B("\xEF\xBD\xB6\xEF\xBE\x80"), "\xEF\xBD\xB6\xEF\xBE\x80" },	/* ｶﾀ kept */
	{ B("e\xCC\x81"), "e\xCC\x81" },				/* combining kept */
	{ B("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80" },			/* emoji kept */
	{ B("\xE2\x80\xA6"), "\xE2\x80\xA6" },				/* … kept */
};

static void test_sanitize(void **state)
{
	(void)state;
	struct buf out = BUF_INIT, again = BUF_INIT;
	for (size_t i = 0; i < COUNT(sanitize_cases); i++) {
		buf_reset(&out);
		assert_int_equal(utf8_sanitize(&out, sanitize_cases[i].in.s, sanitize_cases[i].in.n),
				 RD_OK);
		expect_buf(&out, sanitize_cases[i].want, i, "sanitize");
		/* The output is safe, so sanitising it again changes nothing, and
		 * its width is the width of the input. */
		buf_reset(&again);
		assert_int_equal(utf8_sanitize(&again, out.p, out.len), RD_OK);
		expect_buf(&again, sanitize_cases[i].want, i, "sanitize twice");
		if (utf8_width_n(out.p, out.len) !=
		    utf8_width_n(sanitize_cases[i].in.s, sanitize_cases[i].in.n))
			fail_msg("sanitize case %zu: width of output differs from width of input", i);
	}
	buf_free(&out);
	buf_free(&again);
}

static void test_sanitize_appends_and_fails_whole(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 8);
	assert_int_equal(buf_adds(&out, "ab"), RD_OK);
	assert_int_equal(utf8_sanitize(&out, "\x1B", 1), RD_OK);
	expect_buf(&out, "ab\\e", 0, "sanitize appends");
	/* Three more escapes pass the cap of 8 bytes half-way: nothing of them stays. */
	assert_int_equal(utf8_sanitize(&out, "x\x1B\x1B\x1B", 4), RD_E_INPUT);
	expect_buf(&out, "ab\\e", 1, "sanitize past the cap");
	buf_free(&out);
}

/* --- fitting ------------------------------------------------------------------ */

#define YOYAKU "\xE4\xBA\x88\xE7\xB4\x84\xE5\xAE\x8C\xE4\xBA\x86\xE3\x81\xAE" \
	       "\xE3\x81\x8A\xE7\x9F\xA5\xE3\x82\x89\xE3\x81\x9B"	/* 予約完了のお知らせ */
#define KATAKANA "\xEF\xBD\xB6\xEF\xBE\x80\xEF\xBD\xB6\xEF\xBE\x85"	/* ｶﾀｶﾅ */
#define A_ "\xE3\x81\x82"	/* あ */
#define I_ "\xE3\x81\x84"	/* い */
#define U_ "\xE3\x81\x86"	/* う */

static const struct {
	struct bytes in;
	size_t width;
	enum utf8_align align;
	const char *want;
} fit_cases[] = {
	/* padding and alignment */
	{ B("abc"), 5, UTF8_LEFT, "abc  " },
	{ B("abc"), 5, UTF8_RIGHT, "  abc" },
	{ B("abc"), 3, UTF8_LEFT, "abc" },
	{ B(""), 1, UTF8_RIGHT, " " },
	{ B(A_), 3, UTF8_RIGHT, " " A_ },
	{ B(YOYAKU), 18, UTF8_LEFT, YOYAKU },
	{ B(YOYAKU), 20, UTF8_LEFT, YOYAKU "  " },
	{ B(YOYAKU), 20, UTF8_RIGHT, "  " YOYAKU },
	{ B(KATAKANA), 4, UTF8_LEFT, KATAKANA },
	{ B(KATAKANA), 6, UTF8_RIGHT, "  " KATAKANA },
	/* width 0 and 1 */
	{ B("abc"), 0, UTF8_LEFT, "" },
	{ B("abc"), 0, UTF8_RIGHT, "" },
	{ B("a"), 1, UTF8_LEFT, "a" },
	{ B("abc"), 1, UTF8_LEFT, ELL },
	{ B(A_), 1, UTF8_LEFT, ELL },
	{ B(A_), 1, UTF8_RIGHT, ELL },
	/* truncation */
	{ B("abcd"), 3, UTF8_LEFT, "ab" ELL },
	{ B("abcd"), 3, UTF8_RIGHT, "ab" ELL },
	{ B(A_ I_), 3, UTF8_LEFT, A_ ELL },
	{ B(A_ I_ U_), 4, UTF8_LEFT, A_ ELL " " },	/* い would straddle */
	{ B(A_ I_ U_), 4, UTF8_RIGHT, " " A_ ELL },
	{ B(A_ I_ U_), 2, UTF8_LEFT, ELL " " },
	{ B(YOYAKU), 17, UTF8_LEFT, "\xE4\xBA\x88\xE7\xB4\x84\xE5\xAE\x8C\xE4\xBA\x86\xE3\x81\xAE"
				    "\xE3\x81\x8A\xE7\x9F\xA5\xE3\x82\x89" ELL },
	{ B(YOYAKU), 10, UTF8_LEFT, "\xE4\xBA\x88\xE7\xB4\x84\xE5\xAE\x8C\xE4\xBA\x86" ELL " " },
	{ B(YOYAKU), 10, UTF8_RIGHT, " \xE4\xBA\x88\xE7\xB4\x84\xE5\xAE\x8C\xE4\xBA\x86" ELL },
	{ B(YOYAKU), 5, UTF8_LEFT, "\xE4\xBA\x88\xE7\xB4\x84" ELL },
	{ B(KATAKANA), 3, UTF8_LEFT, "\xEF\xBD\xB6\xEF\xBE\x80" ELL },
	{ B("a\xE4\xBA\x88\xE7\xB4\x84"), 4, UTF8_LEFT, "a\xE4\xBA\x88" ELL },
	{ B("a\xE4\xBA\x88\xE7\xB4\x84"), 3, UTF8_LEFT, "a" ELL " " },
	{ B("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3\xEF\xBC\x91"), 7, UTF8_LEFT,
	  "\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3" ELL },			/* ＡＢＣ１ */
	{ B("caf\xC3\xA9 \xE2\x98\x95"), 7, UTF8_LEFT, "caf\xC3\xA9 \xE2\x98\x95" },
	{ B("caf\xC3\xA9 \xE2\x98\x95"), 6, UTF8_LEFT, "caf\xC3\xA9 " ELL },
	{ B("\xF0\x9F\x98\x80\xF0\x9F\x98\x80"), 3, UTF8_LEFT, "\xF0\x9F\x98\x80" ELL },
	/* combining marks stay with their base character */
	{ B("e\xCC\x81x"), 2, UTF8_LEFT, "e\xCC\x81x" },
	{ B("e\xCC\x81xy"), 2, UTF8_LEFT, "e\xCC\x81" ELL },
	{ B("\xE3\x81\x8B\xE3\x82\x99\xE3\x81\x8B"), 3, UTF8_LEFT, "\xE3\x81\x8B\xE3\x82\x99" ELL },
	/* text that becomes wider after sanitising; escapes are not split */
	{ B("\x1B[2J"), 6, UTF8_LEFT, "\\e[2J " },
	{ B("\x1B[2J"), 5, UTF8_LEFT, "\\e[2J" },
	{ B("\x1B[2J"), 4, UTF8_LEFT, "\\e[" ELL },
	{ B("\x1B[2J"), 3, UTF8_LEFT, "\\e" ELL },
	{ B("\x1B[2J"), 2, UTF8_LEFT, ELL " " },
	{ B("\x1B[2J"), 2, UTF8_RIGHT, " " ELL },
	{ B("ab\x07"), 6, UTF8_LEFT, "ab\\x07" },
	{ B("ab\x07"), 5, UTF8_LEFT, "ab" ELL "  " },
	{ B("ab\x07"), 5, UTF8_RIGHT, "  ab" ELL },
	{ B("\xE2\x80\xAE"), 8, UTF8_LEFT, "\\u{202E}" },
	{ B("\xE2\x80\xAE"), 9, UTF8_RIGHT, " \\u{202E}" },
	{ B("\xE2\x80\xAE"), 7, UTF8_LEFT, ELL "      " },
	{ B("\xFF\xFE"), 6, UTF8_LEFT, "\\xFF" ELL " " },
	{ B("a\tb"), 4, UTF8_LEFT, "a\\tb" },
	{ B("a\nb"), 3, UTF8_LEFT, "a" ELL " " },
	{ B("a\x00" "b"), 6, UTF8_LEFT, "a\\x00b" },			/* fit_n keeps NUL */
};

static void test_fit(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < COUNT(fit_cases); i++) {
		buf_reset(&out);
		assert_int_equal(utf8_fit_n(&out, fit_cases[i].in.s, fit_cases[i].in.n,
					    fit_cases[i].width, fit_cases[i].align), RD_OK);
		expect_buf(&out, fit_cases[i].want, i, "fit");
		if (memchr(fit_cases[i].in.s, '\0', fit_cases[i].in.n))
			continue;
		buf_reset(&out);
		assert_int_equal(utf8_fit(&out, fit_cases[i].in.s, fit_cases[i].width,
					  fit_cases[i].align), RD_OK);
		expect_buf(&out, fit_cases[i].want, i, "fit (NUL terminated)");
	}
	buf_free(&out);
}

/* Every sample at every width and both alignments: the result is valid
 * UTF-8, holds nothing unsafe, takes exactly `width` columns, and is the
 * sanitised text itself plus padding whenever that fits. */
static const struct bytes fit_samples[] = {
	B(""), B("a"), B("abc"), B(YOYAKU), B(KATAKANA), B(A_ I_ U_),
	B("a" A_ "b" I_ "c"), B("e\xCC\x81\xCC\x82x"), B("\x1B[2J\x1B]0;pwned\x07"),
	B("\xC2\x9B\xE2\x80\xAE\xFF"), B("\xF0\x9F\x98\x80 ok \xF0\x9F\x91\x8D"),
	B("x\xE3\x81"), B("tab\there"), B("\xF4\x8F\xBF\xBF\xE3\x80\x8C\xE3\x80\x8D"),
};

static void test_fit_invariants(void **state)
{
	(void)state;
	struct buf out = BUF_INIT, clean = BUF_INIT;
	for (size_t i = 0; i < COUNT(fit_samples); i++) {
		const char *s = fit_samples[i].s;
		size_t n = fit_samples[i].n, full = utf8_width_n(s, n);
		buf_reset(&clean);
		assert_int_equal(utf8_sanitize(&clean, s, n), RD_OK);
		for (size_t w = 0; w <= 24; w++) {
			for (int a = 0; a < 2; a++) {
				enum utf8_align align = a ? UTF8_RIGHT : UTF8_LEFT;
				buf_reset(&out);
				assert_int_equal(utf8_fit_n(&out, s, n, w, align), RD_OK);
				if (!utf8_valid(out.p, out.len))
					fail_msg("sample %zu width %zu: invalid UTF-8", i, w);
				if (utf8_width_n(out.p, out.len) != w)
					fail_msg("sample %zu width %zu align %d: %zu columns",
						 i, w, a, utf8_width_n(out.p, out.len));
				for (size_t k = 0; k < out.len;) {
					uint32_t cp;
					int len = utf8_decode(out.p + k, out.len - k, &cp);
					if (len < 1 || utf8_is_unsafe(cp))
						fail_msg("sample %zu width %zu: unsafe at byte %zu", i, w, k);
					k += (size_t)len;
				}
				if (w < full || w == 0)
					continue;
				size_t pad = w - full;
				const char *body = out.p + (align == UTF8_RIGHT ? pad : 0);
				if (out.len != clean.len + pad || memcmp(body, clean.p, clean.len) != 0)
					fail_msg("sample %zu width %zu: not the sanitised text padded", i, w);
			}
		}
	}
	buf_free(&out);
	buf_free(&clean);
}

static void test_fit_appends_and_fails_whole(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 10);
	assert_int_equal(buf_adds(&out, "|"), RD_OK);
	assert_int_equal(utf8_fit(&out, "ab", 3, UTF8_RIGHT), RD_OK);
	expect_buf(&out, "| ab", 0, "fit appends");
	/* 4 + 7 bytes pass the cap of 10 after the pad went in: all of it goes. */
	assert_int_equal(utf8_fit(&out, "abc", 7, UTF8_RIGHT), RD_E_INPUT);
	expect_buf(&out, "| ab", 1, "fit past the cap");
	assert_int_equal(utf8_fit(&out, "\x1B\x1B\x1B\x1B", 8, UTF8_LEFT), RD_E_INPUT);
	expect_buf(&out, "| ab", 2, "fit escapes past the cap");
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_and_empty),
		cmocka_unit_test(test_decode_valid),
		cmocka_unit_test(test_decode_invalid),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_cpwidth),
		cmocka_unit_test(test_is_unsafe),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_sanitize_appends_and_fails_whole),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_fit_invariants),
		cmocka_unit_test(test_fit_appends_and_fails_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
