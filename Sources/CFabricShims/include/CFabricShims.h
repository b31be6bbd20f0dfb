#ifndef CFABRIC_SHIMS_H
#define CFABRIC_SHIMS_H

/* The few things FabricReactor needs from Linux that Swift cannot import well: epoll's packed
   event struct (x86_64), macros (CPU_COUNT, SIG_IGN, TCP_NOTSENT_LOWAT), accept4/socket flags,
   sendmsg with MSG_NOSIGNAL, and a thread-local slot for "the loop running on this thread".

   Convention: every call that can fail returns a negative errno value (-EAGAIN, ...) instead
   of -1, so Swift never has to read the thread's errno after the fact. */

#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* ---- epoll ---- */

/* epoll_event without the packing: what cfabric_epoll_wait fills in. */
typedef struct {
    uint32_t events;
    uint64_t data;
} cfabric_epoll_event;

extern const uint32_t CFABRIC_EPOLLIN;
extern const uint32_t CFABRIC_EPOLLOUT;
extern const uint32_t CFABRIC_EPOLLERR;
extern const uint32_t CFABRIC_EPOLLHUP;
extern const uint32_t CFABRIC_EPOLLRDHUP;

/* The largest `capacity` cfabric_epoll_wait accepts (it stages events on its stack). */
#define CFABRIC_EPOLL_EVENTS_MAX 1024

int cfabric_epoll_create(void);
/* op: 1 add, 2 delete, 3 modify (EPOLL_CTL_ADD, _DEL, _MOD). */
int cfabric_epoll_control(int epoll_fd, int op, int fd, uint32_t events, uint64_t data);
/* Waits up to timeout_ms (-1 forever); fills at most `capacity` events. */
int cfabric_epoll_wait(int epoll_fd, cfabric_epoll_event *events, int capacity, int timeout_ms);

/* ---- eventfd (loop wakeups) ---- */

int cfabric_eventfd_create(void);
int cfabric_eventfd_signal(int fd);
int cfabric_eventfd_drain(int fd);

/* ---- sockets ---- */

/* A non-blocking, close-on-exec TCP socket of `family` (AF_INET or AF_INET6). */
int cfabric_socket_tcp(int family);
/* accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC. */
int cfabric_accept(int fd, struct sockaddr_storage *address, socklen_t *length);
int cfabric_connect(int fd, const struct sockaddr_storage *address, socklen_t length);
int cfabric_bind(int fd, const struct sockaddr_storage *address, socklen_t length);
int cfabric_listen(int fd, int backlog);
/* The pending error of a socket (SO_ERROR): 0 or a positive errno; negative if the query failed. */
int cfabric_socket_error(int fd);
int cfabric_set_reuse_address(int fd, int on);
int cfabric_set_no_delay(int fd, int on);
int cfabric_set_not_sent_low_at(int fd, int bytes);
int cfabric_local_address(int fd, struct sockaddr_storage *address, socklen_t *length);
int cfabric_close(int fd);

/* read(2); returns bytes read, 0 at end of stream, or -errno. */
ssize_t cfabric_read(int fd, void *buffer, size_t capacity);
/* sendmsg(2) of `count` vectors with MSG_NOSIGNAL (a dead peer never raises SIGPIPE). */
ssize_t cfabric_send_vectors(int fd, const struct iovec *vectors, int count);

/* ---- addresses ---- */

/* Fills `address` from a numeric IPv4 or IPv6 literal; returns 0, or -EINVAL if not numeric. */
int cfabric_parse_numeric_address(const char *host, uint16_t port,
                                  struct sockaddr_storage *address, socklen_t *length);
/* Blocking getaddrinfo; the first TCP address. Returns 0 or a getaddrinfo EAI_* code. */
int cfabric_resolve(const char *host, uint16_t port,
                    struct sockaddr_storage *address, socklen_t *length);
/* The text of a getaddrinfo error code. */
const char *cfabric_resolve_error_text(int code);
/* Writes the address's host as text into `host` (NUL-terminated); returns its port. */
uint16_t cfabric_format_address(const struct sockaddr_storage *address, char *host,
                                size_t host_capacity);
int cfabric_address_family(const struct sockaddr_storage *address);

/* ---- process and threads ---- */

void cfabric_ignore_sigpipe(void);
/* CPUs this process may run on (sched_getaffinity), else online CPUs; at least 1. */
int cfabric_available_cpu_count(void);
int cfabric_set_thread_name(const char *name);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t cfabric_monotonic_nanoseconds(void);

/* The event loop running on the calling thread (NULL on other threads). Initial-exec TLS: a
   plain load relative to the thread pointer, no __tls_get_addr call (it is read on every
   execute and enqueue). */
extern _Thread_local void *cfabric_current_loop_storage __attribute__((tls_model("initial-exec")));

static inline void *cfabric_current_loop(void) { return cfabric_current_loop_storage; }
static inline void cfabric_set_current_loop(void *loop) { cfabric_current_loop_storage = loop; }

#endif
