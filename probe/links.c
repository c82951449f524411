/* A small HTML/CSS scanner that finds URLs: not a full HTML5 tokenizer, but one that never reads past
 * its buffer and tolerates any input (unterminated tags, quotes, comments). */
#include "probe/links.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "lib/xalloc.h"

struct scan {
	const char *p, *end;
};

static bool at_ci(const struct scan *s, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(s->end - s->p) >= n && strncasecmp(s->p, word, n) == 0;
}

/* Move past the next occurrence of `word` (case-insensitive), or to the end. */
static void skip_past_ci(struct scan *s, const char *word)
{
	while (s->p < s->end && !at_ci(s, word))
		s->p++;
	if (s->p < s->end)
		s->p += strlen(word);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static void put_utf8(char *out, size_t *n, uint32_t cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | (cp >> 6));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | (cp >> 12));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | (cp >> 18));
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

static const struct {
	const char *name;
	char c;
} entities[] = {
	{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' }, { "apos;", '\'' },
};

/* Decode one character reference at v[i] == '&'; returns the bytes consumed (0: not a reference). */
static size_t decode_entity(const char *v, size_t len, size_t i, char *out, size_t *n)
{
	const char *e = v + i + 1;
	size_t left = len - i - 1;
	for (size_t k = 0; k < sizeof(entities) / sizeof(entities[0]); k++) {
		size_t en = strlen(entities[k].name);
		if (left >= en && !strncasecmp(e, entities[k].name, en)) {
			out[(*n)++] = entities[k].c;
			return en + 1;
		}
	}
	if (left < 2 || e[0] != '#')
		return 0;
	bool hex = e[1] == 'x' || e[1] == 'X';
	size_t j = hex ? 2 : 1;
	uint32_t cp = 0;
	size_t digits = 0;
	for (; j < left && digits < 8; j++, digits++) {
		char c = e[j];
		int d = isdigit((unsigned char)c) ? c - '0'
			: hex && isxdigit((unsigned char)c) ? (tolower((unsigned char)c) - 'a' + 10)
							  : -1;
		if (d < 0)
			break;
		cp = cp * (hex ? 16 : 10) + (uint32_t)d;
	}
	if (!digits || cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	put_utf8(out, n, cp);
	if (j < left && e[j] == ';')
		j++;
	return j + 1;
}

/* A URL from raw attribute text: entities decoded, outer whitespace trimmed, tabs and newlines removed
 * (as browsers' URL parser does). NULL when empty or too long. */
static char *clean_url(const char *v, size_t len, bool decode)
{
	while (len && is_space(*v))
		v++, len--;
	while (len && is_space(v[len - 1]))
		len--;
	if (!len || len > LINKS_MAX_URL)
		return NULL;
	char *out = xmalloc(len + 1); /* decoding never grows: "&#N;" >= 3 bytes gives <= 4, "&#x10000;" etc. */
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		if (v[i] == '\t' || v[i] == '\n' || v[i] == '\r') {
			i++;
			continue;
		}
		size_t used = decode && v[i] == '&' ? decode_entity(v, len, i, out, &n) : 0;
		if (used) {
			i += used;
			continue;
		}
		out[n++] = v[i++];
	}
	out[n] = '\0';
	if (!n) {
		free(out);
		return NULL;
	}
	return out;
}

static void add(struct strvec *out, char *url)
{
	if (!url)
		return;
	if (out->n >= LINKS_MAX_PER_DOC || !links_is_crawlable(url)) {
		free(url);
		return;
	}
	strvec_push_nodup(out, url);
}

bool links_is_crawlable(const char *url)
{
	if (!url[0] || url[0] == '#')
		return false;
	/* A scheme is ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by ':'. */
	size_t i = 0;
	if (isalpha((unsigned char)url[0])) {
		while (isalnum((unsigned char)url[i]) || url[i] == '+' || url[i] == '-' || url[i] == '.')
			i++;
		if (url[i] == ':')
			return (i == 4 && !strncasecmp(url, "http", 4)) || (i == 5 && !strncasecmp(url, "https", 5));
	}
	return true;
}

void links_extract_css(const char *buf, size_t len, struct strvec *out)
{
	struct scan s = { buf, buf + len };
	while (s.p < s.end && out->n < LINKS_MAX_PER_DOC) {
		if (at_ci(&s, "/*")) {
			s.p += 2;
			skip_past_ci(&s, "*/");
		} else if (at_ci(&s, "url(")) {
			s.p += 4;
			while (s.p < s.end && is_space(*s.p))
				s.p++;
			const char *start = s.p;
			char quote = s.p < s.end && (*s.p == '"' || *s.p == '\'') ? *s.p : 0;
			if (quote)
				start = ++s.p;
			while (s.p < s.end && (quote ? *s.p != quote : *s.p != ')'))
				s.p++;
			add(out, clean_url(start, (size_t)(s.p - start), false));
			if (s.p < s.end)
				s.p++;
		} else if (at_ci(&s, "@import")) {
			s.p += 7;
			while (s.p < s.end && is_space(*s.p))
				s.p++;
			if (s.p < s.end && (*s.p == '"' || *s.p == '\'')) { /* @import url(...) is handled above */
				char quote = *s.p++;
				const char *start = s.p;
				while (s.p < s.end && *s.p != quote)
					s.p++;
				add(out, clean_url(start, (size_t)(s.p - start), false));
				if (s.p < s.end)
					s.p++;
			}
		} else {
			s.p++;
		}
	}
}

