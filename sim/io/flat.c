/*
 * flat: libyaml's document tree to the flat list of key paths (flat.h).
 *
 * The walk is depth-first in file order, so entries appear as they were
 * written and a loader that reports the first bad entry reports the first
 * in the file. The key of a mapping pair places its entry; a list item is
 * placed at the item itself.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "flat.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "grow.h"
#include "textfile.h"

void flat_init(flat_doc *d, const char *file, perr *e)
{
    memset(d, 0, sizeof *d);
    d->file = file;
    d->e = e;
    d->root_line = d->root_col = 1;
}

void flat_free(flat_doc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->entries[i].path);
        free(d->entries[i].value);
    }
    free(d->entries);
    free(d->slots);
    d->entries = NULL;
    d->slots = NULL;
    d->n = d->cap = d->nslots = 0;
}

/* FNV-1a of a path. */
static size_t path_hash(const char *path)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *c = (const unsigned char *)path; *c; c++)
        h = (h ^ *c) * UINT64_C(1099511628211);
    return (size_t)h;
}

static void index_put(size_t *slots, size_t nslots, const char *path,
                      size_t entry)
{
    size_t k = path_hash(path) & (nslots - 1);
    while (slots[k])
        k = (k + 1) & (nslots - 1);
    slots[k] = entry + 1;
}

/* Makes room in the index for one more entry; -1 when out of memory. */
static int index_reserve(flat_doc *d)
{
    if (2 * (d->n + 1) <= d->nslots)
        return 0;
    size_t nslots = d->nslots ? 2 * d->nslots : 64;
    size_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < d->n; i++)
        index_put(slots, nslots, d->entries[i].path, i);
    free(d->slots);
    d->slots = slots;
    d->nslots = nslots;
    return 0;
}

/* The first live entry of path in file order: the chain holds every entry
 * of that path (dead ones included), not necessarily in order. */
flat_entry *flat_find(const flat_doc *d, const char *path)
{
    if (!d->nslots)
        return NULL;
    flat_entry *best = NULL;
    for (size_t k = path_hash(path) & (d->nslots - 1); d->slots[k];
         k = (k + 1) & (d->nslots - 1)) {
        flat_entry *en = &d->entries[d->slots[k] - 1];
        if (!en->dead && (!best || en < best) && strcmp(en->path, path) == 0)
            best = en;
    }
    return best;
}

flat_entry *flat_add(flat_doc *d, const char *path, const char *value,
                     int kind, size_t items, int line, int col)
{
    if (index_reserve(d) != 0) {
        perr_set(d->e, PERR_NOMEM, "%s: out of memory", d->file);
        return NULL;
    }
    flat_entry *entries = grow_for_one(d->entries, d->n, &d->cap,
                                       sizeof *entries, 32);
    if (!entries) {
        perr_set(d->e, PERR_NOMEM, "%s: out of memory", d->file);
        return NULL;
    }
    d->entries = entries;
    flat_entry *en = &d->entries[d->n];
    memset(en, 0, sizeof *en);
    en->path = strdup(path);
    en->value = value ? strdup(value) : NULL;
    if (!en->path || (value && !en->value)) {
        free(en->path);
        free(en->value);
        perr_set(d->e, PERR_NOMEM, "%s: out of memory", d->file);
        return NULL;
    }
    en->kind = kind;
    en->items = items;
    en->line = line;
    en->col = col;
    index_put(d->slots, d->nslots, en->path, d->n);
    d->n++;
    return en;
}

int flat_fail_at(flat_doc *d, const flat_entry *at, const char *fmt, ...)
{
    char msg[sizeof d->e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at && at->line == 0) {
        if (at->origin)
            return perr_set(d->e, PERR_INVALID, "%s: %s", at->origin, msg);
        return perr_set(d->e, PERR_INVALID, "--set %s", msg);
    }
    int line = at ? at->line : d->root_line;
    int col = at ? at->col : d->root_col;
    return perr_set(d->e, PERR_INVALID, "%s:%d:%d: %s", d->file, line, col,
                    msg);
}

