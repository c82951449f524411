/* Link extraction for the HTTP prober's crawl (probe/links.c). */
#include <stdlib.h>
#include <string.h>

#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "probe/links.h"
#include "tests/unit/unit.h"

/* Extract from `html` and compare with the expected list, joined by '|'. */
static void check_html(const char *html, const char *want, const char *want_base)
{
	struct strvec sv = STRVEC_INIT;
	cleanup_free char *base = NULL;
	links_extract_html(html, strlen(html), &sv, &base);
	size_t total = 1;
	for (size_t i = 0; i < sv.n; i++)
		total += strlen(sv.v[i]) + 1;
	char *got = xcalloc(1, total);
	for (size_t i = 0; i < sv.n; i++) {
		if (i)
			strncat(got, "|", total - strlen(got) - 1);
		strncat(got, sv.v[i], total - strlen(got) - 1);
	}
	CHECK_STR(got, want);
	if (want_base)
		CHECK_STR(base, want_base);
	else
		CHECK(base == NULL);
	free(got);
	strvec_release(&sv);
}

static void check_css(const char *css, size_t n_want, const char *const *want)
{
	struct strvec sv = STRVEC_INIT;
	links_extract_css(css, strlen(css), &sv);
	CHECK_INT(sv.n, n_want);
	for (size_t i = 0; i < sv.n && i < n_want; i++)
		CHECK_STR(sv.v[i], want[i]);
	strvec_release(&sv);
}

TEST(links_basic_attributes)
{
	check_html("<html><a href=\"/a\">x</a><img src='b.png'><script src=/c.js></script>"
		   "<link rel=stylesheet href=\"/s.css\"><video poster=p.jpg></video></html>",
		   "/a|b.png|/c.js|/s.css|p.jpg", NULL);
}

TEST(links_case_spaces_and_entities)
{
	check_html("<A HREF = \"  /x?a=1&amp;b=2 \" >", "/x?a=1&b=2", NULL);
	check_html("<a href=\"/caf&#233;\">", "/caf\xc3\xa9", NULL);
	check_html("<a href=\"/t&#x41;b&unknown;\">", "/tAb&unknown;", NULL);
	check_html("<a href=\"/p\n\tq\">", "/pq", NULL);
}

TEST(links_skips_non_crawlable)
{
	check_html("<a href=\"#top\"><a href=\"mailto:a@b\"><a href=\"javascript:void(0)\">"
		   "<a href=\"JavaScript:x\"><a href=\"data:text/plain,x\"><a href=\"tel:1\"><a href=\"\">"
		   "<a href=\"ftp://h/x\"><a href=\"https://h/x\"><a href=\"HTTP://h/y\"><a href=\"?q=1\">",
		   "https://h/x|HTTP://h/y|?q=1", NULL);
	CHECK(links_is_crawlable("a:b/c") == false);
	CHECK(links_is_crawlable("/a:b"));
	CHECK(links_is_crawlable("./a:b"));
	CHECK(links_is_crawlable("1a:b"));
}

TEST(links_comments_scripts_and_base)
{
	check_html("<!-- <a href=/hidden> --><script>var s = '<a href=/no>';</script><a href=/yes>"
		   "<base href=\"/sub/\"><base href=/second/>",
		   "/yes", "/sub/");
	check_html("<!DOCTYPE html><?xml x?></a href=/endtag><a href=/ok>", "/ok", NULL);
}

TEST(links_srcset_and_style)
{
	check_html("<img srcset=\"a.png 1x, b.png 2x,c.png\">", "a.png|b.png|c.png", NULL);
	check_html("<div style=\"background:url(&quot;/bg.png&quot;)\"></div>"
		   "<style>@import \"/i.css\"; body { background: url( '/s.png' ) }</style><a href=/after>",
		   "/bg.png|/i.css|/s.png|/after", NULL);
}

TEST(links_truncated_input)
{
	check_html("<a href=\"/unterminated", "/unterminated", NULL);
	check_html("<a href=", "", NULL);
	check_html("<a href", "", NULL);
	check_html("<", "", NULL);
	check_html("<!--", "", NULL);
	check_html("<style>url(/x", "/x", NULL);
	check_html("<a =x href=/y>", "/y", NULL);
}

TEST(links_css)
{
	static const char *const want[] = { "/a.woff2", "b.png", "/c.css", "d.css" };
	check_css("/* url(/commented) */ @font-face { src: url(\"/a.woff2\") format('woff2') }"
		  " .x { background: URL(b.png) } @import '/c.css'; @import url(d.css);"
		  " .y { background: url(data:image/png;base64,AAAA) }",
		  4, want);
}

TEST(links_limits)
{
	/* A URL over the limit is skipped; a document's link count is capped. */
	size_t n = LINKS_MAX_URL + 20;
	char *long_doc = xmalloc(n + 32);
	memcpy(long_doc, "<a href=\"/", 10);
	memset(long_doc + 10, 'x', n);
	memcpy(long_doc + 10 + n, "\"><a href=/ok>", 15);
	check_html(long_doc, "/ok", NULL);
	free(long_doc);

	size_t count = LINKS_MAX_PER_DOC + 5;
	struct strvec sv = STRVEC_INIT;
	struct strvec big = STRVEC_INIT;
	for (size_t i = 0; i < count; i++)
		strvec_pushf(&big, "<a href=/p%zu>", i);
	size_t total = 0;
	for (size_t i = 0; i < big.n; i++)
		total += strlen(big.v[i]);
	char *all = xmalloc(total + 1), *q = all;
	for (size_t i = 0; i < big.n; i++) {
		size_t l = strlen(big.v[i]);
		memcpy(q, big.v[i], l);
		q += l;
	}
	*q = '\0';
	links_extract_html(all, total, &sv, NULL);
	CHECK_INT(sv.n, LINKS_MAX_PER_DOC);
	CHECK_STR(sv.v[0], "/p0");
	free(all);
	strvec_release(&big);
	strvec_release(&sv);
}
