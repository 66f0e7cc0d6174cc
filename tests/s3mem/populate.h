/* populate.h - bulk loading for --populate. */
#ifndef S3MEM_POPULATE_H
#define S3MEM_POPULATE_H

#include "buf.h"
#include "store.h"

/* Loads every line of path into b.  Returns 0, or -1 with a message
 * ("file:line: why") appended to err. */
int populate_file(struct bucket *b, const char *path, struct buf *err);

#endif
