#include "redrive/utf8.h"

#include <string.h>

#include "redrive/buf.h"
#include "redrive/error.h"

struct range {
	uint32_t lo, hi;
};

/* Zero-width code points, consulted before the wide table (U+3099, U+309A
 * and U+302A..U+302D sit inside wide blocks).  Combining marks (Mn, Me) of
 * the scripts our mail is written in, the conjoining Hangul vowels and final
 * consonants (they join the preceding initial consonant into one wide
 * syllable), variation selectors, and invisible format characters (most of
 * those are escaped by utf8_is_unsafe anyway; their raw width is 0). */
static const struct range zero_width[] = {
	{ 0x0300, 0x036F },	/* combining diacritical marks */
	{ 0x0483, 0x0489 },	/* Cyrillic */
	{ 0x0591, 0x05BD },	/* Hebrew points and accents */
	{ 0x05BF, 0x05BF },
	{ 0x05C1, 0x05C2 },
	{ 0x05C4, 0x05C5 },
	{ 0x05C7, 0x05C7 },
	{ 0x0610, 0x061A },	/* Arabic */
	{ 0x061C, 0x061C },	/* Arabic letter mark (format) */
	{ 0x064B, 0x065F },
	{ 0x0670, 0x0670 },
	{ 0x06D6, 0x06DC },
	{ 0x06DF, 0x06E4 },
	{ 0x06E7, 0x06E8 },
	{ 0x06EA, 0x06ED },
	{ 0x0900, 0x0902 },	/* Devanagari */
	{ 0x093A, 0x093A },
	{ 0x093C, 0x093C },
	{ 0x0941, 0x0948 },
	{ 0x094D, 0x094D },
	{ 0x0951, 0x0957 },
	{ 0x0962, 0x0963 },
	{ 0x0E31, 0x0E31 },	/* Thai */
	{ 0x0E34, 0x0E3A },
	{ 0x0E47, 0x0E4E },
	{ 0x1160, 0x11FF },	/* Hangul jungseong, jongseong */
	{ 0x180B, 0x180F },	/* Mongolian variation selectors */
	{ 0x1AB0, 0x1AFF },	/* combining diacritical marks extended */
	{ 0x1DC0, 0x1DFF },	/* combining diacritical marks supplement */
	{ 0x200B, 0x200F },	/* zero width space, joiners, LRM, RLM */
	{ 0x202A, 0x202E },	/* bidi embeddings and overrides */
	{ 0x2060, 0x2064 },	/* word joiner, invisible operators */
	{ 0x2066, 0x206F },	/* bidi isolates, deprecated format */
	{ 0x20D0, 0x20F0 },	/* combining marks for symbols */
	{ 0x302A, 0x302D },	/* ideographic tone marks */
	{ 0x3099, 0x309A },	/* combining kana voiced sound marks */
	{ 0xD7B0, 0xD7FF },	/* Hangul jamo extended-B */
	{ 0xFE00, 0xFE0F },	/* variation selectors */
	{ 0xFE20, 0xFE2F },	/* combining half marks */
	{ 0xFEFF, 0xFEFF },	/* zero width no-break space, BOM */
	{ 0xFFF9, 0xFFFB },	/* interlinear annotation */
	{ 0xE0000, 0xE007F },	/* tags */
	{ 0xE0100, 0xE01EF },	/* variation selectors supplement */
};

/* East Asian Wide (W) and Fullwidth (F) per Unicode 15.1 EastAsianWidth.txt,
 * with unassigned gaps inside CJK blocks folded in (Unicode gives those W by
 * default).  Emoji are W only where they have emoji presentation by default;
 * text-presentation symbols (U+2764, U+1F321) stay 1, as in terminals. */
