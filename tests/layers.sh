#!/usr/bin/env bash
# lib/'s rooms depend downward only (README, "Layout"): every quoted
# #include in lib/ names a header of its own room or of one it may use.
#   root:   root              store:  root store
#   auth:   root store auth   domain: root store auth domain
#   http:   root store http        pdf:    root pdf
#   mail:   root mail
# Prints each include that breaks the rule; fails if there is one.
set -euo pipefail
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)

declare -A MAY=(
  [root]="root" [store]="root store" [auth]="root store auth"
  [domain]="root store auth domain" [http]="root store http"
  [pdf]="root pdf" [mail]="root mail"
)

room_of() {                    # a header's room, from where it lives
  local h=$1 r
  [ -f "$LIB/$h" ] && { echo root; return; }
  for r in store auth domain http pdf mail; do
    [ -f "$LIB/$r/$h" ] && { echo "$r"; return; }
  done
  echo unknown
}

bad=0 seen=0
while IFS= read -r -d '' file; do
  rel=${file#"$LIB"/}
  case $rel in */*) room=${rel%%/*} ;; *) room=root ;; esac
  [ -n "${MAY[$room]:-}" ] || { echo "layers: $rel is in no known room"; bad=1; continue; }
  while IFS= read -r header; do
    seen=$((seen + 1))
    to=$(room_of "$header")
    if [[ " ${MAY[$room]} " != *" $to "* ]]; then
      echo "layers: lib/$rel ($room) includes $header ($to)"
      bad=1
    fi
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
done < <(find "$LIB" -name '*.[ch]' -print0)

[ "$seen" -gt 0 ] || { echo "layers: no includes found under $LIB"; exit 1; }
[ "$bad" -eq 0 ] && echo "layers: $seen includes, every one downward"
exit "$bad"
