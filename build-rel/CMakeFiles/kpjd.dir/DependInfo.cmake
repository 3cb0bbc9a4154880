
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/lib/account.c" "CMakeFiles/kpjd.dir/lib/account.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/account.c.o.d"
  "/work/main/lib/addr.c" "CMakeFiles/kpjd.dir/lib/addr.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/addr.c.o.d"
  "/work/main/lib/appform.c" "CMakeFiles/kpjd.dir/lib/appform.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/appform.c.o.d"
  "/work/main/lib/appstate.c" "CMakeFiles/kpjd.dir/lib/appstate.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/appstate.c.o.d"
  "/work/main/lib/audit.c" "CMakeFiles/kpjd.dir/lib/audit.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/audit.c.o.d"
  "/work/main/lib/batch.c" "CMakeFiles/kpjd.dir/lib/batch.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/batch.c.o.d"
  "/work/main/lib/buf.c" "CMakeFiles/kpjd.dir/lib/buf.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/buf.c.o.d"
  "/work/main/lib/config.c" "CMakeFiles/kpjd.dir/lib/config.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/config.c.o.d"
  "/work/main/lib/creditcode.c" "CMakeFiles/kpjd.dir/lib/creditcode.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/creditcode.c.o.d"
  "/work/main/lib/csv.c" "CMakeFiles/kpjd.dir/lib/csv.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/csv.c.o.d"
  "/work/main/lib/cursor.c" "CMakeFiles/kpjd.dir/lib/cursor.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/cursor.c.o.d"
  "/work/main/lib/db.c" "CMakeFiles/kpjd.dir/lib/db.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/db.c.o.d"
  "/work/main/lib/err.c" "CMakeFiles/kpjd.dir/lib/err.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/err.c.o.d"
  "/work/main/lib/filename.c" "CMakeFiles/kpjd.dir/lib/filename.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/filename.c.o.d"
  "/work/main/lib/httputil.c" "CMakeFiles/kpjd.dir/lib/httputil.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/httputil.c.o.d"
  "/work/main/lib/invitecode.c" "CMakeFiles/kpjd.dir/lib/invitecode.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/invitecode.c.o.d"
  "/work/main/lib/json.c" "CMakeFiles/kpjd.dir/lib/json.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/json.c.o.d"
  "/work/main/lib/log.c" "CMakeFiles/kpjd.dir/lib/log.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/log.c.o.d"
  "/work/main/lib/magic.c" "CMakeFiles/kpjd.dir/lib/magic.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/magic.c.o.d"
  "/work/main/lib/metrics.c" "CMakeFiles/kpjd.dir/lib/metrics.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/metrics.c.o.d"
  "/work/main/lib/migrate.c" "CMakeFiles/kpjd.dir/lib/migrate.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/migrate.c.o.d"
  "/work/main/lib/notify.c" "CMakeFiles/kpjd.dir/lib/notify.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/notify.c.o.d"
  "/work/main/lib/password.c" "CMakeFiles/kpjd.dir/lib/password.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/password.c.o.d"
  "/work/main/lib/principal.c" "CMakeFiles/kpjd.dir/lib/principal.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/principal.c.o.d"
  "/work/main/lib/problem.c" "CMakeFiles/kpjd.dir/lib/problem.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/problem.c.o.d"
  "/work/main/lib/ratelimit.c" "CMakeFiles/kpjd.dir/lib/ratelimit.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/ratelimit.c.o.d"
  "/work/main/lib/reqid.c" "CMakeFiles/kpjd.dir/lib/reqid.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/reqid.c.o.d"
  "/work/main/lib/role.c" "CMakeFiles/kpjd.dir/lib/role.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/role.c.o.d"
  "/work/main/lib/router.c" "CMakeFiles/kpjd.dir/lib/router.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/router.c.o.d"
  "/work/main/lib/throttle.c" "CMakeFiles/kpjd.dir/lib/throttle.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/throttle.c.o.d"
  "/work/main/lib/token.c" "CMakeFiles/kpjd.dir/lib/token.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/token.c.o.d"
  "/work/main/lib/validate.c" "CMakeFiles/kpjd.dir/lib/validate.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/validate.c.o.d"
  "/work/main/lib/webpath.c" "CMakeFiles/kpjd.dir/lib/webpath.c.o" "gcc" "CMakeFiles/kpjd.dir/lib/webpath.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
