file(REMOVE_RECURSE
  "libkpjd.a"
)
