#!/bin/bash
# Patroni's bootstrap.post_bootstrap: runs once, on the node that initialises
# the cluster, with the superuser's connection string as $1 (and its
# password in PGPASSFILE).  Creates the two roles kpjd needs, neither a
# superuser, and the database the owner role owns (as deploy/docker/
# initdb-roles.sh does for the container):
#   $KPJD_OWNER_ROLE (kpjd)      owns the schema, runs `kpjdd migrate`, grants the app role
#   $KPJD_APP_ROLE   (kpjd_app)  what kpjdd serves as: owns nothing
# Passwords from the environment Patroni runs in: KPJD_OWNER_PASSWORD,
# KPJD_APP_PASSWORD.  The standby gets all of it by replication.
set -euo pipefail

owner=${KPJD_OWNER_ROLE:-kpjd}
app=${KPJD_APP_ROLE:-kpjd_app}
db=${KPJD_DB:-kpjd}
owner_pw=${KPJD_OWNER_PASSWORD:?post-bootstrap: KPJD_OWNER_PASSWORD is not set}
app_pw=${KPJD_APP_PASSWORD:?post-bootstrap: KPJD_APP_PASSWORD is not set}
(( ${#owner_pw} >= 16 && ${#app_pw} >= 16 )) || { echo "post-bootstrap: passwords need 16 characters or more" >&2; exit 1; }
[[ $owner_pw != "$app_pw" ]] || { echo "post-bootstrap: the two roles need different passwords" >&2; exit 1; }

# Values reach SQL as psql variables (:'x' quotes a literal, :"x" an identifier).
psql -v ON_ERROR_STOP=1 -X -q -d "$1" \
     -v owner="$owner" -v app="$app" -v db="$db" -v owner_pw="$owner_pw" -v app_pw="$app_pw" <<'SQL'
CREATE ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'owner_pw';
CREATE ROLE :"app"   LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_pw';
CREATE DATABASE :"db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app";
SQL
echo "post-bootstrap: roles $owner (owner) and $app (kpjdd) and database $db created"