/* srcset: comma-separated candidates "URL [descriptor]". */
static void add_srcset(struct strvec *out, const char *v)
{
	const char *p = v;
	while (*p) {
		while (is_space(*p) || *p == ',')
			p++;
		const char *start = p;
		while (*p && !is_space(*p))
			p++;
		const char *stop = p;
		while (stop > start && stop[-1] == ',')
			stop--;
		add(out, clean_url(start, (size_t)(stop - start), false));
		while (*p && *p != ',')
			p++;
	}
}

struct attr {
	const char *name, *value;
	size_t name_len, value_len;
};

static bool attr_is(const struct attr *a, const char *name)
{
	return a->name_len == strlen(name) && !strncasecmp(a->name, name, a->name_len);
}

/* Parse the next attribute of a start tag; false at '>' or the end of the buffer. */
static bool next_attr(struct scan *s, struct attr *a)
{
	while (s->p < s->end && (is_space(*s->p) || *s->p == '/'))
		s->p++;
	if (s->p >= s->end || *s->p == '>')
		return false;
	a->name = s->p;
	while (s->p < s->end && !is_space(*s->p) && *s->p != '=' && *s->p != '>' && *s->p != '/')
		s->p++;
	if (s->p == a->name) /* a stray '=' */
		s->p++;
	a->name_len = (size_t)(s->p - a->name);
	a->value = NULL;
	a->value_len = 0;
	const char *save = s->p;
	while (s->p < s->end && is_space(*s->p))
		s->p++;
	if (s->p >= s->end || *s->p != '=') {
		s->p = save;
		return true;
	}
	s->p++;
	while (s->p < s->end && is_space(*s->p))
		s->p++;
	if (s->p < s->end && (*s->p == '"' || *s->p == '\'')) {
		char quote = *s->p++;
		a->value = s->p;
		while (s->p < s->end && *s->p != quote)
			s->p++;
		a->value_len = (size_t)(s->p - a->value);
		if (s->p < s->end)
			s->p++;
	} else {
		a->value = s->p;
		while (s->p < s->end && !is_space(*s->p) && *s->p != '>')
			s->p++;
		a->value_len = (size_t)(s->p - a->value);
	}
	return true;
}

static void handle_attr(const struct attr *a, bool is_base, struct strvec *out, char **base)
{
	if (!a->value)
		return;
	if (is_base) {
		if (attr_is(a, "href") && base && !*base)
			*base = clean_url(a->value, a->value_len, true);
		return;
	}
	if (attr_is(a, "href") || attr_is(a, "src") || attr_is(a, "poster")) {
		add(out, clean_url(a->value, a->value_len, true));
	} else if (attr_is(a, "srcset")) {
		cleanup_free char *v = a->value_len <= LINKS_MAX_URL * 4 ? xstrndup(a->value, a->value_len) : NULL;
		cleanup_free char *decoded = v ? clean_url(v, strlen(v), true) : NULL;
		if (decoded)
			add_srcset(out, decoded);
	} else if (attr_is(a, "style")) {
		cleanup_free char *decoded = clean_url(a->value, a->value_len, true);
		if (decoded)
			links_extract_css(decoded, strlen(decoded), out);
	}
}

/* A start tag after its '<': attributes, then the raw text of <script> and <style> elements. */
static void scan_start_tag(struct scan *s, struct strvec *out, char **base)
{
	const char *name = s->p;
	while (s->p < s->end && !is_space(*s->p) && *s->p != '>' && *s->p != '/')
		s->p++;
	struct attr tag = { name, NULL, (size_t)(s->p - name), 0 };
	bool is_base = attr_is(&tag, "base");
	struct attr a;
	while (next_attr(s, &a))
		handle_attr(&a, is_base, out, base);
	if (s->p < s->end)
		s->p++; /* '>' */
	if (attr_is(&tag, "script")) {
		skip_past_ci(s, "</script");
	} else if (attr_is(&tag, "style")) {
		const char *start = s->p;
		while (s->p < s->end && !at_ci(s, "</style"))
			s->p++;
		links_extract_css(start, (size_t)(s->p - start), out);
	}
}

void links_extract_html(const char *buf, size_t len, struct strvec *out, char **base)
{
	struct scan s = { buf, buf + len };
	if (base)
		*base = NULL;
	while (s.p < s.end && out->n < LINKS_MAX_PER_DOC) {
		if (*s.p != '<') {
			s.p++;
			continue;
		}
		s.p++;
		if (at_ci(&s, "!--")) {
			s.p += 3;
			skip_past_ci(&s, "-->");
		} else if (s.p < s.end && (*s.p == '!' || *s.p == '?' || *s.p == '/')) {
			while (s.p < s.end && *s.p != '>')
				s.p++;
		} else if (s.p < s.end && isalpha((unsigned char)*s.p)) {
			scan_start_tag(&s, out, base);
		}
	}
}
