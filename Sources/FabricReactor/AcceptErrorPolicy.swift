import Glibc

/// What a listener does after `accept` fails, by `errno` (DESIGN.md §5: never spin on a
/// listening socket the process cannot serve).
package enum AcceptErrorPolicy {
    /// The listener's next step.
    package enum Action: Sendable, Hashable {
        /// Interrupted: call `accept` again.
        case retry
        /// No connection is waiting: stop until epoll reports more.
        case drained
        /// This one connection failed (it was aborted, or a network error surfaced through
        /// `accept`): count it and accept the next.
        case skip
        /// The process or system is out of a resource (descriptors, memory): stop polling the
        /// listener for the backoff period, count it, then resume. Accepting again at once would
        /// fail again, and level-triggered epoll would report the listener forever.
        case backOff
    }

    /// The action for a failed `accept` with positive `errno` `value`.
    package static func action(forErrno value: Int32) -> Action {
        switch value {
        case EINTR:
            return .retry
        case EAGAIN, EWOULDBLOCK:
            return .drained
        case ECONNABORTED, EPROTO, EPERM, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH,
            EOPNOTSUPP, ENETUNREACH, ETIMEDOUT:
            return .skip
        default:
            // EMFILE, ENFILE, ENOBUFS, ENOMEM, and anything unexpected: never spin on it.
            return .backOff
        }
    }
}
