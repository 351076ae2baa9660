/*
 * scenario_resolved: the resolved scenario, the whole run as YAML text
 * (scenario_load.h): every key of every model with its value after
 * defaults and overrides, in the documented order (top-level keys,
 * output, index, venues, populations, shocks, expect), so that loading the
 * text again gives the same scenario. The HDF5 output stores it
 * (/scenario), and tests/data/output-digests.txt pins it for every shipped
 * scenario.
 *
 * Models' keys are written through param_format from the loaded scenario;
 * a venue's profile keys are the overrides as the entries state them
 * (profile_name says which profile they apply to). A value is written
 * plain when that reads back as the same text, else double-quoted.
 * Sections are nested mappings: keys sharing a section go under one
 * heading, in the order of the section's first key.
 */
#include "scenario_loader.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "utc.h"

/* A growing text; on running out of memory it stops growing and says so
 * in nomem. */
typedef struct text_buf {
    char *buf;
    size_t len, cap;
    int nomem;
} text_buf;

static void tb_printf(text_buf *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void tb_printf(text_buf *t, const char *fmt, ...)
{
    if (t->nomem)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf ? t->buf + t->len : NULL,
                          t->buf ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->nomem = 1;
            return;
        }
        if (t->buf && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + (size_t)n + 1)
            cap *= 2;
        char *grown = realloc(t->buf, cap);
        if (!grown) {
            t->nomem = 1;
            return;
        }
        t->buf = grown;
        t->cap = cap;
    }
}

/* value as a YAML scalar: plain when that reads back as the same text,
 * else double-quoted. */
static void yaml_scalar(const char *value, char *out, size_t size)
{
    int plain = value[0] != '\0' && value[0] != ':' && value[0] != '-';
    if (value[0] == '-' && value[1] >= '0' && value[1] <= '9')
        plain = 1; /* a negative number */
    for (const char *c = value; plain && *c; c++)
        plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
                || (*c >= '0' && *c <= '9') || strchr("._+-%/:", *c);
    if (plain) {
        snprintf(out, size, "%s", value);
        return;
    }
    size_t n = 0;
    if (n + 1 < size)
        out[n++] = '"';
    for (const char *c = value; *c && n + 5 < size; c++) {
        unsigned char u = (unsigned char)*c;
        if (u == '"' || u == '\\') {
            out[n++] = '\\';
            out[n++] = (char)u;
        } else if (u < 0x20) {
            n += (size_t)snprintf(out + n, size - n, "\\x%02x", u);
        } else {
            out[n++] = (char)u;
        }
    }
    if (n + 1 < size)
        out[n++] = '"';
    out[n] = '\0';
}

/* The keys of one mapping with their values as YAML scalars, gathered
 * then written as nested mappings (emit_kvs); done marks those written. */
typedef struct kv {
    char key[FLAT_PATH_MAX];
    char value[2 * PARAM_TEXT_MAX + 8];
    int done;
} kv;

typedef struct kv_list {
    kv *items;
    size_t n, cap;
} kv_list;

static int kv_add(kv_list *l, const char *key, const char *value)
{
    kv *items = grow_for_one(l->items, l->n, &l->cap, sizeof *items, 32);
    if (!items)
        return PERR_NOMEM;
    l->items = items;
    kv *x = &l->items[l->n++];
    snprintf(x->key, sizeof x->key, "%s", key);
    yaml_scalar(value, x->value, sizeof x->value);
    x->done = 0;
    return 0;
}

/* kv_add as a loader_key_fn. */
static int kv_add_fn(void *l, const char *key, const char *value)
{
    return kv_add(l, key, value);
}

/* The start of a line at indent; the first line of a list item carries
 * its dash. */
static void line_start(text_buf *t, int indent, int *dash)
{
    if (dash && *dash) {
        tb_printf(t, "%*s- ", indent - 2, "");
        *dash = 0;
    } else {
        tb_printf(t, "%*s", indent, "");
    }
}

/* Writes the keys that start with prefix (plen bytes) as nested mappings:
 * every key sharing a section goes under one heading, in the order of the
 * first key of the section. */
static void emit_level(text_buf *t, kv_list *l, const char *prefix,
                       size_t plen, int indent, int *dash)
{
    for (size_t i = 0; i < l->n; i++) {
        kv *x = &l->items[i];
        if (x->done || strncmp(x->key, prefix, plen) != 0)
            continue;
        const char *rel = x->key + plen;
        size_t seg = strcspn(rel, ".");
        line_start(t, indent, dash);
        if (rel[seg] == '\0') {
            tb_printf(t, "%s: %s\n", rel, x->value);
            x->done = 1;
            continue;
        }
        tb_printf(t, "%.*s:\n", (int)seg, rel);
        emit_level(t, l, x->key, plen + seg + 1, indent + 2, NULL);
    }
}

/* Emits l (then empties it) as a mapping at indent, as a list item when
 * dash. */
static void emit_kvs(text_buf *t, kv_list *l, int indent, int dash)
{
    emit_level(t, l, "", 0, indent, &dash);
    l->n = 0;
}

static int add_params(kv_list *l, const param_key *keys, const void *params)
{
    for (const param_key *k = keys; k->key; k++) {
        char v[PARAM_TEXT_MAX + 32];
        param_format(k, params, v, sizeof v);
        if (k->type == PARAM_TEXT && !v[0])
            continue; /* no text stated: the key is absent */
        if (kv_add(l, k->key, v) != 0)
            return PERR_NOMEM;
    }
    return 0;
}

