# Driver tests: real PostgreSQL clients (psql, libpq, psycopg 2 and 3,
# asyncpg, node-postgres, JDBC) and hostile raw-protocol input against a whole
# local cluster. Each test runs `omendb-local <options> -- CMD`, which starts
# a fresh cluster on free ports, runs CMD with PGHOST/PGPORT/PGUSER/
# PGDATABASE (and PGPASSWORD with --user) set, and exits with CMD's status.
# Label `drivers` (and `cluster`). Included from tests/CMakeLists.txt, so
# CMAKE_CURRENT_SOURCE_DIR is tests/.
if(NOT (TARGET omendb-coordinator AND TARGET omendb-local))
  return()
endif()

set(OMEN_DRIVERS_DIR ${CMAKE_CURRENT_SOURCE_DIR}/drivers)
set(OMEN_DRIVERS_OUT ${CMAKE_CURRENT_BINARY_DIR}/drivers)
# The launcher keeps a failed run's cluster directory (logs) under TMPDIR.
file(MAKE_DIRECTORY ${OMEN_DRIVERS_OUT}/tmp)
set(OMEN_LOCAL $<TARGET_FILE:omendb-local> --quiet)
set(OMEN_SMALL --groups 2 --replicas 1)

# omen_driver_test(NAME TIMEOUT seconds LAUNCHER options... COMMAND cmd...)
function(omen_driver_test name)
  cmake_parse_arguments(T "" "TIMEOUT;SKIP_RETURN_CODE" "LAUNCHER;COMMAND" ${ARGN})
  add_test(NAME ${name} COMMAND ${OMEN_LOCAL} ${T_LAUNCHER} -- ${T_COMMAND})
  set_tests_properties(${name} PROPERTIES
    LABELS "cluster;drivers" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "TMPDIR=${OMEN_DRIVERS_OUT}/tmp;PYTHONDONTWRITEBYTECODE=1;LC_ALL=C")
  if(T_SKIP_RETURN_CODE)
    set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE ${T_SKIP_RETURN_CODE})
  endif()
endfunction()

# psql scripts compared with the output PostgreSQL 15 + pgvector 0.8 gives.
file(GLOB OMEN_DRIVER_SQL ${OMEN_DRIVERS_DIR}/sql/*.sql)
foreach(sql ${OMEN_DRIVER_SQL})
  get_filename_component(n ${sql} NAME_WE)
  omen_driver_test(drivers_psql_${n} TIMEOUT 120 LAUNCHER ${OMEN_SMALL}
    COMMAND sh ${OMEN_DRIVERS_DIR}/run_sql.sh ${sql} ${OMEN_DRIVERS_OUT}/sql)
endforeach()

# Hostile bytes on the PostgreSQL port, under trust and under SCRAM.
find_package(OpenSSL REQUIRED)
add_executable(test_badinput_pg drivers/test_badinput_pg.c)
target_include_directories(test_badinput_pg PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(test_badinput_pg PRIVATE OpenSSL::Crypto)
omen_driver_test(drivers_badinput_pg TIMEOUT 300 LAUNCHER ${OMEN_SMALL}
  COMMAND $<TARGET_FILE:test_badinput_pg>)
omen_driver_test(drivers_badinput_pg_scram TIMEOUT 300
  LAUNCHER ${OMEN_SMALL} --auth scram-sha-256 --user alice:secret
  COMMAND $<TARGET_FILE:test_badinput_pg>)

# Python drivers: Debian's python3 and its python3-psycopg, python3-psycopg2,
# python3-asyncpg and python3-numpy packages (not a python3 earlier in PATH).
foreach(t psycopg3 psycopg2 asyncpg)
  if(EXISTS ${OMEN_DRIVERS_DIR}/test_${t}.py)
    omen_driver_test(drivers_${t} TIMEOUT 600 LAUNCHER ${OMEN_SMALL}
      COMMAND /usr/bin/python3 ${OMEN_DRIVERS_DIR}/test_${t}.py)
  endif()
endforeach()

# libpq (C): binary COPY, prepared statements with binary parameters and
# results, pipeline mode; logged in with SCRAM-SHA-256.
pkg_check_modules(LIBPQ IMPORTED_TARGET libpq)
if(LIBPQ_FOUND)
  add_library(omen_pgdata STATIC drivers/pgdata.c)
  target_include_directories(omen_pgdata PUBLIC ${OMEN_DRIVERS_DIR})
  add_executable(test_libpq drivers/test_libpq.c)
  target_include_directories(test_libpq PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(test_libpq PRIVATE omen_pgdata PkgConfig::LIBPQ)
  omen_driver_test(drivers_libpq TIMEOUT 300
    LAUNCHER ${OMEN_SMALL} --auth scram-sha-256 --user alice:secret
    COMMAND $<TARGET_FILE:test_libpq>)

  # 32 connections of searches and writes for OMEN_LOAD_SECONDS (60) on
  # three replicas per group; fails on any error or on coordinator RSS growth.
  add_executable(load_test drivers/load_test.c)
  target_include_directories(load_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(load_test PRIVATE omen_pgdata PkgConfig::LIBPQ Threads::Threads)
  omen_driver_test(drivers_load TIMEOUT 420 LAUNCHER --groups 2 --replicas 3
    COMMAND $<TARGET_FILE:load_test>)
  # `make asan` leaves it out (label load): its memory check measures the allocator.
  set_tests_properties(drivers_load PROPERTIES LABELS "cluster;drivers;load")
endif()

# Node.js: node-postgres and the pgvector package, installed from the npm
# registry at test time into the build tree. Skipped (exit 77) only when
# node or npm is missing; a failed npm install fails the test.
omen_driver_test(drivers_node TIMEOUT 600 SKIP_RETURN_CODE 77 LAUNCHER ${OMEN_SMALL}
  COMMAND sh ${OMEN_DRIVERS_DIR}/node/run.sh ${OMEN_DRIVERS_OUT}/node)

# JDBC: Debian's pgjdbc, the test compiled with javac into the build tree at
# test time; logged in with SCRAM-SHA-256 (pgjdbc's own implementation).
omen_driver_test(drivers_jdbc TIMEOUT 600 SKIP_RETURN_CODE 77
  LAUNCHER ${OMEN_SMALL} --auth scram-sha-256 --user bob:s3cret
  COMMAND sh ${OMEN_DRIVERS_DIR}/jdbc/run.sh ${OMEN_DRIVERS_OUT}/jdbc)