static const struct range wide[] = {
	{ 0x1100, 0x115F },	/* Hangul choseong */
	{ 0x231A, 0x231B },
	{ 0x2329, 0x232A },
	{ 0x23E9, 0x23EC },
	{ 0x23F0, 0x23F0 },
	{ 0x23F3, 0x23F3 },
	{ 0x25FD, 0x25FE },
	{ 0x2614, 0x2615 },
	{ 0x2648, 0x2653 },
	{ 0x267F, 0x267F },
	{ 0x2693, 0x2693 },
	{ 0x26A1, 0x26A1 },
	{ 0x26AA, 0x26AB },
	{ 0x26BD, 0x26BE },
	{ 0x26C4, 0x26C5 },
	{ 0x26CE, 0x26CE },
	{ 0x26D4, 0x26D4 },
	{ 0x26EA, 0x26EA },
	{ 0x26F2, 0x26F3 },
	{ 0x26F5, 0x26F5 },
	{ 0x26FA, 0x26FA },
	{ 0x26FD, 0x26FD },
	{ 0x2705, 0x2705 },
	{ 0x270A, 0x270B },
	{ 0x2728, 0x2728 },
	{ 0x274C, 0x274C },
	{ 0x274E, 0x274E },
	{ 0x2753, 0x2755 },
	{ 0x2757, 0x2757 },
	{ 0x2795, 0x2797 },
	{ 0x27B0, 0x27B0 },
	{ 0x27BF, 0x27BF },
	{ 0x2B1B, 0x2B1C },
	{ 0x2B50, 0x2B50 },
	{ 0x2B55, 0x2B55 },
	{ 0x2E80, 0x303E },	/* CJK radicals, Kangxi, CJK symbols and punctuation */
	{ 0x3041, 0x3247 },	/* Hiragana, Katakana, Bopomofo, Hangul compat., Kanbun, enclosed */
	{ 0x3250, 0xA4C6 },	/* enclosed, CJK ext. A, Yijing (W since 16.0), CJK, Yi */
	{ 0xA960, 0xA97C },	/* Hangul jamo extended-A */
	{ 0xAC00, 0xD7A3 },	/* Hangul syllables */
	{ 0xF900, 0xFAFF },	/* CJK compatibility ideographs */
	{ 0xFE10, 0xFE19 },	/* vertical forms */
	{ 0xFE30, 0xFE6B },	/* CJK compatibility forms, small form variants */
	{ 0xFF01, 0xFF60 },	/* fullwidth ASCII and brackets */
	{ 0xFFE0, 0xFFE6 },	/* fullwidth signs */
	{ 0x16FE0, 0x16FE3 },
	{ 0x16FF0, 0x1B2FB },	/* Tangut, Khitan, kana supplement and extended, Nushu */
	{ 0x1F004, 0x1F004 },
	{ 0x1F0CF, 0x1F0CF },
	{ 0x1F18E, 0x1F18E },
	{ 0x1F191, 0x1F19A },
	{ 0x1F200, 0x1F320 },	/* enclosed ideographic supplement .. emoji */
	{ 0x1F32D, 0x1F335 },
	{ 0x1F337, 0x1F37C },
	{ 0x1F37E, 0x1F393 },
	{ 0x1F3A0, 0x1F3CA },
	{ 0x1F3CF, 0x1F3D3 },
	{ 0x1F3E0, 0x1F3F0 },
	{ 0x1F3F4, 0x1F3F4 },
	{ 0x1F3F8, 0x1F43E },
	{ 0x1F440, 0x1F440 },
	{ 0x1F442, 0x1F4FC },
	{ 0x1F4FF, 0x1F53D },
	{ 0x1F54B, 0x1F54E },
	{ 0x1F550, 0x1F567 },
	{ 0x1F57A, 0x1F57A },
	{ 0x1F595, 0x1F596 },
	{ 0x1F5A4, 0x1F5A4 },
	{ 0x1F5FB, 0x1F64F },	/* emoticons */
	{ 0x1F680, 0x1F6C5 },	/* transport and map */
	{ 0x1F6CC, 0x1F6CC },
	{ 0x1F6D0, 0x1F6D2 },
	{ 0x1F6D5, 0x1F6DF },
	{ 0x1F6EB, 0x1F6EC },
	{ 0x1F6F4, 0x1F6FC },
	{ 0x1F7E0, 0x1F7F0 },
	{ 0x1F90C, 0x1F93A },	/* supplemental symbols and pictographs */
	{ 0x1F93C, 0x1F945 },
	{ 0x1F947, 0x1F9FF },
	{ 0x1FA70, 0x1FAFF },	/* symbols and pictographs extended-A */
	{ 0x20000, 0x3FFFD },	/* CJK extensions B..I, planes 2 and 3 */
};

/* Format characters that are not controls but must still be escaped: they
 * reorder or hide text, so a subject could show something it does not say. */
