/* Subcommands of kpjdd besides serve and migrate. */
#ifndef KP_CLI_H
#define KP_CLI_H

#include "config.h"

/* kpjdd create-admin USERNAME (password on standard input).  Exit status. */
int kp_cli_create_admin(const struct kp_config *cfg, const char *username);

/* kpjdd keygen --out FILE: a new signing key.  Exit status. */
int kp_cli_keygen(const char *path);

#endif
