/*
 * registry: what the registries of agent kinds (agent_registry.c) and shock
 * kinds (shocks/shocks.c) share. A registry is a NULL-terminated list of
 * pointers to kinds, each a struct whose `kind` member is its scenario name,
 * in documentation order; REGISTRY_FUNCTIONS writes its two functions, the
 * list and the kind of a name. (Venue rules are param_choice entries, found
 * by param_choice_find.)
 */
#ifndef PERPSIM_REGISTRY_H
#define PERPSIM_REGISTRY_H

#include <stddef.h>
#include <string.h>

/* const T *const *all(void): the list; const T *find(const char *name): the
 * kind of list whose `kind` is name, or NULL. */
#define REGISTRY_FUNCTIONS(T, list, all, find)                                \
    const T *const *all(void)                                                 \
    {                                                                         \
        return list;                                                          \
    }                                                                         \
                                                                              \
    const T *find(const char *name)                                           \
    {                                                                         \
        for (const T *const *k = list; *k; k++)                               \
            if (strcmp((*k)->kind, name) == 0)                                \
                return *k;                                                    \
        return NULL;                                                          \
    }

#endif
