/*
 * output.c - how milter-ctl prints: aligned text tables for people and
 * JSON for scripts.  Values come from the store and may hold anything a
 * user typed, so both printers sanitise: tables show control characters
 * as '?', JSON escapes them and replaces bytes that are not UTF-8.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>

#include "ctl.h"

struct ctl_table {
	size_t ncols;
	size_t nrows; /* including the header row */
	size_t cap;
	char **cells; /* nrows * ncols, row by row */
};

/* table_cell - a printable copy of s: one line, "-" for NULL or empty. */
static char *
table_cell(const char *s)
{
	char *c, *p;

	if (s == NULL || *s == '\0')
		return route_xstrdup("-");
	c = route_xstrdup(s);
	for (p = c; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return c;
}

/* ctl_print_clean - s on one line, whatever it holds. */
void
ctl_print_clean(FILE *fp, const char *s)
{
	char *c = table_cell(s);

	fputs(c, fp);
	free(c);
}

/* ctl_stored_form - normalise s for display, falling back to s itself. */
char *
ctl_stored_form(const char *s,
		int (*normalise)(const char *, char **, struct route_error *))
{
	char *norm;

	if (normalise(s, &norm, NULL) == -1)
		return route_xstrdup(s);
	return norm;
}

/* display_width - columns s takes on a terminal, one per character. */
static size_t
display_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* ctl_table_new - empty table with a header row. */
struct ctl_table *
ctl_table_new(size_t ncols, const char *const *headers)
{
	struct ctl_table *t = route_xcalloc(1, sizeof(*t));

	t->ncols = ncols;
	ctl_table_add(t, headers);
	return t;
}

/* ctl_table_add - append one row. */
void
ctl_table_add(struct ctl_table *t, const char *const *cells)
{
	size_t i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = route_xrealloc(t->cells,
					  t->cap * t->ncols * sizeof(char *));
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = table_cell(cells[i]);
	t->nrows++;
}

/* ctl_table_print - columns two spaces apart, the last one not padded. */
void
ctl_table_print(const struct ctl_table *t, FILE *fp)
{
	size_t *width = route_xcalloc(t->ncols, sizeof(*width));
	size_t r, c, w;
	const char *cell;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			w = display_width(t->cells[r * t->ncols + c]);
			if (w > width[c])
				width[c] = w;
		}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			cell = t->cells[r * t->ncols + c];
			fputs(cell, fp);
			if (c + 1 == t->ncols)
				break;
			for (w = display_width(cell); w < width[c] + 2; w++)
				fputc(' ', fp);
		}
		fputc('\n', fp);
	}
	free(width);
}

/* ctl_table_free - free every cell and the table. */
void
ctl_table_free(struct ctl_table **t)
{
	size_t i;

	if (*t == NULL)
		return;
	for (i = 0; i < (*t)->nrows * (*t)->ncols; i++)
		free((*t)->cells[i]);
	free((*t)->cells);
	free(*t);
	*t = NULL;
}

/* ctl_json_init - nothing written yet. */
void
ctl_json_init(struct ctl_json *j, FILE *fp)
{
	memset(j, 0, sizeof(*j));
	j->fp = fp;
	j->first[0] = true;
}

/* json_value_start - the separator a new value needs where it goes. */
static void
json_value_start(struct ctl_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && !j->first[j->depth])
		fputc(',', j->fp);
	if (j->depth == 1 && j->is_array[1])
		fputs("\n  ", j->fp);
	j->first[j->depth] = false;
}

/* json_open - start a container. */
static void
json_open(struct ctl_json *j, bool array)
{
	json_value_start(j);
	fputc(array ? '[' : '{', j->fp);
	if (j->depth + 1 >= CTL_JSON_DEPTH)
		abort();
	j->depth++;
	j->first[j->depth] = true;
	j->is_array[j->depth] = array;
}

/* json_close - end a container. */
static void
json_close(struct ctl_json *j)
{
	bool array = j->is_array[j->depth];

	if (j->depth == 1 && array && !j->first[1])
		fputc('\n', j->fp);
	j->depth--;
	fputc(array ? ']' : '}', j->fp);
}

/* ctl_json_begin_array - "[". */
void
ctl_json_begin_array(struct ctl_json *j)
{
	json_open(j, true);
}

/* ctl_json_end_array - "]". */
void
ctl_json_end_array(struct ctl_json *j)
{
	json_close(j);
}

/* ctl_json_begin_object - "{". */
void
ctl_json_begin_object(struct ctl_json *j)
{
	json_open(j, false);
}

/* ctl_json_end_object - "}". */
void
ctl_json_end_object(struct ctl_json *j)
{
	json_close(j);
}

/* json_quote - s as a JSON string literal. */
static void
json_quote(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + strlen(s);
	size_t n;

	fputc('"', fp);
	while (*p != '\0') {
		switch (*p) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			if (*p < 0x20) {
				fprintf(fp, "\\u%04x", *p);
				break;
			}
			n = route_utf8_len(p, (size_t)(end - p));
			if (n == 0) {
				fputs("\\ufffd", fp);
				break;
			}
			fwrite(p, 1, n, fp);
			p += n - 1;
		}
		p++;
	}
	fputc('"', fp);
}

/* ctl_json_key - "key": */
void
ctl_json_key(struct ctl_json *j, const char *key)
{
	json_value_start(j);
	json_quote(j->fp, key);
	fputc(':', j->fp);
	j->after_key = true;
}

/* ctl_json_string - a string or null. */
void
ctl_json_string(struct ctl_json *j, const char *s)
{
	json_value_start(j);
	if (s == NULL)
		fputs("null", j->fp);
	else
		json_quote(j->fp, s);
}

/* ctl_json_int - a number. */
void
ctl_json_int(struct ctl_json *j, int64_t v)
{
	json_value_start(j);
	fprintf(j->fp, "%" PRId64, v);
}

/* ctl_json_bool - true or false. */
void
ctl_json_bool(struct ctl_json *j, bool v)
{
	json_value_start(j);
	fputs(v ? "true" : "false", j->fp);
}

/* ctl_json_null - null. */
void
ctl_json_null(struct ctl_json *j)
{
	json_value_start(j);
	fputs("null", j->fp);
}

/* ctl_json_member_string - "key": a string or null. */
void
ctl_json_member_string(struct ctl_json *j, const char *key, const char *s)
{
	ctl_json_key(j, key);
	ctl_json_string(j, s);
}

/* ctl_json_member_int - "key": a number. */
void
ctl_json_member_int(struct ctl_json *j, const char *key, int64_t v)
{
	ctl_json_key(j, key);
	ctl_json_int(j, v);
}

/* ctl_json_member_bool - "key": true or false. */
void
ctl_json_member_bool(struct ctl_json *j, const char *key, bool v)
{
	ctl_json_key(j, key);
	ctl_json_bool(j, v);
}

/* ctl_json_finish - terminate the output line. */
void
ctl_json_finish(struct ctl_json *j)
{
	fputc('\n', j->fp);
}