const flat_entry *flat_place_of(const flat_doc *d, const char *path,
                                const flat_entry *fallback)
{
    char p[FLAT_PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (;;) {
        const flat_entry *en = flat_find(d, p);
        if (en)
            return en;
        char *cut = strrchr(p, '.');
        char *br = strrchr(p, '[');
        if (br && (!cut || br > cut))
            cut = br;
        if (!cut)
            return fallback;
        *cut = '\0';
    }
}

const char *flat_kind_word(const flat_entry *en)
{
    return en->kind == FLAT_MAP    ? "a mapping"
           : en->kind == FLAT_LIST ? "a list"
                                   : "a single value";
}

/* ---- the walk ----------------------------------------------------------- */

/* Fails with msg placed at node. */
static int fail_place(flat_doc *d, const yaml_node_t *node, const char *msg)
{
    flat_entry where = {.line = (int)node->start_mark.line + 1,
                        .col = (int)node->start_mark.column + 1};
    return flat_fail_at(d, &where, "%s", msg);
}

static int walk(flat_doc *d, yaml_document_t *doc, yaml_node_t *node,
                const char *path, int depth);

/* A node perpsim reads as plain data: no tag but the core schema's (a tag
 * such as !!python/object/apply would otherwise be dropped silently and the
 * value used), no NUL byte in a scalar (an escaped "\0" would cut the value
 * short: `name: "quick\0../x"` read as "quick"). path names the node. */
static int check_node(flat_doc *d, const yaml_node_t *n, const char *path)
{
    static const char core[] = "tag:yaml.org,2002:";
    static const char *const plain[] = {"str", "int",  "float", "bool",
                                        "null", "map", "seq"};
    const char *tag = (const char *)n->tag;
    int ok = !tag;
    if (tag && strncmp(tag, core, sizeof core - 1) == 0)
        for (size_t i = 0; !ok && i < sizeof plain / sizeof plain[0]; i++)
            ok = strcmp(tag + sizeof core - 1, plain[i]) == 0;
    char msg[FLAT_PATH_MAX + 160];
    const char *sep = path[0] ? ": " : "";
    if (!ok) {
        int core_tag = strncmp(tag, core, sizeof core - 1) == 0;
        snprintf(msg, sizeof msg,
                 "%s%sthe YAML tag '%s%.60s' is not allowed (values are plain "
                 "text, numbers, lists and mappings)",
                 path, sep, core_tag ? "!!" : "",
                 core_tag ? tag + sizeof core - 1 : tag);
        return fail_place(d, n, msg);
    }
    if (n->type == YAML_SCALAR_NODE
        && strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
        snprintf(msg, sizeof msg, "%s%sa NUL byte (\\0) in a value is not "
                 "allowed", path, sep);
        return fail_place(d, n, msg);
    }
    return 0;
}

/* Adds the entry of value (placed at line, col) under sub and walks into
 * it. */
static int add_node(flat_doc *d, yaml_document_t *doc, yaml_node_t *v,
                    const char *sub, int line, int col, int depth)
{
    int rc = check_node(d, v, sub);
    if (rc != 0)
        return rc;
    if (v->type == YAML_SCALAR_NODE)
        return flat_add(d, sub, (const char *)v->data.scalar.value,
                        FLAT_SCALAR, 0, line, col)
                   ? 0
                   : PERR_NOMEM;
    int list = v->type == YAML_SEQUENCE_NODE;
    size_t items = list ? (size_t)(v->data.sequence.items.top
                                   - v->data.sequence.items.start)
                        : 0;
    if (!flat_add(d, sub, NULL, list ? FLAT_LIST : FLAT_MAP, items, line, col))
        return PERR_NOMEM;
    return walk(d, doc, v, sub, depth + 1);
}

/* Adds v at sub, the path snprintf made (len) in a buffer of size bytes,
 * placed at the node at (a mapping's key, or the item itself): refused
 * when the path did not fit, or, when unique, when it is there already. */
static int add_child(flat_doc *d, yaml_document_t *doc, yaml_node_t *v,
                     const yaml_node_t *at, const char *sub, int len,
                     size_t size, int unique, int depth)
{
    if (len < 0 || (size_t)len >= size) {
        char msg[96];
        snprintf(msg, sizeof msg, "%.60s...: key path too long", sub);
        return fail_place(d, at, msg);
    }
    const flat_entry *first = unique ? flat_find(d, sub) : NULL;
    if (first) {
        char msg[FLAT_PATH_MAX + 64];
        snprintf(msg, sizeof msg, "%s: duplicate key (first at line %d)",
                 sub, first->line);
        return fail_place(d, at, msg);
    }
    return add_node(d, doc, v, sub, (int)at->start_mark.line + 1,
                    (int)at->start_mark.column + 1, depth);
}

static int walk(flat_doc *d, yaml_document_t *doc, yaml_node_t *node,
                const char *path, int depth)
{
    if (depth > FLAT_DEPTH_MAX)
        return flat_fail_at(d, flat_find(d, path),
                            "%s: nested deeper than %d levels", path,
                            FLAT_DEPTH_MAX);
    char sub[FLAT_PATH_MAX];
    if (node->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
             pair < node->data.mapping.pairs.top; pair++) {
            yaml_node_t *k = yaml_document_get_node(doc, pair->key);
            yaml_node_t *v = yaml_document_get_node(doc, pair->value);
            int bad = check_node(d, k, path);
            if (bad != 0)
                return bad;
            if (k->type != YAML_SCALAR_NODE || k->data.scalar.length == 0) {
                char msg[FLAT_PATH_MAX + 32];
                snprintf(msg, sizeof msg, "%s%sa key must be a name", path,
                         path[0] ? ": " : "");
                return fail_place(d, k, msg);
            }
            int len = snprintf(sub, sizeof sub, "%s%s%s", path,
                               path[0] ? "." : "",
                               (const char *)k->data.scalar.value);
            int rc = add_child(d, doc, v, k, sub, len, sizeof sub, 1, depth);
            if (rc != 0)
                return rc;
        }
        return 0;
    }
    if (node->type == YAML_SEQUENCE_NODE) {
        size_t i = 0;
        for (yaml_node_item_t *it = node->data.sequence.items.start;
             it < node->data.sequence.items.top; it++, i++) {
            yaml_node_t *v = yaml_document_get_node(doc, *it);
            int len = snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            int rc = add_child(d, doc, v, v, sub, len, sizeof sub, 0, depth);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

static int broken(flat_doc *d, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR)
        return perr_set(d->e, PERR_NOMEM, "%s: out of memory", d->file);
    return perr_set(d->e, PERR_INVALID, "%s:%d:%d: broken YAML: %s%s%s",
                    d->file, (int)p->problem_mark.line + 1,
                    (int)p->problem_mark.column + 1,
                    p->problem ? p->problem : "unreadable",
                    p->context ? " " : "", p->context ? p->context : "");
}

int flat_parse(flat_doc *d, const char *text, size_t len, const char *what,
               const char *empty_hint)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return perr_set(d->e, PERR_NOMEM, "%s: out of memory", d->file);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    d->root_line = d->root_col = 1;
    if (!yaml_parser_load(&parser, &doc)) {
        int rc = broken(d, &parser);
        yaml_parser_delete(&parser);
        return rc;
    }
    int rc = 0;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        rc = flat_fail_at(d, NULL, "an empty %s; %s", what, empty_hint);
    } else {
        d->root_line = (int)root->start_mark.line + 1;
        d->root_col = (int)root->start_mark.column + 1;
        if (root->type != YAML_MAPPING_NODE)
            rc = flat_fail_at(d, NULL, "a %s is a mapping of keys", what);
        else
            rc = walk(d, &doc, root, "", 0);
    }
    if (rc == 0) {
        /* A second document would be ignored silently: refuse it. */
        yaml_document_t next;
        if (yaml_parser_load(&parser, &next)) {
            yaml_node_t *r = yaml_document_get_root_node(&next);
            if (r) {
                char msg[128];
                snprintf(msg, sizeof msg,
                         "a second YAML document; a %s file holds one", what);
                rc = fail_place(d, r, msg);
            }
            yaml_document_delete(&next);
        } else {
            rc = broken(d, &parser);
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

int flat_read_file(const char *path, char **text, size_t *len, perr *e)
{
    return textfile_read(path, FLAT_FILE_MAX, "a YAML file", text, len, e);
}