static const struct range unsafe_format[] = {
	{ 0x061C, 0x061C },	/* Arabic letter mark */
	{ 0x180E, 0x180E },	/* Mongolian vowel separator */
	{ 0x200B, 0x200F },	/* zero width space, joiners, LRM, RLM */
	{ 0x2028, 0x202E },	/* line/paragraph separator, bidi overrides */
	{ 0x2060, 0x2064 },	/* word joiner, invisible operators */
	{ 0x2066, 0x206F },	/* bidi isolates, deprecated format */
	{ 0xFEFF, 0xFEFF },	/* zero width no-break space, BOM */
	{ 0xFFF9, 0xFFFB },	/* interlinear annotation */
	{ 0xE0000, 0xE007F },	/* tags: invisible ASCII look-alikes */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int in_table(uint32_t cp, const struct range *t, size_t n)
{
	if (cp < t[0].lo || cp > t[n - 1].hi)
		return 0;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp > t[mid].hi)
			lo = mid + 1;
		else if (cp < t[mid].lo)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

int utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	uint32_t ignored;
	if (!cp)
		cp = &ignored;
	if (!s || n == 0) {
		*cp = 0;
		return 0;
	}
	const unsigned char *u = (const unsigned char *)s;
	unsigned char c = u[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	/* The allowed range of the second byte rules out overlongs (E0, F0),
	 * surrogates (ED) and values above U+10FFFF (F4) in one test. */
	size_t len;
	uint32_t v;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		goto invalid;
	}
	if (n < len)
		goto invalid;
	for (size_t i = 1; i < len; i++) {
		unsigned char b = u[i];
		if (b < lo || b > hi)
			goto invalid;
		lo = 0x80;
		hi = 0xBF;
		v = (v << 6) | (b & 0x3F);
	}
	*cp = v;
	return (int)len;
invalid:
	*cp = 0xFFFD;
	return -1;
}

int utf8_valid(const char *s, size_t n)
{
	if (!s)
		return 1;
	size_t i = 0;
	while (i < n) {
		int len = utf8_decode(s + i, n - i, NULL);
		if (len < 0)
			return 0;
		i += (size_t)len;
	}
	return 1;
}

static int is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

static int is_scalar(uint32_t cp)
{
	return cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
}

int utf8_cpwidth(uint32_t cp)
{
	if (is_control(cp) || !is_scalar(cp))
		return -1;
	if (cp < 0x0300)
		return 1;
	if (in_table(cp, zero_width, COUNT(zero_width)))
		return 0;
	if (in_table(cp, wide, COUNT(wide)))
		return 2;
	return 1;
}

int utf8_is_unsafe(uint32_t cp)
{
	if (is_control(cp) || !is_scalar(cp))
		return 1;
	if (cp < 0x0600)
		return 0;
	if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE)
		return 1;
	return in_table(cp, unsafe_format, COUNT(unsafe_format));
}

/* One unit of sanitised output: either bytes of s shown as they are, or an
 * escape held in esc.  All three public functions walk text with this, so
 * width, sanitising and fitting cannot disagree. */
struct piece {
	const char *p;
	size_t len;	/* bytes of output at p; also its columns when p == esc */
	size_t used;	/* bytes of input consumed */
	size_t width;
	char esc[12];	/* "\u{10FFFF}" is the longest */
};

/* Writes the escape for an invalid byte (v = the byte) or an unsafe code
 * point into e and returns its length. */
static size_t put_escape(char *e, uint32_t v, int invalid_byte)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;
	e[k++] = '\\';
	if (!invalid_byte) {
		char named = v == '\n' ? 'n' : v == '\t' ? 't' : v == '\r' ? 'r' : v == 0x1B ? 'e' : 0;
		if (named) {
			e[k++] = named;
			return k;
		}
	}
	if (invalid_byte || is_control(v)) {
		e[k++] = 'x';
		e[k++] = hex[(v >> 4) & 0xF];
		e[k++] = hex[v & 0xF];
		return k;
	}
	int digits = v > 0xFFFFF ? 6 : v > 0xFFFF ? 5 : 4;
	e[k++] = 'u';
	e[k++] = '{';
	while (digits-- > 0)
		e[k++] = hex[(v >> (4 * digits)) & 0xF];
	e[k++] = '}';
	return k;
}

