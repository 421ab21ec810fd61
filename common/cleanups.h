/* vmshift: __attribute__((cleanup)) helpers for locals.
 *
 *   CLEANUP_FREE char *s = NULL;     freed when s goes out of scope
 */
#ifndef VMSHIFT_CLEANUPS_H
#define VMSHIFT_CLEANUPS_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void
cleanup_free (void *ptr)
{
  free (*(void **) ptr);
}

static inline void
cleanup_fclose (void *ptr)
{
  FILE *fp = *(FILE **) ptr;
  if (fp)
    fclose (fp);
}

static inline void
cleanup_close (void *ptr)
{
  int fd = *(int *) ptr;
  if (fd >= 0)
    close (fd);
}

/* Frees a NULL-terminated array of strings and the array. */
static inline void
free_string_list (char **list)
{
  if (list == NULL)
    return;
  for (size_t i = 0; list[i] != NULL; ++i)
    free (list[i]);
  free (list);
}

static inline void
cleanup_free_string_list (void *ptr)
{
  free_string_list (*(char ***) ptr);
}

#define CLEANUP_FREE __attribute__ ((cleanup (cleanup_free)))
#define CLEANUP_FCLOSE __attribute__ ((cleanup (cleanup_fclose)))
#define CLEANUP_CLOSE __attribute__ ((cleanup (cleanup_close)))
#define CLEANUP_FREE_STRING_LIST                                              \
  __attribute__ ((cleanup (cleanup_free_string_list)))

#ifdef LIBXML_VERSION
static inline void
cleanup_xmlfreedoc (void *ptr)
{
  xmlDocPtr doc = *(xmlDocPtr *) ptr;
  if (doc)
    xmlFreeDoc (doc);
}
#define CLEANUP_XMLFREEDOC __attribute__ ((cleanup (cleanup_xmlfreedoc)))

static inline void
cleanup_xmlxpathfreecontext (void *ptr)
{
  xmlXPathContextPtr ctx = *(xmlXPathContextPtr *) ptr;
  if (ctx)
    xmlXPathFreeContext (ctx);
}
#define CLEANUP_XMLXPATHFREECONTEXT                                           \
  __attribute__ ((cleanup (cleanup_xmlxpathfreecontext)))
#endif

#ifdef GUESTFS_H_
static inline void
cleanup_guestfs_close (void *ptr)
{
  guestfs_h *g = *(guestfs_h **) ptr;
  if (g)
    guestfs_close (g);
}
#define CLEANUP_GUESTFS_CLOSE __attribute__ ((cleanup (cleanup_guestfs_close)))
#endif

#endif /* VMSHIFT_CLEANUPS_H */
