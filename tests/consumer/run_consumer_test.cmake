# SPDX-License-Identifier: MIT
# ctest driver: install the built optlab into a scratch prefix, then build and run a consumer
# through find_package(optlab) and another through pkg-config.
#   -DSOURCE_DIR=<optlab source> -DBUILD_DIR=<optlab build> -DWORK_DIR=<scratch>
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
    endif()
    message(STATUS "${out}")
endfunction()

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")

# 1. find_package(optlab)
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer/find_package" -B "${WORK_DIR}/cmake"
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build "${WORK_DIR}/cmake")
run("${WORK_DIR}/cmake/consumer")

# 2. pkg-config
find_program(PKG_CONFIG pkg-config REQUIRED)
file(GLOB_RECURSE pc_files "${prefix}/*/optlab.pc")
list(GET pc_files 0 pc_file)
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs optlab OUTPUT_VARIABLE flags
                OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config does not find optlab in ${pc_dir}")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
run(c++ "${SOURCE_DIR}/tests/consumer/find_package/main.cpp" ${flags} -o "${WORK_DIR}/pc_consumer")
run("${WORK_DIR}/pc_consumer")