static void next_piece(const char *s, size_t n, struct piece *pc)
{
	uint32_t cp;
	int len = utf8_decode(s, n, &cp);
	if (len < 0 || utf8_is_unsafe(cp)) {
		pc->p = pc->esc;
		pc->len = len < 0 ? put_escape(pc->esc, (unsigned char)s[0], 1)
				  : put_escape(pc->esc, cp, 0);
		pc->used = len < 0 ? 1 : (size_t)len;
		pc->width = pc->len;
		return;
	}
	pc->p = s;
	pc->len = (size_t)len;
	pc->used = (size_t)len;
	pc->width = (size_t)utf8_cpwidth(cp);
}

/* Puts out back to `len` bytes after a failed append and passes rc on, so
 * that a failure leaves the caller's buffer as it was. */
static int undo(struct buf *out, size_t len, int rc)
{
	out->len = len;
	if (out->p)
		out->p[len] = '\0';
	return rc;
}

static int add_spaces(struct buf *out, size_t k)
{
	static const char spaces[] = "                                ";
	while (k > 0) {
		size_t chunk = k < sizeof spaces - 1 ? k : sizeof spaces - 1;
		int rc = buf_add(out, spaces, chunk);
		if (rc)
			return rc;
		k -= chunk;
	}
	return RD_OK;
}

/* Columns of the longest prefix of whole pieces of s[0..n) that fits in
 * `limit` columns; *bytes (if not NULL) gets the input bytes it spans.
 * Zero-width pieces right after the last one that fits are part of it. */
static size_t measure(const char *s, size_t n, size_t limit, size_t *bytes)
{
	size_t i = 0, w = 0;
	struct piece pc;
	while (i < n) {
		next_piece(s + i, n - i, &pc);
		if (pc.width > limit - w)
			break;
		w += pc.width;
		i += pc.used;
	}
	if (bytes)
		*bytes = i;
	return w;
}

/* Appends the sanitised form of s[0..n); runs of safe bytes go out in one
 * append.  On failure out may hold part of it: callers undo. */
static int add_sanitised(struct buf *out, const char *s, size_t n)
{
	size_t i = 0, run = 0;
	struct piece pc;
	int rc;
	while (i < n) {
		next_piece(s + i, n - i, &pc);
		if (pc.p == pc.esc) {
			if (run && (rc = buf_add(out, s + i - run, run)))
				return rc;
			run = 0;
			if ((rc = buf_add(out, pc.p, pc.len)))
				return rc;
		} else {
			run += pc.used;
		}
		i += pc.used;
	}
	/* An empty append still leaves out NUL terminated. */
	return buf_add(out, s + i - run, run);
}

int utf8_sanitize(struct buf *out, const char *s, size_t n)
{
	size_t old = out->len;
	int rc = add_sanitised(out, s ? s : "", s ? n : 0);
	return rc ? undo(out, old, rc) : RD_OK;
}

size_t utf8_width_n(const char *s, size_t n)
{
	return s ? measure(s, n, SIZE_MAX, NULL) : 0;
}

size_t utf8_width(const char *s)
{
	return s ? measure(s, strlen(s), SIZE_MAX, NULL) : 0;
}

int utf8_fit_n(struct buf *out, const char *s, size_t n, size_t width,
	       enum utf8_align align)
{
	static const char ellipsis[] = "\xE2\x80\xA6";
	size_t old = out->len;
	if (!s) {
		s = "";
		n = 0;
	}
	if (width == 0)
		return buf_add(out, "", 0);

	/* Walks at most `width` columns of s, so a 64 KiB subject in a 40-column
	 * cell costs no more than a short one. */
	size_t used;
	size_t room = width;
	size_t shown = measure(s, n, room, &used);
	int cut = used < n;
	if (cut) {
		room = width - 1;	/* one column for the ellipsis */
		shown = measure(s, used, room, &used);
	}
	size_t pad = room - shown;
	int rc;
	if (align == UTF8_RIGHT && (rc = add_spaces(out, pad)))
		return undo(out, old, rc);
	if ((rc = add_sanitised(out, s, used)))
		return undo(out, old, rc);
	if (cut && (rc = buf_add(out, ellipsis, sizeof ellipsis - 1)))
		return undo(out, old, rc);
	if (align != UTF8_RIGHT && (rc = add_spaces(out, pad)))
		return undo(out, old, rc);
	return RD_OK;
}

int utf8_fit(struct buf *out, const char *s, size_t width, enum utf8_align align)
{
	return utf8_fit_n(out, s, s ? strlen(s) : 0, width, align);
}
