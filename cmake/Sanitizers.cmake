# NANOTASKS_SANITIZE=address,undefined or thread, set by the dev and tsan presets.
set(NANOTASKS_SANITIZE "" CACHE STRING "Comma-separated -fsanitize= list")
if(NANOTASKS_SANITIZE)
    add_compile_options(-fsanitize=${NANOTASKS_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${NANOTASKS_SANITIZE})
endif()