/* The top-level keys, output and index. */
static int write_top(text_buf *t, kv_list *l, const scenario *s,
                     const index_keyed *kx)
{
    char v[PARAM_TEXT_MAX + 32], q[2 * PARAM_TEXT_MAX + 8];
    int rc = 0;
    tb_printf(t, "# The resolved scenario: every key after defaults and "
                 "overrides.\n");
    yaml_scalar(s->name, q, sizeof q);
    tb_printf(t, "name: %s\n", q);
    tb_printf(t, "seed: %" PRIu64 "\n", s->seed);
    utc_format(s->start_utc_ms, v, sizeof v);
    tb_printf(t, "start: %s\n", v);
    loader_format_value(PARAM_DURATION, &s->duration_ms, v, sizeof v);
    tb_printf(t, "duration: %s\n", v);
    tb_printf(t, "output:\n");
    rc |= add_params(l, loader_output_keys, &s->output);
    emit_kvs(t, l, 2, 0);
    tb_printf(t, "index:\n");
    rc |= add_params(l, index_param_keys, kx);
    emit_kvs(t, l, 2, 0);
    return rc;
}

/* Each venue: its name, its profile and the profile keys the entries
 * override, as written. */
static int write_venues(text_buf *t, kv_list *l, loader *ld,
                        const scenario *s)
{
    int rc = 0;
    tb_printf(t, "venues:\n");
    for (size_t i = 0; i < s->n_venues; i++) {
        const scenario_venue *ve = &s->venues[i];
        rc |= kv_add(l, "name", ve->name);
        rc |= kv_add(l, "profile", ve->profile_name);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "venues[%zu]", i);
        size_t k = 0;
        const char *rel;
        const entry *en;
        while ((en = loader_next_under(ld, prefix, &k, &rel)))
            if (en->kind == FLAT_SCALAR && strcmp(rel, "name") != 0
                && strcmp(rel, "profile") != 0
                && strncmp(rel, "policies.", 9) != 0)
                rc |= kv_add(l, rel, en->value);
        /* every key of each policy listed, as loaded */
        rc |= loader_policy_keys(ve, kv_add_fn, l);
        emit_kvs(t, l, 4, 1);
    }
    return rc;
}

static int write_populations(text_buf *t, kv_list *l, const scenario *s)
{
    int rc = 0;
    tb_printf(t, "populations:\n");
    for (size_t i = 0; i < s->n_populations; i++) {
        const scenario_population *p = &s->populations[i];
        rc |= kv_add(l, "kind", p->kind->kind);
        rc |= kv_add(l, "venue", s->venues[p->venue].name);
        if (p->other_venue >= 0)
            rc |= kv_add(l, "other_venue", s->venues[p->other_venue].name);
        rc |= kv_add(l, "name", p->name);
        for (const param_key *k = p->kind->keys; k->key; k++) {
            if (p->kind->writes_key && !p->kind->writes_key(p->params, k->key))
                continue;
            char v[PARAM_TEXT_MAX + 32];
            param_format(k, p->params, v, sizeof v);
            if (k->type != PARAM_TEXT || v[0])
                rc |= kv_add(l, k->key, v);
        }
        emit_kvs(t, l, 4, 1);
    }
    return rc;
}

static int write_shocks(text_buf *t, kv_list *l, const scenario *s)
{
    char v[PARAM_TEXT_MAX + 32];
    int rc = 0;
    if (s->n_shocks)
        tb_printf(t, "shocks:\n");
    for (size_t i = 0; i < s->n_shocks; i++) {
        const scenario_shock *sh = &s->shocks[i];
        loader_format_value(PARAM_DURATION, &sh->at, v, sizeof v);
        rc |= kv_add(l, "at", v);
        rc |= kv_add(l, "kind", sh->kind->kind);
        if (sh->kind->target == SHOCK_ON_VENUE)
            rc |= kv_add(l, "venue", s->venues[sh->venue].name);
        rc |= add_params(l, sh->kind->keys, sh->params);
        if (sh->kind->lasts) {
            loader_format_value(PARAM_DURATION, &sh->duration, v, sizeof v);
            rc |= kv_add(l, "for", v);
        }
        emit_kvs(t, l, 4, 1);
    }
    return rc;
}

static void write_expects(text_buf *t, const scenario *s)
{
    char q[2 * PARAM_TEXT_MAX + 8];
    if (s->n_expects)
        tb_printf(t, "expect:\n");
    for (size_t i = 0; i < s->n_expects; i++) {
        char low[40], high[40];
        loader_format_value(PARAM_DOUBLE, &s->expects[i].low, low,
                            sizeof low);
        loader_format_value(PARAM_DOUBLE, &s->expects[i].high, high,
                            sizeof high);
        yaml_scalar(s->expects[i].metric, q, sizeof q);
        tb_printf(t, "  %s: [%s, %s]\n", q, low, high);
    }
}

int loader_write_resolved(loader *ld, scenario *s, const index_keyed *kx)
{
    text_buf t = {0};
    kv_list l = {0};
    int rc = write_top(&t, &l, s, kx);
    rc |= write_venues(&t, &l, ld, s);
    rc |= write_populations(&t, &l, s);
    rc |= write_shocks(&t, &l, s);
    write_expects(&t, s);
    free(l.items);
    if (rc != 0 || t.nomem) {
        free(t.buf);
        return loader_nomem(ld);
    }
    s->resolved = t.buf;
    return 0;
}
