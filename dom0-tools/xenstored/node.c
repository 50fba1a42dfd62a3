/*
 * Nodes and the path -> node hash table (node.h).  The table chains nodes
 * through node->hnext and doubles its bucket array when it holds more nodes
 * than buckets, so lookups stay O(1) as the store grows.
 */
#include "node.h"

#include <stdlib.h>
#include <string.h>

static char *dup_bytes(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

struct node *node_new(const char *path, const char *value, uint32_t vlen,
                      const struct xs_perm *perms, uint32_t nperms)
{
    struct node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->path = dup_bytes(path, strlen(path));
    if (!n->path || !node_set_value(n, value, vlen) || !node_set_perms(n, perms, nperms)) {
        node_free(n);
        return NULL;
    }
    return n;
}

struct node *node_copy(const struct node *src)
{
    struct node *n = node_new(src->path, src->value, src->vlen, src->perms, src->nperms);
    if (!n)
        return NULL;
    if (src->childlen) {
        n->children = malloc(src->childlen);
        if (!n->children) {
            node_free(n);
            return NULL;
        }
        memcpy(n->children, src->children, src->childlen);
        n->childlen = src->childlen;
    }
    n->gen = src->gen;
    n->deleted = src->deleted;
    return n;
}

void node_free(struct node *n)
{
    if (!n)
        return;
    free(n->path);
    free(n->value);
    free(n->perms);
    free(n->children);
    free(n);
}

bool node_set_value(struct node *n, const char *value, uint32_t vlen)
{
    char *v = dup_bytes(value ? value : "", value ? vlen : 0);
    if (!v)
        return false;
    free(n->value);
    n->value = v;
    n->vlen = value ? vlen : 0;
    return true;
}

bool node_set_perms(struct node *n, const struct xs_perm *perms, uint32_t nperms)
{
    struct xs_perm *p;
    if (nperms == 0)
        return false;
    p = malloc(nperms * sizeof(*p));
    if (!p)
        return false;
    memcpy(p, perms, nperms * sizeof(*p));
    free(n->perms);
    n->perms = p;
    n->nperms = nperms;
    return true;
}

bool node_add_child(struct node *n, const char *name)
{
    size_t len = strlen(name) + 1;
    char *c = realloc(n->children, n->childlen + len);
    if (!c)
        return false;
    memcpy(c + n->childlen, name, len);
    n->children = c;
    n->childlen += (uint32_t)len;
    return true;
}

bool node_remove_child(struct node *n, const char *name)
{
    size_t len = strlen(name) + 1;
    for (uint32_t off = 0; off < n->childlen;) {
        size_t here = strlen(n->children + off) + 1;
        if (here == len && memcmp(n->children + off, name, len) == 0) {
            memmove(n->children + off, n->children + off + len, n->childlen - off - len);
            n->childlen -= (uint32_t)len;
            return true;
        }
        off += (uint32_t)here;
    }
    return false;
}

const char *node_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

char *node_parent_path(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || strcmp(path, "/") == 0)
        return NULL;
    if (slash == path)
        return dup_bytes("/", 1);
    return dup_bytes(path, (size_t)(slash - path));
}

size_t node_size(const struct node *n)
{
    return sizeof(*n) + strlen(n->path) + 1 + n->vlen + 1 + n->nperms * sizeof(*n->perms) +
           n->childlen;
}

/* FNV-1a: paths share long prefixes, and FNV mixes every byte. */
static size_t hash_path(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return (size_t)h;
}

bool node_table_init(struct node_table *t)
{
    t->nbuckets = 64;
    t->count = 0;
    t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
    return t->buckets != NULL;
}

void node_table_destroy(struct node_table *t)
{
    if (!t->buckets)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct node *n = t->buckets[i];
        while (n) {
            struct node *next = n->hnext;
            node_free(n);
            n = next;
        }
    }
    free(t->buckets);
    t->buckets = NULL;
    t->count = 0;
}

struct node *node_table_get(const struct node_table *t, const char *path)
{
    struct node *n = t->buckets[hash_path(path) & (t->nbuckets - 1)];
    for (; n; n = n->hnext)
        if (strcmp(n->path, path) == 0)
            return n;
    return NULL;
}

static void grow(struct node_table *t)
{
    size_t nb = t->nbuckets * 2;
    struct node **b = calloc(nb, sizeof(*b));
    if (!b)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct node *n = t->buckets[i];
        while (n) {
            struct node *next = n->hnext;
            size_t h = hash_path(n->path) & (nb - 1);
            n->hnext = b[h];
            b[h] = n;
            n = next;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = nb;
}

struct node *node_table_put(struct node_table *t, struct node *n)
{
    struct node *old = node_table_remove(t, n->path);
    size_t h;
    if (t->count >= t->nbuckets)
        grow(t);
    h = hash_path(n->path) & (t->nbuckets - 1);
    n->hnext = t->buckets[h];
    t->buckets[h] = n;
    t->count++;
    return old;
}

struct node *node_table_remove(struct node_table *t, const char *path)
{
    struct node **pp = &t->buckets[hash_path(path) & (t->nbuckets - 1)];
    for (; *pp; pp = &(*pp)->hnext) {
        if (strcmp((*pp)->path, path) == 0) {
            struct node *n = *pp;
            *pp = n->hnext;
            n->hnext = NULL;
            t->count--;
            return n;
        }
    }
    return NULL;
}

void node_table_walk(const struct node_table *t, void (*fn)(struct node *, void *), void *arg)
{
    for (size_t i = 0; i < t->nbuckets; i++)
        for (struct node *n = t->buckets[i]; n; n = n->hnext)
            fn(n, arg);
}
