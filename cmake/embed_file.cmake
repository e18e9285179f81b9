# Helper for nockit_embed (included at configure time): writes a C++ file holding IN's bytes.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR size "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
set(content "// Generated from ${IN}; do not edit.\n#include <string_view>\nnamespace nockit::embedded {\nstatic const char ${SYMBOL}_bytes[] = {\n${bytes}0x00};\nextern const std::string_view ${SYMBOL};\nconst std::string_view ${SYMBOL}{${SYMBOL}_bytes, ${size}};\n}\n")
# Rewrite only when the bytes changed, so an unchanged file does not trigger a rebuild.
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL content)
  file(WRITE "${OUT}" "${content}")
endif()
