# Tests of bench/: the dataset readers (test_dataset) and an end-to-end
# smoke run of bench/engine against both peers on a tiny generated set
# (bench_smoke). Included from tests/CMakeLists.txt; the targets it links
# are defined in bench/CMakeLists.txt.

if(NOT TARGET PkgConfig::OMEN_HDF5)
    pkg_check_modules(OMEN_HDF5 REQUIRED IMPORTED_TARGET GLOBAL hdf5)
endif()

add_executable(test_dataset ${CMAKE_CURRENT_LIST_DIR}/test_dataset.c)
# The test writes its HDF5 fixtures with the HDF5 C API directly.
target_link_libraries(test_dataset PRIVATE omen_bench_dataset omen_common PkgConfig::OMEN_HDF5)
add_test(NAME test_dataset COMMAND test_dataset)
set_tests_properties(test_dataset PROPERTIES TIMEOUT 60)

add_test(NAME bench_smoke
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/bench_smoke.sh $<TARGET_FILE:bench_datagen>
                 $<TARGET_FILE:bench_engine>)
set_tests_properties(bench_smoke PROPERTIES TIMEOUT 300)
