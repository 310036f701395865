# ccache makes rebuilds of unchanged translation units nearly free; used when present.
find_program(NANOTASKS_CCACHE ccache)
if(NANOTASKS_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
    set(CMAKE_CXX_COMPILER_LAUNCHER "${NANOTASKS_CCACHE}")
endif()
