# Sourced by the container entry points (kpjdd's and PostgreSQL's init
# script): refuses a secret that was left empty or as a placeholder.
# kpjd_secret NAME FILE -> prints the secret, or says why not and returns 1.
kpjd_secret() {
    local name=$1 file=$2 value
    if [ ! -r "$file" ]; then
        echo "kpjd: secret $name: cannot read $file (see README, Docker)" >&2
        return 1
    fi
    value=$(tr -d '\r\n' <"$file")
    case $(printf '%s' "$value" | tr '[:upper:]' '[:lower:]') in
      ''|*change*me*|*changeme*|*placeholder*|*example*|*secret*|*password*|kpjd)
        echo "kpjd: secret $name in $file is empty or a placeholder: set a real one (see README, Docker)" >&2
        return 1 ;;
    esac
    if [ "${#value}" -lt 16 ]; then
        echo "kpjd: secret $name in $file is shorter than 16 characters" >&2
        return 1
    fi
    printf '%s' "$value"
}
