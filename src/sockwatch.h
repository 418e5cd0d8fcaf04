/* sockwatch.h - the sockets libcurl asks a worker to watch, on libevent.
 *
 * libcurl's multi_socket API says which sockets to watch (CURL_POLL_IN,
 * _OUT) and when to stop (CURL_POLL_REMOVE). It stops watching a keep-alive
 * connection at the end of every transfer and asks again when the next
 * transfer takes the connection, a moment later: taken literally, that is an
 * epoll_ctl DEL and an ADD per page. A sockwatch keeps an idle connection
 * registered ("parked") instead, so reuse costs no system call, and lets go
 * of it for good when it closes or stirs while idle (the server closed it).
 *
 * Parking is safe only for sockets whose close it sees: connection sockets,
 * which libcurl creates and closes through the callbacks that
 * sockwatch_attach_easy() installs. Anything else libcurl watches (the
 * threaded resolver's socketpair) is unregistered on CURL_POLL_REMOVE, as
 * libcurl asks. */
#ifndef CRAWLD_SOCKWATCH_H
#define CRAWLD_SOCKWATCH_H

#include <curl/curl.h>
#include <event2/event.h>

/* A socket is ready: curl_select is CURL_CSELECT_IN and/or _OUT, ready to
 * pass to curl_multi_socket_action(). */
typedef void (*sockwatch_ready_fn)(curl_socket_t fd, int curl_select,
                                   void *arg);

struct sockwatch;

/* NULL on allocation failure. */
struct sockwatch *sockwatch_new(struct event_base *base,
                                sockwatch_ready_fn ready, void *arg);
/* Makes the sockwatch multi's CURLMOPT_SOCKETFUNCTION. */
CURLMcode sockwatch_attach_multi(struct sockwatch *watch, CURLM *multi);
/* Makes it the easy handle's socket-creation and close callbacks; every
 * easy handle added to the multi needs this before its first transfer. */
CURLcode sockwatch_attach_easy(struct sockwatch *watch, CURL *easy);
/* How many idle connections are held registered now. */
size_t sockwatch_parked(const struct sockwatch *watch);
/* How many times a socket was registered with the event base (an
 * epoll_ctl call or two each): the tests' measure of what parking saves. */
unsigned long sockwatch_registrations(const struct sockwatch *watch);
/* Only after curl_multi_cleanup(): closing connections calls back. */
void sockwatch_free(struct sockwatch *watch);

#endif
