/*
 * A minimal intrusive doubly linked list for the daemon's connections,
 * domains, watches and transactions (portable C11: no dependency on a libc
 * beyond offsetof).
 */
#ifndef XENSTORED_LIST_H
#define XENSTORED_LIST_H

#include <stddef.h>

struct xs_list {
    struct xs_list *prev, *next;
};

static inline void xs_list_init(struct xs_list *head)
{
    head->prev = head->next = head;
}

static inline int xs_list_empty(const struct xs_list *head)
{
    return head->next == head;
}

static inline void xs_list_add_tail(struct xs_list *head, struct xs_list *item)
{
    item->prev = head->prev;
    item->next = head;
    head->prev->next = item;
    head->prev = item;
}

static inline void xs_list_del(struct xs_list *item)
{
    item->prev->next = item->next;
    item->next->prev = item->prev;
    item->prev = item->next = item;
}

#define xs_container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* Iterates over `head` with `pos` (a struct type *) safe against removal of pos. */
#define xs_list_for_each_safe(pos, tmp, head, type, member)                                        \
    for (struct xs_list *pos##_l = (head)->next, *tmp = pos##_l->next;                             \
         pos##_l != (head) && ((pos = xs_container_of(pos##_l, type, member)), 1);                 \
         pos##_l = tmp, tmp = pos##_l->next)

#endif
