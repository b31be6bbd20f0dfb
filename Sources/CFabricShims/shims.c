#define _GNU_SOURCE
#include "CFabricShims.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#ifndef TCP_NOTSENT_LOWAT
#define TCP_NOTSENT_LOWAT 25
#endif

_Thread_local void *cfabric_current_loop_storage __attribute__((tls_model("initial-exec"))) = NULL;

const uint32_t CFABRIC_EPOLLIN = EPOLLIN;
const uint32_t CFABRIC_EPOLLOUT = EPOLLOUT;
const uint32_t CFABRIC_EPOLLERR = EPOLLERR;
const uint32_t CFABRIC_EPOLLHUP = EPOLLHUP;
const uint32_t CFABRIC_EPOLLRDHUP = EPOLLRDHUP;

static int result_or_errno(int result) { return result < 0 ? -errno : result; }

/* ---- epoll ---- */

int cfabric_epoll_create(void) { return result_or_errno(epoll_create1(EPOLL_CLOEXEC)); }

int cfabric_epoll_control(int epoll_fd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = events;
    event.data.u64 = data;
    return result_or_errno(epoll_ctl(epoll_fd, op, fd, &event));
}

int cfabric_epoll_wait(int epoll_fd, cfabric_epoll_event *events, int capacity, int timeout_ms) {
    struct epoll_event staged[CFABRIC_EPOLL_EVENTS_MAX];
    if (capacity <= 0) return -EINVAL;
    if (capacity > CFABRIC_EPOLL_EVENTS_MAX) capacity = CFABRIC_EPOLL_EVENTS_MAX;
    int count = epoll_wait(epoll_fd, staged, capacity, timeout_ms);
    if (count < 0) return -errno;
    for (int i = 0; i < count; i++) {
        events[i].events = staged[i].events;
        events[i].data = staged[i].data.u64;
    }
    return count;
}

/* ---- eventfd ---- */

int cfabric_eventfd_create(void) { return result_or_errno(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)); }

int cfabric_eventfd_signal(int fd) {
    uint64_t one = 1;
    for (;;) {
        ssize_t written = write(fd, &one, sizeof one);
        if (written >= 0) return 0;
        if (errno == EINTR) continue;
        /* EAGAIN: the counter is saturated, so the loop is certain to wake anyway. */
        return errno == EAGAIN ? 0 : -errno;
    }
}

int cfabric_eventfd_drain(int fd) {
    uint64_t value;
    for (;;) {
        ssize_t got = read(fd, &value, sizeof value);
        if (got >= 0) return 0;
        if (errno == EINTR) continue;
        return errno == EAGAIN ? 0 : -errno;
    }
}

/* ---- sockets ---- */

int cfabric_socket_tcp(int family) {
    return result_or_errno(socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
}

int cfabric_accept(int fd, struct sockaddr_storage *address, socklen_t *length) {
    *length = sizeof *address;
    return result_or_errno(accept4(fd, (struct sockaddr *)address, length,
                                   SOCK_NONBLOCK | SOCK_CLOEXEC));
}

int cfabric_connect(int fd, const struct sockaddr_storage *address, socklen_t length) {
    for (;;) {
        int result = connect(fd, (const struct sockaddr *)address, length);
        if (result == 0) return 0;
        if (errno == EINTR) continue;
        return -errno;
    }
}

int cfabric_bind(int fd, const struct sockaddr_storage *address, socklen_t length) {
    return result_or_errno(bind(fd, (const struct sockaddr *)address, length));
}

int cfabric_listen(int fd, int backlog) { return result_or_errno(listen(fd, backlog)); }

int cfabric_socket_error(int fd) {
    int value = 0;
    socklen_t length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) < 0) return -errno;
    return value;
}

static int set_int_option(int fd, int level, int name, int value) {
    return result_or_errno(setsockopt(fd, level, name, &value, sizeof value));
}

int cfabric_set_reuse_address(int fd, int on) { return set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, on != 0); }
int cfabric_set_no_delay(int fd, int on) { return set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, on != 0); }
int cfabric_set_not_sent_low_at(int fd, int bytes) { return set_int_option(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, bytes); }

int cfabric_local_address(int fd, struct sockaddr_storage *address, socklen_t *length) {
    *length = sizeof *address;
    return result_or_errno(getsockname(fd, (struct sockaddr *)address, length));
}

int cfabric_close(int fd) { return result_or_errno(close(fd)); }

ssize_t cfabric_read(int fd, void *buffer, size_t capacity) {
    for (;;) {
        ssize_t got = read(fd, buffer, capacity);
        if (got >= 0) return got;
        if (errno == EINTR) continue;
        return -errno;
    }
}

ssize_t cfabric_send_vectors(int fd, const struct iovec *vectors, int count) {
    struct msghdr message;
    memset(&message, 0, sizeof message);
    message.msg_iov = (struct iovec *)vectors;
    message.msg_iovlen = (size_t)count;
    for (;;) {
        ssize_t sent = sendmsg(fd, &message, MSG_NOSIGNAL);
        if (sent >= 0) return sent;
        if (errno == EINTR) continue;
        return -errno;
    }
}

/* ---- addresses ---- */

int cfabric_parse_numeric_address(const char *host, uint16_t port,
                                  struct sockaddr_storage *address, socklen_t *length) {
    memset(address, 0, sizeof *address);
    struct sockaddr_in *v4 = (struct sockaddr_in *)address;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        *length = sizeof *v4;
        return 0;
    }
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)address;
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        *length = sizeof *v6;
        return 0;
    }
    return -EINVAL;
}

int cfabric_resolve(const char *host, uint16_t port,
                    struct sockaddr_storage *address, socklen_t *length) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_ADDRCONFIG;
    struct addrinfo *results = NULL;
    int code = getaddrinfo(host, NULL, &hints, &results);
    if (code != 0) return code;
    code = EAI_NONAME;
    for (struct addrinfo *entry = results; entry != NULL; entry = entry->ai_next) {
        if ((entry->ai_family != AF_INET && entry->ai_family != AF_INET6) ||
            entry->ai_addrlen > sizeof *address) continue;
        memset(address, 0, sizeof *address);
        memcpy(address, entry->ai_addr, entry->ai_addrlen);
        *length = entry->ai_addrlen;
        if (entry->ai_family == AF_INET) ((struct sockaddr_in *)address)->sin_port = htons(port);
        else ((struct sockaddr_in6 *)address)->sin6_port = htons(port);
        code = 0;
        break;
    }
    freeaddrinfo(results);
    return code;
}

const char *cfabric_resolve_error_text(int code) { return gai_strerror(code); }

uint16_t cfabric_format_address(const struct sockaddr_storage *address, char *host,
                                size_t host_capacity) {
    if (host_capacity > 0) host[0] = '\0';
    if (address->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
        inet_ntop(AF_INET, &v4->sin_addr, host, (socklen_t)host_capacity);
        return ntohs(v4->sin_port);
    }
    if (address->ss_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
        inet_ntop(AF_INET6, &v6->sin6_addr, host, (socklen_t)host_capacity);
        return ntohs(v6->sin6_port);
    }
    return 0;
}

int cfabric_address_family(const struct sockaddr_storage *address) { return address->ss_family; }

/* ---- process and threads ---- */

void cfabric_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

int cfabric_available_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

int cfabric_set_thread_name(const char *name) {
    char truncated[16];
    strncpy(truncated, name, sizeof truncated - 1);
    truncated[sizeof truncated - 1] = '\0';
    return -pthread_setname_np(pthread_self(), truncated);
}

uint64_t cfabric_monotonic_nanoseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}
