# Removes the files listed in an install manifest (cmake -DMANIFEST=... -P),
# then the flashkit directories the install created if they are left empty.
# The manifest names files without DESTDIR; the same DESTDIR in the
# environment finds them again.
if(NOT EXISTS "${MANIFEST}")
  message(FATAL_ERROR "${MANIFEST}: not found - nothing was installed from this build directory")
endif()
file(STRINGS "${MANIFEST}" files)
set(dirs)
foreach(f ${files})
  set(f "$ENV{DESTDIR}${f}")
  if(EXISTS "${f}" OR IS_SYMLINK "${f}")
    file(REMOVE "${f}")
    message(STATUS "removed ${f}")
  endif()
  get_filename_component(d "${f}" DIRECTORY)
  list(APPEND dirs "${d}")
endforeach()
# Only directories that end in flashkit's own names are removed (when empty):
# include/flashkit, include/flashkit/flashkit, lib/cmake/flashkit.
list(REMOVE_DUPLICATES dirs)
list(SORT dirs ORDER DESCENDING)
foreach(d ${dirs})
  if(d MATCHES "/flashkit$" AND IS_DIRECTORY "${d}")
    file(GLOB left "${d}/*")
    if(NOT left)
      file(REMOVE_RECURSE "${d}")
    endif()
  endif()
endforeach()
