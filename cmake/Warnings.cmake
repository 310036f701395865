# Warnings are errors for our own targets; third-party headers come in as SYSTEM includes.
add_library(nanotasks_warnings INTERFACE)
target_compile_options(nanotasks_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Werror
    -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused
    -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
    -Wno-missing-field-initializers)
# GCC 12 at -O3 (the release preset) reports -Wrestrict inside std::string's operator+ and
# -Wnull-dereference inside std::vector::resize, in library code that is correct (GCC bugs
# 105329 and 105651). Every other build keeps both warnings, so our own code is still checked.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(nanotasks_warnings INTERFACE
        "$<$<CONFIG:Release>:-Wno-restrict;-Wno-null-dereference>")
endif()
