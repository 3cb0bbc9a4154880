#!/bin/bash
# PostgreSQL container init script (/docker-entrypoint-initdb.d): runs once,
# when the data directory is created.  Creates the two roles kpjd needs,
# neither a superuser, and the database the owner role owns:
#   $KPJD_OWNER_ROLE  owns the schema, runs `kpjdd migrate`, grants the app role
#   $KPJD_APP_ROLE    what kpjdd serves as: owns nothing
# Their passwords come from Docker secrets; a placeholder stops the init.
set -euo pipefail
. "${KPJD_LIB:-/usr/local/lib/kpjd}/secret-check.sh"

owner=${KPJD_OWNER_ROLE:-kpjd_owner}
app=${KPJD_APP_ROLE:-kpjd_app}
db=${KPJD_DB:-kpjd}
secrets=${KPJD_SECRETS_DIR:-/run/secrets}
owner_pw=$(kpjd_secret kpjd_owner_password "$secrets/kpjd_owner_password")
app_pw=$(kpjd_secret kpjd_app_password "$secrets/kpjd_app_password")
[ "$owner_pw" != "$app_pw" ] || { echo "kpjd: the two roles need different passwords" >&2; exit 1; }

# Values reach SQL as psql variables (:'x' quotes a literal, :"x" an identifier).
psql -v ON_ERROR_STOP=1 -X -q --username "${POSTGRES_USER:-postgres}" --dbname postgres \
     -v owner="$owner" -v app="$app" -v db="$db" -v owner_pw="$owner_pw" -v app_pw="$app_pw" <<'SQL'
CREATE ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'owner_pw';
CREATE ROLE :"app"   LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_pw';
CREATE DATABASE :"db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app";
-- Schema public belongs to the database's owner (pg_database_owner) and,
-- since PostgreSQL 15, PUBLIC may not create in it: migrations need no superuser.
SQL
echo "kpjd: roles $owner (owner) and $app (kpjdd) and database $db created"
