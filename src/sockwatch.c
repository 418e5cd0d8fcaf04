/* sockwatch.c - libcurl's sockets on libevent, kept registered between
 * transfers on the same connection; see sockwatch.h. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockwatch.h"

/* One per file descriptor number. */
struct sock_slot {
  struct event *event; /* NULL: not registered */
  short events;        /* what event is registered for */
  bool connection;     /* created and closed through our callbacks */
  bool parked;         /* libcurl let go of it; still registered */
};

struct sockwatch {
  struct event_base *base;
  sockwatch_ready_fn ready;
  void *arg;
  struct sock_slot *slots; /* indexed by fd */
  size_t slot_count;
  unsigned long registrations; /* event_add() calls: what parking saves */
};

struct sockwatch *sockwatch_new(struct event_base *base,
                                sockwatch_ready_fn ready, void *arg)
{
  struct sockwatch *watch = calloc(1, sizeof(*watch));

  if(watch == NULL)
    return NULL;
  watch->base = base;
  watch->ready = ready;
  watch->arg = arg;
  return watch;
}

/* The slot of fd, growing the table to hold it; NULL on allocation failure.
 */
static struct sock_slot *slot_for(struct sockwatch *watch, curl_socket_t fd)
{
  if((size_t)fd >= watch->slot_count) {
    size_t count = (size_t)fd + 64;
    struct sock_slot *slots = realloc(watch->slots, count * sizeof(*slots));

    if(slots == NULL)
      return NULL;
    memset(slots + watch->slot_count, 0,
           (count - watch->slot_count) * sizeof(*slots));
    watch->slots = slots;
    watch->slot_count = count;
  }
  return &watch->slots[fd];
}

/* The slot of fd if the table reaches that far, else NULL. */
static struct sock_slot *slot_of(struct sockwatch *watch, curl_socket_t fd)
{
  return fd >= 0 && (size_t)fd < watch->slot_count ? &watch->slots[fd] : NULL;
}

static void unregister(struct sock_slot *slot)
{
  if(slot->event != NULL)
    event_free(slot->event);
  slot->event = NULL;
  slot->events = 0;
  slot->parked = false;
}

static void on_ready(evutil_socket_t fd, short events, void *arg)
{
  struct sockwatch *watch = arg;
  struct sock_slot *slot = slot_of(watch, fd);
  int curl_select = 0;

  if(slot != NULL && slot->parked) {
    /* Nothing should arrive on an idle connection: the server closed it or
     * broke the protocol. libcurl checks a connection before reusing it and
     * will close this one; until then, level-triggered readiness would wake
     * us at every turn of the loop. */
    unregister(slot);
    return;
  }
  if(events & EV_READ)
    curl_select |= CURL_CSELECT_IN;
  if(events & EV_WRITE)
    curl_select |= CURL_CSELECT_OUT;
  watch->ready(fd, curl_select, watch->arg);
}

/* CURLMOPT_SOCKETFUNCTION */
static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp,
                          void *socketp)
{
  struct sockwatch *watch = userp;
  struct sock_slot *slot;
  short events = EV_PERSIST;

  (void)easy;
  (void)socketp;
  if(what == CURL_POLL_REMOVE) {
    slot = slot_of(watch, fd);
    if(slot != NULL && slot->event != NULL) {
      if(slot->connection)
        slot->parked = true;
      else
        unregister(slot);
    }
    return 0;
  }
  slot = slot_for(watch, fd);
  if(slot == NULL)
    return -1;
  if(what & CURL_POLL_IN)
    events |= EV_READ;
  if(what & CURL_POLL_OUT)
    events |= EV_WRITE;
  slot->parked = false;
  if(slot->event != NULL && slot->events == events)
    return 0; /* a parked connection taken again: already registered */
  if(slot->event == NULL) {
    slot->event = event_new(watch->base, fd, events, on_ready, watch);
    if(slot->event == NULL)
      return -1;
  }
  else {
    event_del(slot->event);
    event_assign(slot->event, watch->base, fd, events, on_ready, watch);
  }
  slot->events = events;
  watch->registrations++;
  return event_add(slot->event, NULL);
}

/* CURLOPT_SOCKOPTFUNCTION: called for every connection socket libcurl
 * creates. */
static int on_socket_created(void *clientp, curl_socket_t fd,
                             curlsocktype purpose)
{
  struct sockwatch *watch = clientp;
  struct sock_slot *slot;

  if(purpose != CURLSOCKTYPE_IPCXN)
    return CURL_SOCKOPT_OK;
  slot = slot_for(watch, fd);
  if(slot == NULL)
    return CURL_SOCKOPT_ERROR;
  /* Registration left behind by an fd closed where we could not see it
   * would make the new socket look registered when it is not. */
  unregister(slot);
  slot->connection = true;
  return CURL_SOCKOPT_OK;
}

/* CURLOPT_CLOSESOCKETFUNCTION: unregister while the fd still names this
 * socket, then close it. */
static int on_socket_close(void *clientp, curl_socket_t fd)
{
  struct sockwatch *watch = clientp;
  struct sock_slot *slot = slot_of(watch, fd);

  if(slot != NULL) {
    unregister(slot);
    slot->connection = false;
  }
  return close(fd);
}

CURLMcode sockwatch_attach_multi(struct sockwatch *watch, CURLM *multi)
{
  CURLMcode rc =
      curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);

  if(rc == CURLM_OK)
    rc = curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, watch);
  return rc;
}

CURLcode sockwatch_attach_easy(struct sockwatch *watch, CURL *easy)
{
  CURLcode rc =
      curl_easy_setopt(easy, CURLOPT_SOCKOPTFUNCTION, on_socket_created);

  if(rc == CURLE_OK)
    rc = curl_easy_setopt(easy, CURLOPT_SOCKOPTDATA, watch);
  if(rc == CURLE_OK)
    rc = curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, on_socket_close);
  if(rc == CURLE_OK)
    rc = curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, watch);
  return rc;
}

size_t sockwatch_parked(const struct sockwatch *watch)
{
  size_t parked = 0;

  for(size_t fd = 0; fd < watch->slot_count; fd++)
    parked += watch->slots[fd].parked;
  return parked;
}

unsigned long sockwatch_registrations(const struct sockwatch *watch)
{
  return watch->registrations;
}

void sockwatch_free(struct sockwatch *watch)
{
  if(watch == NULL)
    return;
  for(size_t fd = 0; fd < watch->slot_count; fd++)
    unregister(&watch->slots[fd]);
  free(watch->slots);
  free(watch);
}
