/// The error every Fabric call fails with: a code to switch on and a message for people.
///
/// A struct wrapping a code rather than an enum, so that codes can be added without breaking
/// anyone's exhaustive `switch` (DESIGN.md §9).
public struct FabricError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: UInt8

        /// The call's deadline passed before a reply came.
        public static let timeout = Code(raw: 1)
        /// The node could not be reached, or the connection to it was lost with the call pending.
        public static let nodeUnreachable = Code(raw: 2)
        /// The node is known to be gone: the ID names a process generation that no longer runs.
        public static let nodeDown = Code(raw: 3)
        /// The remote method threw; `remoteType` names the error's type.
        public static let remoteError = Code(raw: 4)
        /// A value could not be encoded or decoded, or the target is not valid for the recipient.
        public static let serialization = Code(raw: 5)
        /// Refused before running: back-pressure, a limit, or one-way on a non-Void method.
        public static let rejected = Code(raw: 6)
        /// The recipient does not exist on its node.
        public static let actorNotFound = Code(raw: 7)
        /// The peer broke the protocol (bad frame, bad handshake); the connection was closed.
        public static let protocolViolation = Code(raw: 8)
        /// The local system is shutting down.
        public static let shutdown = Code(raw: 9)
        /// The calling task was cancelled.
        public static let cancelled = Code(raw: 10)
        /// A name, path or address handed to Fabric is not valid (`NodeId(_:)`,
        /// `ActorID.wellKnown(_:on:)`, `NodeAddress(parsing:)`, a configuration); the message
        /// says which rule it breaks.
        public static let invalidArgument = Code(raw: 11)

        /// The code's name, as written here (`timeout`, `nodeDown`, …).
        public var description: String {
            switch raw {
            case 1: "timeout"
            case 2: "nodeUnreachable"
            case 3: "nodeDown"
            case 4: "remoteError"
            case 5: "serialization"
            case 6: "rejected"
            case 7: "actorNotFound"
            case 8: "protocolViolation"
            case 9: "shutdown"
            case 10: "cancelled"
            case 11: "invalidArgument"
            default: "code\(raw)"
            }
        }

        /// The code's number on the wire.
        public var wireValue: UInt8 { raw }

        /// The code with this wire number, or nil for a number this version does not know.
        public init?(wireValue: UInt8) {
            guard (1...11).contains(wireValue) else { return nil }
            raw = wireValue
        }

        private init(raw: UInt8) { self.raw = raw }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What happened, for people; never holds user payloads.
    public let message: String
    /// For `remoteError`: the name of the remote error's type.
    public let remoteType: String?

    /// An error with `code` and `message`; `remoteType` only for `remoteError`.
    public init(_ code: Code, _ message: String, remoteType: String? = nil) {
        self.code = code
        self.message = message
        self.remoteType = remoteType
    }

    /// A `timeout` error.
    public static func timeout(_ message: String) -> FabricError { .init(.timeout, message) }
    /// A `nodeUnreachable` error.
    public static func nodeUnreachable(_ message: String) -> FabricError { .init(.nodeUnreachable, message) }
    /// A `nodeDown` error.
    public static func nodeDown(_ message: String) -> FabricError { .init(.nodeDown, message) }
    /// A `serialization` error.
    public static func serialization(_ message: String) -> FabricError { .init(.serialization, message) }
    /// A `rejected` error.
    public static func rejected(_ message: String) -> FabricError { .init(.rejected, message) }
    /// An `invalidArgument` error: `message` names the value and the rule it breaks.
    public static func invalidArgument(_ message: String) -> FabricError { .init(.invalidArgument, message) }
    /// A `remoteError`: the remote method threw an error of type `type`.
    public static func remoteError(type: String, message: String) -> FabricError {
        .init(.remoteError, message, remoteType: type)
    }

    /// `code: message`, with the remote type for a `remoteError`.
    public var description: String {
        if let remoteType { return "\(code) (\(remoteType)): \(message)" }
        return "\(code): \(message)"
    }
}
