/* kpjdd keygen --out FILE: a new Ed25519 signing key.  The private key goes
 * to FILE (mode 0600), the public key to FILE.pub; an existing file is never
 * overwritten.  The key id is printed for the operator's records. */

#include <stdio.h>

#include "cli.h"
#include "signing.h"

int kp_cli_keygen(const char *path)
{
    struct kp_public_key pub;
    char why[512];
    if (kp_key_generate(path, &pub, why, sizeof why) != KP_OK) {
        fprintf(stderr, "kpjdd: keygen: %s (an existing key is never overwritten)\n", why);
        return 1;
    }
    printf("wrote %s (private, mode 0600) and %s.pub\nkey_id %s\n", path, path, pub.id);
    return 0;
}
