
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/build-rel/embedded.c" "CMakeFiles/kpjdd.dir/embedded.c.o" "gcc" "CMakeFiles/kpjdd.dir/embedded.c.o.d"
  "/work/main/server/api/applicants.c" "CMakeFiles/kpjdd.dir/server/api/applicants.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/applicants.c.o.d"
  "/work/main/server/api/applications.c" "CMakeFiles/kpjdd.dir/server/api/applications.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/applications.c.o.d"
  "/work/main/server/api/attachments.c" "CMakeFiles/kpjdd.dir/server/api/attachments.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/attachments.c.o.d"
  "/work/main/server/api/audit.c" "CMakeFiles/kpjdd.dir/server/api/audit.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/audit.c.o.d"
  "/work/main/server/api/batches.c" "CMakeFiles/kpjdd.dir/server/api/batches.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/batches.c.o.d"
  "/work/main/server/api/contacts.c" "CMakeFiles/kpjdd.dir/server/api/contacts.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/contacts.c.o.d"
  "/work/main/server/api/csp_reports.c" "CMakeFiles/kpjdd.dir/server/api/csp_reports.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/csp_reports.c.o.d"
  "/work/main/server/api/health.c" "CMakeFiles/kpjdd.dir/server/api/health.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/health.c.o.d"
  "/work/main/server/api/invitations.c" "CMakeFiles/kpjdd.dir/server/api/invitations.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/invitations.c.o.d"
  "/work/main/server/api/metrics.c" "CMakeFiles/kpjdd.dir/server/api/metrics.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/metrics.c.o.d"
  "/work/main/server/api/notifications.c" "CMakeFiles/kpjdd.dir/server/api/notifications.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/notifications.c.o.d"
  "/work/main/server/api/openapi.c" "CMakeFiles/kpjdd.dir/server/api/openapi.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/openapi.c.o.d"
  "/work/main/server/api/quotas.c" "CMakeFiles/kpjdd.dir/server/api/quotas.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/quotas.c.o.d"
  "/work/main/server/api/recommenders.c" "CMakeFiles/kpjdd.dir/server/api/recommenders.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/recommenders.c.o.d"
  "/work/main/server/api/regions.c" "CMakeFiles/kpjdd.dir/server/api/regions.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/regions.c.o.d"
  "/work/main/server/api/session.c" "CMakeFiles/kpjdd.dir/server/api/session.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/session.c.o.d"
  "/work/main/server/api/views.c" "CMakeFiles/kpjdd.dir/server/api/views.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/api/views.c.o.d"
  "/work/main/server/auth.c" "CMakeFiles/kpjdd.dir/server/auth.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/auth.c.o.d"
  "/work/main/server/create_admin.c" "CMakeFiles/kpjdd.dir/server/create_admin.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/create_admin.c.o.d"
  "/work/main/server/housekeeping.c" "CMakeFiles/kpjdd.dir/server/housekeeping.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/housekeeping.c.o.d"
  "/work/main/server/httpd.c" "CMakeFiles/kpjdd.dir/server/httpd.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/httpd.c.o.d"
  "/work/main/server/list.c" "CMakeFiles/kpjdd.dir/server/list.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/list.c.o.d"
  "/work/main/server/main.c" "CMakeFiles/kpjdd.dir/server/main.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/main.c.o.d"
  "/work/main/server/routes.c" "CMakeFiles/kpjdd.dir/server/routes.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/routes.c.o.d"
  "/work/main/server/static.c" "CMakeFiles/kpjdd.dir/server/static.c.o" "gcc" "CMakeFiles/kpjdd.dir/server/static.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build-rel/CMakeFiles/kpjd.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
