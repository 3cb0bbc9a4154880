#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "router.h"

/* Matches one pattern against a path, capturing parameters into m. */
static bool match_path(const char *pattern, const char *path, struct kp_match *m)
{
    m->nparams = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            assert(close != NULL);              /* patterns are well-formed */
            size_t vl = strcspn(s, "/");
            if (vl == 0 || vl >= sizeof m->params[0].value || m->nparams == KP_MAX_PARAMS)
                return false;
            m->params[m->nparams].name = p + 1;
            m->params[m->nparams].name_len = (size_t)(close - p - 1);
            memcpy(m->params[m->nparams].value, s, vl);
            m->params[m->nparams].value[vl] = '\0';
            m->nparams++;
            p = close + 1;
            s += vl;
        } else if (*p == *s) {
            p++;
            s++;
        } else {
            return false;
        }
    }
    return *p == '\0' && *s == '\0';
}

static void add_allow(char *allow, size_t n, const char *method)
{
    if (strstr(allow, method) != NULL)
        return;
    size_t used = strlen(allow);
    snprintf(allow + used, n - used, "%s%s", used ? ", " : "", method);
}

enum kp_match_result kp_router_match(const struct kp_route *routes, size_t n,
                                     const char *method, const char *path,
                                     struct kp_match *m)
{
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
    struct kp_match probe = { 0 };
    bool path_seen = false;
    m->route = NULL;
    m->nparams = 0;
    m->allow[0] = '\0';
    m->secret = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!match_path(routes[i].pattern, path, &probe))
            continue;
        path_seen = true;
        if (m->secret == NULL && (routes[i].flags & KP_ROUTE_SECRET_PATH))
            m->secret = routes[i].pattern;
        if (strcmp(routes[i].method, want) == 0) {
            const char *secret = m->secret;
            *m = probe;
            m->route = &routes[i];
            m->index = i;
            m->allow[0] = '\0';
            m->secret = secret;
            return KP_MATCH_OK;
        }
        add_allow(m->allow, sizeof m->allow, routes[i].method);
        if (strcmp(routes[i].method, "GET") == 0)
            add_allow(m->allow, sizeof m->allow, "HEAD");
    }
    return path_seen ? KP_MATCH_METHOD : KP_MATCH_NO_PATH;
}

const char *kp_match_param(const struct kp_match *m, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < m->nparams; i++)
        if (m->params[i].name_len == nl && memcmp(m->params[i].name, name, nl) == 0)
            return m->params[i].value;
    return NULL;
}
