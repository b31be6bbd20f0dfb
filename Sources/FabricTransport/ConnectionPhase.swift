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

    /// The phase as a byte, for the atomic a connection keeps it in.
    var code: UInt8 {
        switch self {
        case .connecting: 0
        case .handshaking: 1
        case .ready: 2
        case .draining: 3
        case .closed: 4
        }
    }

    init(code: UInt8) {
        switch code {
        case 0: self = .connecting
        case 1: self = .handshaking
        case 2: self = .ready
        case 3: self = .draining
        case 4: self = .closed
        default: preconditionFailure("connection phase code \(code) was never stored")
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
