import Glibc

/// Why a socket operation of the reactor failed: a code to switch on, the system's `errno` when
/// there was one, and a message for people.
///
/// A struct wrapping a code rather than an enum, like `FabricError`, so codes can be added later
/// without breaking anyone's exhaustive `switch` (DESIGN.md §9). The transport turns these into
/// `FabricError.nodeUnreachable` and friends.
package struct ReactorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: UInt8
        private init(_ raw: UInt8) { self.raw = raw }

        /// The peer refused or could not be reached (`ECONNREFUSED`, `ENETUNREACH`, ...).
        package static let connectFailed = Code(1)
        /// The connect attempt (name resolution included) did not finish within its timeout.
        package static let connectTimeout = Code(2)
        /// The host name could not be resolved, or is not a valid host at all.
        package static let resolveFailed = Code(3)
        /// A listening socket could not be bound or could not listen (`EADDRINUSE`, ...).
        package static let bindFailed = Code(4)
        /// A socket could not be created or configured (often `EMFILE`: out of descriptors).
        package static let socketFailed = Code(5)
        /// `read` failed with something other than a reset.
        package static let readFailed = Code(6)
        /// `sendmsg` failed with something other than a reset or a broken pipe.
        package static let writeFailed = Code(7)
        /// The peer reset the connection or vanished mid-write (`ECONNRESET`, `EPIPE`).
        package static let connectionReset = Code(8)
        /// A graceful close could not send what was queued before its drain timeout.
        package static let drainTimeout = Code(9)
        /// The event loop is shutting down; the stream, listener or attempt was abandoned.
        package static let shutdown = Code(10)
        /// The session layered over the socket (a TLS session, say) refused the peer's bytes or
        /// could not go on.
        package static let sessionFailed = Code(11)

        /// The code's name, as written in logs.
        package var description: String {
            switch raw {
            case 1: "connectFailed"
            case 2: "connectTimeout"
            case 3: "resolveFailed"
            case 4: "bindFailed"
            case 5: "socketFailed"
            case 6: "readFailed"
            case 7: "writeFailed"
            case 8: "connectionReset"
            case 9: "drainTimeout"
            case 10: "shutdown"
            case 11: "sessionFailed"
            default: "code\(raw)"
            }
        }
    }

    /// What kind of failure this is.
    package let code: Code
    /// The system error number behind the failure, when there was one.
    package let errno: Int32?
    /// What happened, for logs; never holds payload bytes.
    package let message: String

    /// An error with an explicit message and no system error number.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.errno = nil
        self.message = message
    }

    /// An error caused by a failed system call; the message names the call and the errno.
    package init(_ code: Code, systemCall: String, errno: Int32) {
        self.code = code
        self.errno = errno
        self.message = "\(systemCall): \(ReactorError.describe(errno: errno))"
    }

    /// `code: message`, for logs.
    package var description: String { "\(code): \(message)" }

    /// The text of an errno value with its number, e.g. "Connection refused (errno 111)".
    static func describe(errno value: Int32) -> String {
        guard let text = strerror(value) else { return "errno \(value)" }
        return "\(String(cString: text)) (errno \(value))"
    }

    /// Classifies a failed `read` (`value` is the positive errno).
    static func read(errno value: Int32) -> ReactorError {
        ReactorError(isReset(value) ? .connectionReset : .readFailed, systemCall: "read", errno: value)
    }

    /// Classifies a failed `sendmsg` (`value` is the positive errno).
    static func write(errno value: Int32) -> ReactorError {
        ReactorError(isReset(value) ? .connectionReset : .writeFailed, systemCall: "sendmsg", errno: value)
    }

    /// Errors meaning the peer went away rather than that something is wrong locally.
    private static func isReset(_ value: Int32) -> Bool {
        value == ECONNRESET || value == EPIPE || value == ETIMEDOUT || value == ECONNABORTED
    }
}
