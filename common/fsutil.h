/* Small file-system helpers both processes and the tests use: recursive
 * removal, directory creation and fsync of a directory after renames. */
#ifndef OMEN_FSUTIL_H
#define OMEN_FSUTIL_H

#include <stddef.h>

/* rm -rf path; OMEN_OK when it is gone (or never existed). */
int fsutil_remove_tree(const char *path);
/* mkdir -p path (mode 0755). */
int fsutil_mkdirs(const char *path);
/* fsync a directory so that renames in it survive a crash. */
int fsutil_sync_dir(const char *path);

#endif
