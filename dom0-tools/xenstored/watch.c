/*
 * Watch registration and event delivery (watch.h).
 */
#include "watch.h"

#include <stdlib.h>
#include <string.h>
#include "conn.h"
#include "perms.h"

static void watch_free(struct watch *w)
{
    free(w->path);
    free(w->abs);
    free(w->token);
    free(w);
}

static struct watch *watch_find(struct conn *c, const char *path, const char *token)
{
    struct watch *w;
    xs_list_for_each_safe(w, tmp, &c->watches, struct watch,
                          link) if (strcmp(w->path, path) == 0 &&
                                    strcmp(w->token, token) == 0) return w;
    return NULL;
}

int watch_add(struct conn *c, const char *path, size_t path_len, const char *token)
{
    struct watch *w;
    int err = 0;
    char *abs;
    if (path[0] == '@') {
        /* Special watches: any name after '@' in path syntax. */
        if (!xs_path_chars_valid(path, path_len) || path_len > XENSTORE_ABS_PATH_MAX)
            return EINVAL;
        abs = strdup(path);
        if (!abs)
            return ENOMEM;
    } else {
        abs = store_canonical_path(c, path, path_len, &err);
        if (!abs)
            return err;
    }
    if (watch_find(c, path, token)) {
        free(abs);
        return EEXIST;
    }
    if (!c->privileged && c->nwatches >= c->store->quota.watches) {
        free(abs);
        return E2BIG;
    }
    w = calloc(1, sizeof(*w));
    if (!w || !(w->path = strdup(path)) || !(w->token = strdup(token))) {
        free(abs);
        if (w)
            watch_free(w);
        return ENOMEM;
    }
    w->abs = abs;
    w->relative = path[0] != '/' && path[0] != '@';
    xs_list_add_tail(&c->watches, &w->link);
    c->nwatches++;
    return 0;
}

int watch_remove(struct conn *c, const char *path, size_t path_len, const char *token)
{
    struct watch *w = watch_find(c, path, token);
    (void)path_len;
    if (!w)
        return ENOENT;
    xs_list_del(&w->link);
    c->nwatches--;
    watch_free(w);
    return 0;
}

void watch_remove_all(struct conn *c)
{
    struct watch *w;
    xs_list_for_each_safe(w, tmp, &c->watches, struct watch, link)
    {
        xs_list_del(&w->link);
        watch_free(w);
    }
    c->nwatches = 0;
}

/* The event path as the watcher sees it: relative to its home for relative
 * watches (the event path always lies below the watch, hence below home). */
static const char *event_path_for(const struct conn *c, const struct watch *w, const char *abs)
{
    if (w->relative) {
        size_t base = strlen(w->abs) - strlen(w->path);
        return abs + base;
    }
    return abs;
}

void watch_fire(struct store *s, const char *path, const struct xs_perm *perms, uint32_t nperms,
                bool removed)
{
    struct conn *c;
    bool special = path[0] == '@';
    xs_list_for_each_safe(c, ctmp, &s->conns, struct conn, link)
    {
        struct watch *w;
        if (special ? !c->privileged : !(perms_for_conn(c, perms, nperms) & XS_PERM_READ))
            continue;
        xs_list_for_each_safe(w, wtmp, &c->watches, struct watch, link)
        {
            if (xs_path_is_child(path, w->abs)) {
                if (special && strcmp(path, w->abs) != 0)
                    continue;
                conn_send_event(c, event_path_for(c, w, path), w->token);
            } else if (removed && !special && xs_path_is_child(w->abs, path)) {
                /* A removed parent of the watched path: report the watch's path. */
                conn_send_event(c, w->path, w->token);
            }
        }
    }
}
