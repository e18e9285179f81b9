# nockit_add_app(NAME): declares apps/NAME/main.cpp as a program linked to libnockit.
function(nockit_add_app name)
  add_executable(${name} main.cpp ${ARGN})
  target_link_libraries(${name} PRIVATE nockit::nockit nockit::warnings)
  install(TARGETS ${name} RUNTIME DESTINATION bin)
endfunction()
