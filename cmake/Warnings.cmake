# Warnings are errors for our own targets; third-party headers come in as SYSTEM includes.
add_library(nanotasks_warnings INTERFACE)
target_compile_options(nanotasks_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Werror
    -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused
    -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
    -Wno-missing-field-initializers)
