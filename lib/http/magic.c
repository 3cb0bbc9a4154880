#include <string.h>

#include "magic.h"

static const struct {
    const char *type;
    size_t offset;
    const char *bytes;
    size_t len;
} magic[] = {
    { "application/pdf", 0, "%PDF-", 5 },
    { "image/png", 0, "\x89PNG\r\n\x1a\n", 8 },
    { "image/jpeg", 0, "\xFF\xD8\xFF", 3 },
    { "video/mp4", 4, "ftyp", 4 },
};

bool kp_magic_matches(const char *content_type, const unsigned char *head, size_t n)
{
    for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++)
        if (strcmp(magic[i].type, content_type) == 0)
            return n >= magic[i].offset + magic[i].len &&
                   memcmp(head + magic[i].offset, magic[i].bytes, magic[i].len) == 0;
    return false;
}
