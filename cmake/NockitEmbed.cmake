# nockit_embed(TARGET SYMBOL FILE): compile FILE into TARGET as
#   namespace nockit::embedded { extern const std::string_view SYMBOL; }
# so the programs work with no data files installed. The C++ file is written at configure time
# and CMake re-runs when FILE changes (custom commands cannot feed a target in another directory).
set(NOCKIT_EMBED_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/embed_file.cmake")
function(nockit_embed target symbol file)
  get_filename_component(abs "${file}" ABSOLUTE)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/embedded/${symbol}.cpp")
  set(IN "${abs}")
  set(OUT "${out}")
  set(SYMBOL "${symbol}")
  include("${NOCKIT_EMBED_SCRIPT}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${abs}")
  target_sources(${target} PRIVATE "${out}")
endfunction()
