/* v2v: progress and events on the terminal or as JSON lines. */
#ifndef V2V_PROGRESS_H
#define V2V_PROGRESS_H

#include <stdint.h>

struct progress {
  const char *label; /* "sda" */
  double start;      /* monotonic seconds */
  double last_draw;
  int tty; /* draw a bar on stderr */
};

extern double now_seconds (void);

/* Starts a progress display for one disk. */
extern void progress_start (struct progress *p, const char *label);

/* copy_progress_fn-shaped update. */
extern void progress_update (void *opaque, uint64_t done, uint64_t total);

/* Ends the bar line. */
extern void progress_end (struct progress *p);

/* With --machine-readable: one JSON object per line on stdout,
 * {"event": EVENT, ...fields}.  fields_json is already-formatted JSON
 * members ("\"a\": 1, \"b\": \"x\"") or "".
 */
extern void event (const char *event, const char *fields_json);

#endif /* V2V_PROGRESS_H */
