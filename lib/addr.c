#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static bool parse_port(const char *s, in_port_t *port)
{
    if (*s == '\0' || strlen(s) > 5)
        return false;
    unsigned long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v > 65535)
        return false;
    *port = htons((in_port_t)v);
    return true;
}

enum kp_err kp_addr_parse_listen(const char *text, struct sockaddr_storage *out,
                                 socklen_t *len)
{
    char host[64];
    const char *port;
    memset(out, 0, sizeof *out);
    if (text[0] == '[') {
        const char *end = strchr(text, ']');
        if (end == NULL || end[1] != ':' || (size_t)(end - text - 1) >= sizeof host)
            return KP_E_INVAL;
        memcpy(host, text + 1, (size_t)(end - text - 1));
        host[end - text - 1] = '\0';
        port = end + 2;
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
        a->sin6_family = AF_INET6;
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1 || !parse_port(port, &a->sin6_port))
            return KP_E_INVAL;
        *len = sizeof *a;
        return KP_OK;
    }
    const char *colon = strrchr(text, ':');
    if (colon == NULL || (size_t)(colon - text) >= sizeof host)
        return KP_E_INVAL;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    struct sockaddr_in *a = (struct sockaddr_in *)out;
    a->sin_family = AF_INET;
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1 || !parse_port(colon + 1, &a->sin_port))
        return KP_E_INVAL;
    *len = sizeof *a;
    return KP_OK;
}

void kp_addr_format(const struct sockaddr *sa, char *buf, size_t n)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        snprintf(buf, n, "%s:%u", host, ntohs(a->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        snprintf(buf, n, "[%s]:%u", host, ntohs(a->sin6_port));
    } else {
        snprintf(buf, n, "?");
    }
}

static enum kp_err parse_net(const char *word, struct kp_addr_net *net)
{
    char host[64];
    const char *slash = strchr(word, '/');
    size_t hl = slash ? (size_t)(slash - word) : strlen(word);
    if (hl == 0 || hl >= sizeof host)
        return KP_E_INVAL;
    memcpy(host, word, hl);
    host[hl] = '\0';
    memset(net, 0, sizeof *net);
    unsigned max;
    if (inet_pton(AF_INET, host, net->bytes) == 1) {
        net->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, host, net->bytes) == 1) {
        net->family = AF_INET6;
        max = 128;
    } else {
        return KP_E_INVAL;
    }
    net->prefix = max;
    if (slash != NULL) {
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (slash[1] == '\0' || *end != '\0' || p < 0 || p > (long)max)
            return KP_E_INVAL;
        net->prefix = (unsigned)p;
    }
    return KP_OK;
}

enum kp_err kp_addr_list_parse(const char *text, struct kp_addr_list *out)
{
    out->n = 0;
    const char *p = text;
    for (;;) {
        p += strspn(p, " ,\t");
        if (*p == '\0')
            return KP_OK;
        size_t wl = strcspn(p, " ,\t");
        char word[80];
        if (wl >= sizeof word || out->n == KP_ADDR_LIST_MAX)
            return KP_E_INVAL;
        memcpy(word, p, wl);
        word[wl] = '\0';
        if (parse_net(word, &out->nets[out->n]) != KP_OK)
            return KP_E_INVAL;
        out->n++;
        p += wl;
    }
}

static bool prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

bool kp_addr_list_match(const struct kp_addr_list *list, const struct sockaddr *sa)
{
    int family;
    unsigned char bytes[16];
    if (sa->sa_family == AF_INET) {
        family = AF_INET;
        memcpy(bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6)) {
            family = AF_INET;
            memcpy(bytes, a6->s6_addr + 12, 4);
        } else {
            family = AF_INET6;
            memcpy(bytes, a6->s6_addr, 16);
        }
    } else {
        return false;
    }
    for (size_t i = 0; i < list->n; i++)
        if (list->nets[i].family == family &&
            prefix_equal(list->nets[i].bytes, bytes, list->nets[i].prefix))
            return true;
    return false;
}

/* One address literal into a sockaddr (port 0). */
static bool literal(const char *text, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        return true;
    }
    return false;
}

bool kp_addr_forwarded_client(const char *xff, const struct kp_addr_list *trusted,
                              char *out, size_t n)
{
    if (xff == NULL)
        return false;
    size_t end = strlen(xff);
    while (end > 0) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        char entry[64];
        size_t a = start, b = end;
        while (a < b && (xff[a] == ' ' || xff[a] == '\t'))
            a++;
        while (b > a && (xff[b - 1] == ' ' || xff[b - 1] == '\t'))
            b--;
        if (b - a == 0 || b - a >= sizeof entry)
            return false;
        memcpy(entry, xff + a, b - a);
        entry[b - a] = '\0';
        struct sockaddr_storage ss;
        if (!literal(entry, &ss))
            return false;
        if (!kp_addr_list_match(trusted, (const struct sockaddr *)&ss)) {
            snprintf(out, n, "%s", entry);
            return true;
        }
        end = start > 0 ? start - 1 : 0;
    }
    return false;
}
