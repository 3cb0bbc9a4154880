#!/bin/bash
# kpjdd's container entry point.  Runs as root only long enough to take its
# secrets out of /run/secrets (which compose mounts with the host's owner and
# mode), then runs kpjdd as the unprivileged user `kpjd`:
#   KPJD_DB_PASSWORD_FILE   the database role's password -> a private pgpass
#   KPJD_SIGNING_KEY_FILE   the Ed25519 signing key (optional) -> a private copy
# A missing, empty or placeholder secret stops the container here.
set -euo pipefail
. "${KPJD_LIB:-/usr/local/lib/kpjd}/secret-check.sh"

RUN_DIR=${KPJD_RUNTIME_DIR:-/run/kpjd}
RUN_AS=${KPJD_RUN_AS:-kpjd}
as_user=()
if [ "$(id -u)" = 0 ]; then
    as_user=(setpriv --reuid="$RUN_AS" --regid="$RUN_AS" --init-groups --inh-caps=-all)
fi
install -d -m 0700 "$RUN_DIR"
[ "$(id -u)" = 0 ] && chown "$RUN_AS:" "$RUN_DIR"

if [ -n "${KPJD_DB_PASSWORD_FILE:-}" ]; then
    password=$(kpjd_secret db_password "$KPJD_DB_PASSWORD_FILE")
    umask 077
    # host:port:database:user:password, with ':' and '\' escaped
    printf '*:*:*:*:%s\n' "$(printf '%s' "$password" | sed 's/[\\:]/\\&/g')" >"$RUN_DIR/pgpass"
    unset password
    [ "$(id -u)" = 0 ] && chown "$RUN_AS:" "$RUN_DIR/pgpass"
    export PGPASSFILE="$RUN_DIR/pgpass"
fi
if [ -n "${KPJD_SIGNING_KEY_FILE:-}" ]; then
    [ -r "$KPJD_SIGNING_KEY_FILE" ] || { echo "kpjd: cannot read $KPJD_SIGNING_KEY_FILE" >&2; exit 1; }
    install -m 0600 "$KPJD_SIGNING_KEY_FILE" "$RUN_DIR/signing_key"
    [ "$(id -u)" = 0 ] && chown "$RUN_AS:" "$RUN_DIR/signing_key"
    export KPJD_CRYPTO_SIGNING_KEY="$RUN_DIR/signing_key"
fi
unset KPJD_DB_PASSWORD_FILE KPJD_SIGNING_KEY_FILE
exec "${as_user[@]}" kpjdd -c "${KPJD_CONF:-/etc/kpjd/kpjd.conf}" "$@"
