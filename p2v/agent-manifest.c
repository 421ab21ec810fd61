/* p2v agent: the local block manifest, kept in the state directory:
 * used when it matches the replica's, else fetched from the conversion
 * host and checked (agent.h).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>

#include "agent.h"
#include "block-manifest.h"
#include "cli.h"
#include "errors.h"

/* Does the manifest at d->manifest match the receiver's? */
static bool
local_matches (struct agent_disk *d)
{
  struct manifest_header h;

  d->mfd = open (d->manifest, O_RDWR | O_CLOEXEC);
  if (d->mfd == -1)
    return false;
  if (manifest_check (d->mfd, &h) == 0 && h.rounds == d->link.rounds
      && h.digest == d->link.digest && h.block_size == d->link.block_size
      && h.disk_size == d->size)
    return true;
  close (d->mfd);
  d->mfd = -1;
  return false;
}

int
agent_manifest_open (struct agent_disk *d, const struct link_target *t)
{
  struct manifest_header h;

  d->bs = d->link.block_size;
  d->nblocks = manifest_blocks (d->size, d->bs);
  if (!local_matches (d)) {
    if (d->link.rounds == 0) {
      if (manifest_create (d->manifest, d->size, d->bs) == -1)
        return -1;
    }
    else {
      info ("%s: fetching the replica's block manifest", d->label);
      if (link_fetch_manifest (t, d->index, d->manifest) == -1)
        return -1;
    }
    if (!local_matches (d)) {
      set_error (0,
                 "%s: the replica's block manifest does not match what "
                 "the receiver says of it",
                 d->label);
      return -1;
    }
  }
  if (manifest_read_header (d->mfd, &h) == -1)
    return -1;
  d->rounds = h.rounds;
  d->digest = h.digest;
  d->pfd = open (d->patches, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (d->pfd == -1) {
    set_error (errno, "'%s'", d->patches);
    return -1;
  }
  return 0;
}
