/// Where a connection is in its life: connecting → handshaking → ready → draining → closed.
///
/// Only the transitions below are legal; `Connection` asserts them, so a bug that would, say,
/// send user frames before the handshake or reopen a closed connection stops at once.
package enum ConnectionPhase: Sendable, Hashable, CustomStringConvertible {
    /// Dialing: the TCP connect has not completed.
    case connecting
    /// TCP is up; hello/welcome not yet exchanged. Only handshake frames are legal.
    case handshaking
    /// Agreed on a protocol: calls, replies and system frames flow.
    case ready
    /// Closing gracefully: no new calls; queued frames still leave.
    case draining
    /// Gone for good.
    case closed

    /// Whether `next` may follow `self`.
    package func canMove(to next: ConnectionPhase) -> Bool {
        switch (self, next) {
        case (.connecting, .handshaking), (.connecting, .closed): true
        case (.handshaking, .ready), (.handshaking, .closed): true
        case (.ready, .draining), (.ready, .closed): true
        case (.draining, .closed): true
        default: false
        }
    }

    package var description: String {
        switch self {
        case .connecting: "connecting"
        case .handshaking: "handshaking"
        case .ready: "ready"
        case .draining: "draining"
        case .closed: "closed"
        }
    }
}
