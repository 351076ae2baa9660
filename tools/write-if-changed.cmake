# write_if_changed(PATH TEXT): writes TEXT to PATH only when PATH does not
# already hold it, so that a generated source that did not change keeps its
# time and nothing that depends on it rebuilds. Included by the scripts that
# generate sources (tools/version.cmake, tools/embed.cmake).
function(write_if_changed path text)
  if(EXISTS "${path}")
    file(READ "${path}" old)
  else()
    set(old "")
  endif()
  if(NOT old STREQUAL text)
    file(WRITE "${path}" "${text}")
  endif()
endfunction()
