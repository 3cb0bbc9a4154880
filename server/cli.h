/* Subcommands of kpjdd besides serve and migrate. */
#ifndef KP_CLI_H
#define KP_CLI_H

#include "config.h"

/* kpjdd create-admin USERNAME [--email ADDRESS] (password on standard
 * input; email may be NULL).  Exit status. */
int kp_cli_create_admin(const struct kp_config *cfg, const char *username, const char *email);

/* kpjdd keygen --out FILE: a new signing key.  Exit status. */
int kp_cli_keygen(const char *path);

/* kpjdd backup-check: the audit chain and every attachment's SHA-256 of
 * the database db.conninfo names (server/backup_check.c).  Exit status. */
int kp_cli_backup_check(const struct kp_config *cfg);

/* kpjdd sample --seed HEX --rate R [--stratify-by ...] < candidates: a
 * kpjd-sample-v1 draw, offline.  argv holds the arguments after "sample".
 * Exit status: 0, 1 for bad input, 2 for a bad command line. */
int kp_cli_sample(int argc, char **argv);

#endif
