# Warnings live on an interface target, not in global flags.
add_library(nockit_warnings INTERFACE)
add_library(nockit::warnings ALIAS nockit_warnings)
target_compile_options(nockit_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused -Wnull-dereference
  -Wimplicit-fallthrough)
if(NOCKIT_WERROR)
  target_compile_options(nockit_warnings INTERFACE -Werror)
endif()
