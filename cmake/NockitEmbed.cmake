# nockit_embed(TARGET SYMBOL FILE): compile FILE into TARGET as
#   namespace nockit::embedded { extern const std::string_view SYMBOL; }
# so the programs work with no data files installed. Regenerated when FILE changes.
set(NOCKIT_EMBED_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/embed_file.cmake")
function(nockit_embed target symbol file)
  get_filename_component(abs "${file}" ABSOLUTE)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/embedded/${symbol}.cpp")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DIN=${abs} -DOUT=${out} -DSYMBOL=${symbol} -P "${NOCKIT_EMBED_SCRIPT}"
    DEPENDS "${abs}" "${NOCKIT_EMBED_SCRIPT}"
    COMMENT "Embedding ${file}"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
